// UpdateMoment: the same title rules as CreateMoment, on a partial change. An unknown id is a
// typed result, not an exception: it is an ordinary outcome (deleted elsewhere, a stale form).
import { z } from "zod";
import { Body, Title, toValidationError, type MomentResult, type NotFoundError, type ValidationError } from "./moment.js";
import type { MomentRepository } from "./moment-repository.js";

export const UpdateMomentInput = z.object({
  // Any hex UUID, as PostgreSQL's uuid type accepts; a malformed one would be a database error.
  id: z.guid(),
  title: Title.optional(),
  body: Body.nullable().optional(),
});
export type UpdateMomentInput = z.input<typeof UpdateMomentInput>;

export type UpdateMomentResult = MomentResult<ValidationError | NotFoundError>;

export async function updateMoment(repository: MomentRepository, input: unknown): Promise<UpdateMomentResult> {
  const parsed = UpdateMomentInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: toValidationError(parsed.error, input) };
  const { id, title, body } = parsed.data;
  const moment = await repository.update(id, { ...(title === undefined ? {} : { title }), ...(body === undefined ? {} : { body }) });
  if (!moment) return { ok: false, error: { kind: "not_found", id, message: `no moment with id ${id}` } };
  return { ok: true, moment };
}
