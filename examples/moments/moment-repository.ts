// Where Moments are stored. The use cases validate before calling it, so an implementation may
// assume valid input (the database's CHECK constraint is the last line, not the first).
import type { Moment } from "./moment.js";

export type NewMoment = { title: string; body: string | null };

/** Fields left undefined are unchanged; body null clears it. */
export type MomentChanges = { title?: string; body?: string | null };

export type MomentRepository = {
  create(moment: NewMoment): Promise<Moment>;
  /** The updated Moment, or null when no Moment has this id. */
  update(id: string, changes: MomentChanges): Promise<Moment | null>;
  findById(id: string): Promise<Moment | null>;
};
