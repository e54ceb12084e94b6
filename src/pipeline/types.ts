// The deploy pipeline's shared types. See README.md in this folder for the order of the steps and
// the point of no return.
import type { Config } from "../config.js";
import type { LintResult } from "../lint/types.js";
import type { RehearsalMeasurements } from "../plan/assess.js";
import type { MigrationStatus } from "../migrations/classify.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";
import type { PrismaConnections } from "../prisma-target/prisma-connections.js";
import type { PrismaRun } from "../prisma/run-prisma.js";
import type { Snapshot, SnapshotProvider } from "../providers/types.js";
import type { AcknowledgedDifference, Acknowledgement } from "../schema-sync/acknowledge.js";
import type { Progress } from "../ui/progress.js";
import type { SchemaDifference } from "../verify/schema-diff.js";
import type { FailureExplanation } from "./explain-failure.js";

export type StepName = "preflight" | "snapshot" | "rehearsal" | "deploy" | "post-verify";

export type DeployOptions = {
  rehearsal: boolean;
  dryRun: boolean;
  terminateConnections: boolean;
  allowDestructive: boolean;
  verbose: boolean;
  /** `--measure`: measure each pending statement on a copy of its own in the rehearsal (src/plan/). */
  measure?: boolean;
  /** `--allow` values: lint rule ids (comma-separated lists allowed) acknowledged for this deploy. */
  allow?: string[];
};

/** One thing to undo at the end of the run (the rehearsal copy, the deploy lock), whatever happens. */
export type Cleanup = { label: string; run(): Promise<void> };

export type SnapshotInfo = Snapshot & { connectionString: string };

export type DeployContext = {
  config: Config;
  options: DeployOptions;
  databaseUrl: string;
  prisma: PrismaCli;
  /** Every Prisma run goes through it: it decides, and proves, where Prisma connects. */
  connections: PrismaConnections;
  provider: SnapshotProvider;
  progress: Progress;
  signal: AbortSignal;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  cleanups: Cleanup[];
  /** Filled in by the steps as they run. */
  state: DeployState;
};

export type DeployState = {
  local: LocalMigration[];
  /** Production's migrations as preflight found them. */
  before?: MigrationStatus;
  /** Production's migrations after the deploy (or after a failure past the point of no return). */
  after?: MigrationStatus;
  upToDate: boolean;
  snapshot?: SnapshotInfo;
  /** The rehearsal copy's schema fingerprint, which production must match after the deploy. */
  rehearsalFingerprint?: string;
  deployRun?: PrismaRun;
  warnings: string[];
  /** Preflight's lint of the pending migrations (absent when nothing was pending). */
  lint?: LintSummary;
  /** Preflight's schema.prisma ↔ migrations comparison. */
  schemaCheck?: SchemaCheckSummary;
  /** Why the rehearsal failed, tied to the rows that made it fail, where that could be found. */
  rehearsalFailure?: FailureExplanation;
  /** After a failure past the point of no return: what production has that the snapshot has not. */
  productionChanges?: string[];
  /** `--measure`: the pending statements measured on a copy of the snapshot (src/plan/). */
  measurements?: RehearsalMeasurements;
};

export type LintSummary = Pick<LintResult, "errors" | "warnings" | "acknowledged" | "findings">;

export type SchemaCheckSummary = {
  inSync: boolean;
  differences: SchemaDifference[];
  acknowledged: AcknowledgedDifference[];
  unmatchedAcknowledgements: Acknowledgement[];
  /** Objects neither side's model compares, as "<kind> <name>". */
  notCompared: string[];
};

export type StepOutcome = { status: "ok" | "skipped"; detail: string };

export type Step = {
  name: StepName;
  title: string;
  /** How an interruption names it: "interrupted during <during>". */
  during: string;
  /** From this step on, production may have changed: a failure prints rollback instructions. */
  changesProduction?: boolean;
  /**
   * A step that only reads production after the point of no return: its failures mean "could not
   * check" (VERIFY_INCOMPLETE), never "production may be partly migrated".
   */
  onlyChecks?: boolean;
  /** What the step would do, shown by --dry-run instead of running it. A step without it runs in a dry run. */
  dryRun?(ctx: DeployContext): string;
  run(ctx: DeployContext): Promise<StepOutcome>;
};

export type StepReport = { name: StepName; status: "ok" | "failed" | "skipped"; durationMs: number; detail: string };
