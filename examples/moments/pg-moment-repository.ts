// MomentRepository on the `moments` table of the example's migrations. updated_at has no
// default there (Prisma's @updatedAt is set by the client), and neither has id (@default(uuid())
// is client-side too): this repository sets both.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Moment } from "./moment.js";
import type { MomentChanges, MomentRepository, NewMoment } from "./moment-repository.js";

/** A pg.Pool, pg.Client or a pool's client. */
export type Queryable = { query: pg.ClientBase["query"] };

type MomentRow = { id: string; title: string; body: string | null; created_at: Date; updated_at: Date };

const COLUMNS = "id, title, body, created_at, updated_at";

export function pgMomentRepository(db: Queryable): MomentRepository {
  return {
    async create(moment: NewMoment) {
      const { rows } = await db.query<MomentRow>(
        `INSERT INTO moments (id, title, body, updated_at) VALUES ($1, $2, $3, now()) RETURNING ${COLUMNS}`,
        [randomUUID(), moment.title, moment.body],
      );
      return toMoment(rows[0]!);
    },

    async update(id: string, changes: MomentChanges) {
      const values: unknown[] = [id];
      const sets = ["updated_at = now()"];
      if (changes.title !== undefined) sets.push(`title = $${values.push(changes.title)}`);
      if (changes.body !== undefined) sets.push(`body = $${values.push(changes.body)}`);
      const { rows } = await db.query<MomentRow>(`UPDATE moments SET ${sets.join(", ")} WHERE id = $1 RETURNING ${COLUMNS}`, values);
      return rows[0] ? toMoment(rows[0]) : null;
    },

    async findById(id: string) {
      const { rows } = await db.query<MomentRow>(`SELECT ${COLUMNS} FROM moments WHERE id = $1`, [id]);
      return rows[0] ? toMoment(rows[0]) : null;
    },
  };
}

function toMoment(row: MomentRow): Moment {
  return { id: row.id, title: row.title, body: row.body, createdAt: row.created_at, updatedAt: row.updated_at };
}
