// The report is one object: the --json output and the source of the human view, so the two can
// never disagree.
import type { DbshipError, ErrorDocument } from "../errors.js";
import type { RollbackAdvice } from "./rollback-advice.js";
import type { RehearsalMeasurements } from "../plan/assess.js";
import type { FailureExplanation } from "./explain-failure.js";
import type { LintSummary, SchemaCheckSummary, StepReport } from "./types.js";

export type MigrationsSummary = { applied: string[]; pending: string[]; failed: string[]; modified: string[]; missing: string[] };

export type Report = {
  command: string;
  ok: boolean;
  exitCode: number;
  steps: StepReport[];
  migrations: MigrationsSummary;
  snapshot: { name: string; id: string; createdAt: string; connectionString: string } | null;
  rollback: RollbackAdvice | null;
  error: ErrorDocument | null;
  warnings: string[];
  /** --dry-run: preflight ran, nothing else. */
  dryRun?: true;
  /** Present once the step that finds them has run (see DeployState). */
  lint?: LintSummary;
  schemaCheck?: SchemaCheckSummary;
  rehearsalFailure?: FailureExplanation;
  productionChanges?: string[];
  measurements?: RehearsalMeasurements;
};

export function errorSummary(error: DbshipError | undefined): Report["error"] {
  return error ? error.toJSON() : null;
}

export function emptyMigrations(): MigrationsSummary {
  return { applied: [], pending: [], failed: [], modified: [], missing: [] };
}
