// `dbship plan`'s report: the --json output, and the source of the Markdown summary.
import type { ErrorDocument } from "../errors.js";
import type { ExecutionMode, LintFinding } from "../lint/types.js";
import type { AssessedMigration } from "./assess.js";

export type PlanBlocker = {
  /** LINT_ERRORS, SCHEMA_OUT_OF_SYNC, MIGRATION_FAILS, VERIFY_FAILS, PRISMA_FAILED. */
  code: string;
  message: string;
};

export type PlanReport = {
  command: "plan";
  ok: boolean;
  exitCode: number;
  /** host:port/database of production. */
  production: string;
  provider: "postgres" | "neon" | null;
  /** How the project's Prisma sends a migration.sql (src/prisma-target/README.md). */
  executionMode: ExecutionMode | null;
  thresholdMs: number;
  pending: string[];
  lint: { errors: number; warnings: number; acknowledged: number; findings: LintFinding[] } | null;
  schemaCheck: { inSync: boolean; differences: string[] } | null;
  migrations: AssessedMigration[];
  /** Prisma's own run of the same migrations on a second copy (production's schema and ledger). */
  prisma: { applied: boolean; durationMs: number; withRows: boolean; sameSchema: boolean | null; error: string | null } | null;
  /** What would stop `dbship deploy`: any of these makes the exit code 3. */
  blockers: PlanBlocker[];
  error: ErrorDocument | null;
  warnings: string[];
};
