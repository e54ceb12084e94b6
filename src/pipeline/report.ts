// The report is one object: the --json output and the source of the human view, so the two can
// never disagree.
import type { DbshipError } from "../errors.js";
import type { RollbackAdvice } from "./rollback-advice.js";
import type { StepReport } from "./types.js";

export type MigrationsSummary = { applied: string[]; pending: string[]; failed: string[]; modified: string[]; missing: string[] };

export type Report = {
  command: string;
  ok: boolean;
  exitCode: number;
  steps: StepReport[];
  migrations: MigrationsSummary;
  snapshot: { name: string; id: string; createdAt: string; connectionString: string } | null;
  rollback: RollbackAdvice | null;
  error: { code: string; message: string; hint: string | null } | null;
  warnings: string[];
  /** Facts some commands add: lint findings, schema changes, the rehearsal's explanation… */
  [extra: string]: unknown;
};

export function errorSummary(error: DbshipError | undefined): Report["error"] {
  return error ? { code: error.code, message: error.message, hint: error.hint ?? null } : null;
}

export function emptyMigrations(): MigrationsSummary {
  return { applied: [], pending: [], failed: [], modified: [], missing: [] };
}
