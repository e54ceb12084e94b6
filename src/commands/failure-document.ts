// The --json document of a command that fails before it has a report of its own (bad flags, a
// config that does not load, a database that cannot be reached): the same keys as that command's
// report on success, its facts empty (null or []), `ok: false` and the error. So a CI script
// reads one shape per command (README, "JSON documents"). Every table entry is checked against
// the command's report type: a key added to a report and not here fails the type check.
import type { BaselineReport } from "../baseline/run-baseline.js";
import type { ErrorDocument } from "../errors.js";
import type { InitReport } from "../init/init-project.js";
import type { LintReport } from "../lint/lint-command.js";
import type { Report } from "../pipeline/report.js";
import type { PlanReport } from "../plan/plan-report.js";
import type { RollbackReport } from "../rollback/run-rollback.js";
import type { CheckReport } from "../schema-sync/run-check.js";
import type { createSnapshotNow, listSnapshots, pruneSnapshots, snapshotUrl } from "../snapshots/manage-snapshots.js";
import type { StatusReport } from "../status/status-report.js";

type Envelope = "command" | "ok" | "exitCode" | "error";
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];
/** Every required key of a report but the envelope, each empty: null, or its own type's empty value. */
type Empty<R> = { [K in Exclude<RequiredKeys<R>, Envelope>]: R[K] | null };
type ReportOf<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

const NO_MIGRATIONS = { applied: [], pending: [], failed: [], modified: [], missing: [] };

const EMPTY: Record<string, () => Record<string, unknown>> = {
  init: () =>
    ({
      configFile: null, configWritten: false, configStatus: null, configKept: null, provider: null, scriptsAdded: [], scriptsUnchanged: [],
      scriptsKept: [], scriptsReplaced: [], packageManager: null, packageManagerSource: null, notes: [], nextSteps: [],
    }) satisfies Empty<InitReport>,
  baseline: () =>
    ({
      target: null, name: null, file: null, written: false, marked: false, dryRun: null, differences: [], handWritten: [], leftOut: [], sql: null, nextSteps: [],
    }) satisfies Empty<BaselineReport>,
  status: () => ({ target: null, managed: null, empty: null, migrations: NO_MIGRATIONS, entries: [], notices: [] }) satisfies Empty<StatusReport>,
  check: () =>
    ({ inSync: null, server: null, migrations: null, differences: [], acknowledged: [], unmatchedAcknowledgements: [], notCompared: [] }) satisfies Empty<CheckReport>,
  lint: () =>
    ({ against: null, sizes: null, migrations: [], statements: null, errors: null, warnings: null, acknowledged: null, findings: [] }) satisfies Empty<LintReport>,
  deploy: () => ({ steps: [], migrations: NO_MIGRATIONS, snapshot: null, rollback: null, warnings: [] }) satisfies Empty<Report>,
  plan: () =>
    ({
      production: null, provider: null, executionMode: null, thresholdMs: null, pending: [], lint: null, schemaCheck: null, migrations: [], prisma: null,
      blockers: [], warnings: [],
    }) satisfies Empty<PlanReport>,
  "snapshot create": () => ({ snapshot: null, notices: [] }) satisfies Empty<ReportOf<typeof createSnapshotNow>>,
  "snapshot list": () =>
    ({ retentionDays: null, snapshots: [], backups: [], leftovers: [], notices: [] }) satisfies Empty<ReportOf<typeof listSnapshots>>,
  "snapshot url": () => ({ snapshot: null, connectionString: null }) satisfies Empty<ReportOf<typeof snapshotUrl>>,
  "snapshot prune": () =>
    ({ deleted: [], kept: [], planned: [], dropped: [], notices: [] }) satisfies Empty<ReportOf<typeof pruneSnapshots>>,
  rollback: () =>
    ({
      target: null, snapshot: null, toTime: null, backup: null, discarded: [], migrationsUndone: [], migrationsNow: [], verified: null,
      candidates: [], notices: [], nextSteps: [],
    }) satisfies Empty<RollbackReport>,
};

/** `command` is null when the error came before any command was chosen (an unknown command, say). */
export function failureDocument(command: string | null, exitCode: number, error: ErrorDocument): Record<string, unknown> {
  const empty = command ? EMPTY[command]?.() : undefined;
  return { command, ok: false, exitCode, ...empty, error };
}
