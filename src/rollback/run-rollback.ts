// `dbship rollback`: restore production from a snapshot (or to a point in time), keeping the
// current state as a backup, after saying what will be discarded and getting a yes. Then check
// that production really is the snapshot again: same migrations, same schema.
import { DbshipError, EXIT, isDbshipError, type ErrorDocument } from "../errors.js";
import { isConnectionLost } from "../infra/database-errors.js";
import { connect, databaseName, describeTarget } from "../infra/pg.js";
import { acquireDeployLock } from "../migrations/deploy-lock.js";
import { timestampedName, underFreeName } from "../providers/free-name.js";
import { openTarget } from "../providers/open-target.js";
import type { RestoreTarget, ServerNotice, Snapshot, SnapshotProvider } from "../providers/types.js";
import { housekeep } from "../snapshots/server-notices.js";
import { recordedMigrations, ageOf, rowCounts } from "../snapshots/snapshot-facts.js";
import type { Progress } from "../ui/progress.js";
import { schemaFingerprint } from "../verify/fingerprint.js";
import { readSchemaModel } from "../verify/schema-model.js";
import { diffRowCounts, type TableDiscard } from "./discarded-writes.js";
import { parseRestoreTime } from "./restore-time.js";

export type RollbackCandidate = { name: string; id: string; createdAt: string; age: string; migrations: string[]; kind: "snapshot" | "pre-rollback" };

export type RollbackReport = {
  command: "rollback";
  ok: boolean;
  exitCode: number;
  target: string;
  snapshot: { name: string; id: string; createdAt: string } | null;
  toTime: string | null;
  backup: { name: string; id: string; connectionString: string | null } | null;
  discarded: TableDiscard[];
  /** Migrations production had that it no longer has after the restore. */
  migrationsUndone: string[];
  migrationsNow: string[];
  verified: { ledger: boolean; schema: boolean | null } | null;
  candidates: RollbackCandidate[];
  /** What dbship found next to production: an interrupted rollback, leftovers (dropped or kept). */
  notices: ServerNotice[];
  /** Set when a signal arrived after production had been restored: the rollback was finished. */
  interruptedAfterSwap?: boolean;
  nextSteps: string[];
  error: ErrorDocument | null;
};

export type RollbackOptions = {
  config?: string | undefined;
  provider?: string | undefined;
  to?: string | undefined;
  toTime?: string | undefined;
  yes?: boolean;
  terminateConnections?: boolean;
  /** Asks the person at the terminal; undefined when there is none. */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  progress: Progress;
  /** Aborted by the first Ctrl-C / SIGTERM (src/infra/interrupts.ts). */
  signal?: AbortSignal | undefined;
};

export async function runRollback(options: RollbackOptions): Promise<RollbackReport> {
  const { databaseUrl, provider } = await openTarget(options, {
    terminateConnections: options.terminateConnections,
    log: (line) => options.progress.info(line),
  });
  const report: RollbackReport = {
    command: "rollback",
    ok: false,
    exitCode: EXIT.OK,
    target: describeTarget(databaseUrl),
    snapshot: null,
    toTime: null,
    backup: null,
    discarded: [],
    migrationsUndone: [],
    migrationsNow: [],
    verified: null,
    candidates: [],
    notices: [],
    nextSteps: [],
    error: null,
  };
  // How far the rollback got, so that a failure it did not expect (a lost server) still says
  // what production is: untouched before the restore starts, restored once it has returned.
  let stage: "before" | "restoring" | "restored" = "before";
  try {
    if (!options.to && !options.toTime) {
      report.notices = (await housekeep(provider, false))?.notices ?? [];
      report.candidates = await candidates(provider);
      const error = new DbshipError("SNAPSHOT_NOT_CHOSEN", "choose what to restore: --to <snapshot> or --to-time <ISO-8601>", {
        hint: report.candidates.length ? "The snapshots are listed above, newest first." : "There are no snapshots yet (dbship snapshot create makes one).",
      });
      return { ...report, exitCode: error.exitCode, error: error.toJSON() };
    }
    const time = options.toTime ? parseRestoreTime(options.toTime) : undefined;
    const snapshot = options.to ? await requireSnapshot(provider, options.to) : undefined;
    if (time) provider.checkRestoreTarget({ time });

    options.progress.start("Taking the deploy lock");
    const lock = await acquireDeployLock(provider.deployLockUrl(databaseUrl), databaseName(databaseUrl), "rollback");
    try {
      options.progress.succeed("Deploy lock taken: no deploy can start during the restore");
      // Leftovers of interrupted runs are dropped (the lock says no run of ours is making them);
      // an interrupted rollback's copy is kept for restore() to reuse or drop.
      report.notices = (await housekeep(provider, true))?.notices ?? [];
      const before = await recordedMigrations(databaseUrl);
      let expected: { migrations: string[]; fingerprint: string } | undefined;
      if (snapshot) {
        options.progress.start(`Comparing production with ${snapshot.name}`);
        const snapshotUrl = await provider.connectionString(snapshot);
        const [productionSide, snapshotSide] = await Promise.all([readSide(databaseUrl), readSide(snapshotUrl)]);
        report.discarded = diffRowCounts(productionSide.counts, snapshotSide.counts);
        expected = { migrations: await recordedMigrations(snapshotUrl), fingerprint: snapshotSide.fingerprint };
        report.snapshot = { name: snapshot.name, id: snapshot.id, createdAt: snapshot.createdAt };
        options.progress.succeed(`Compared production with ${snapshot.name}`);
      } else if (time) {
        report.toTime = time.toISOString();
      }
      const backupName = timestampedName("pre-rollback-", new Date());
      const question = confirmationText(report, backupName, snapshot, time);
      if (options.confirm) {
        options.progress.pause();
        if (!(await options.confirm(question))) throw new DbshipError("CONFIRMATION_REQUIRED", "rollback not confirmed", { hint: "Nothing was changed." });
      } else if (!options.yes) {
        throw new DbshipError("CONFIRMATION_REQUIRED", "rollback needs confirmation: pass --yes (there is no terminal to ask on)", {
          hint: `Nothing was changed. What --yes would do:\n${question}`,
        });
      }
      if (options.signal?.aborted) throw interruptedBeforeRestore();
      options.progress.start(snapshot ? `Restoring production from ${snapshot.name}` : `Restoring production to ${time?.toISOString()}`);
      const target: RestoreTarget = snapshot ? { snapshot: snapshot.name } : { time: time! };
      // A name found taken before anything is done is retried here with the next one; one taken
      // during the swap, by the provider inside the swap (which a signal lets finish).
      stage = "restoring";
      const restored = await underFreeName(backupName, (name) => provider.restore(target, name, { signal: options.signal }));
      // Production is restored: a signal from here on finishes the (read-only) checks and the report.
      if (options.signal?.aborted) report.interruptedAfterSwap = true;
      stage = "restored";
      report.backup = { name: restored.backupName, id: restored.backupId, connectionString: restored.backupConnectionString ?? null };
      options.progress.succeed(`Production restored; its previous state is kept as ${restored.backupName}`);

      report.migrationsNow = await recordedMigrations(databaseUrl);
      report.migrationsUndone = before.filter((name) => !report.migrationsNow.includes(name));
      if (expected) {
        const now = await readSide(databaseUrl, false);
        report.verified = {
          ledger: sameList(report.migrationsNow, expected.migrations),
          schema: now.fingerprint === expected.fingerprint,
        };
        if (!report.verified.ledger || !report.verified.schema) {
          throw new DbshipError("ROLLBACK_FAILED", `production was restored but does not match ${snapshot?.name}: ${!report.verified.ledger ? "migrations differ" : "schema differs"}`, {
            hint: `Its state before the rollback is kept as ${restored.backupName}. Compare them before going on.`,
          });
        }
      }
      report.nextSteps = nextSteps(report);
      report.ok = true;
      return report;
    } finally {
      await lock.release();
    }
  } catch (caught) {
    // A lost connection (server restart, terminated session) half way is a failed step, not a bug.
    const error = caught instanceof DbshipError && caught.code !== "DATABASE_UNREACHABLE" ? caught : stopped(caught, stage, report);
    return { ...report, ok: false, exitCode: error.exitCode, error: error.toJSON() };
  } finally {
    await provider.close();
  }
}

async function readSide(url: string, counts = true): Promise<{ counts: Map<string, number>; fingerprint: string }> {
  const client = await connect(url, { applicationName: "dbship rollback" });
  try {
    return { counts: counts ? await rowCounts(client) : new Map(), fingerprint: schemaFingerprint(await readSchemaModel(client), "full") };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An unexpected failure (the server restarting, a session terminated), told by how far the rollback got. */
function stopped(caught: unknown, stage: "before" | "restoring" | "restored", report: RollbackReport): DbshipError {
  const why = caught instanceof Error ? caught.message : String(caught);
  // Before the restore, a lost server is the environment's problem (exit 2, as in deploy's
  // preflight); from the restore on, it is a failed step (exit 1) that says what production is.
  if (stage === "before" && (isDbshipError(caught) || isConnectionLost(caught))) {
    return new DbshipError("DATABASE_UNREACHABLE", `rollback stopped before production was touched: production is unchanged (the database could not be reached: ${why})`, {
      hint: "Nothing was copied or renamed. Run the same dbship rollback again once the database answers.",
      cause: caught,
    });
  }
  if (stage === "before") {
    return new DbshipError("ROLLBACK_FAILED", `rollback stopped before production was touched: production is unchanged (${why})`, {
      hint: "Nothing was copied or renamed. Run the same dbship rollback again once the database answers.",
      cause: caught,
    });
  }
  if (stage === "restored") {
    return new DbshipError("ROLLBACK_FAILED", `production was restored${report.snapshot ? ` from ${report.snapshot.name}` : ""}, but the checks after the restore stopped (${why})`, {
      hint: `Its state before the rollback is kept as ${report.backup?.name}. Run dbship status once the database answers to see production's migrations.`,
      cause: caught,
    });
  }
  return new DbshipError("ROLLBACK_FAILED", `rollback stopped: ${why}`, {
    hint: "Run dbship status: it says whether production was restored or is unchanged, and how to finish.",
    cause: caught,
  });
}

function interruptedBeforeRestore(): DbshipError {
  return new DbshipError("ROLLBACK_INTERRUPTED", "rollback interrupted before production was touched: production is unchanged", {
    hint: "Run the same dbship rollback again when you are ready.",
  });
}

/** The snapshots, then the backups earlier rollbacks made (which can be rolled back to as well). */
async function candidates(provider: SnapshotProvider): Promise<RollbackCandidate[]> {
  const snapshots = await provider.listSnapshots();
  const backups = (await provider.housekeeping?.({ clean: false }))?.backups ?? [];
  return Promise.all(
    [...snapshots, ...backups].map(async (snapshot) => ({
      name: snapshot.name,
      id: snapshot.id,
      createdAt: snapshot.createdAt,
      age: ageOf(snapshot.createdAt),
      kind: snapshot.kind ?? "snapshot",
      migrations: await recordedMigrations(await provider.connectionString(snapshot)).catch(() => []),
    })),
  );
}

async function requireSnapshot(provider: SnapshotProvider, nameOrId: string): Promise<Snapshot> {
  const snapshot = await provider.findSnapshot(nameOrId);
  if (snapshot) return snapshot;
  const names = (await provider.listSnapshots()).slice(0, 5).map((s) => s.name);
  throw new DbshipError("SNAPSHOT_NOT_FOUND", `no snapshot named ${nameOrId}`, {
    hint: names.length ? `Snapshots of this production: ${names.join(", ")}${names.length === 5 ? ", … (dbship snapshot list)" : ""}` : "This production has no snapshots (dbship snapshot list).",
  });
}

function confirmationText(report: RollbackReport, backupName: string, snapshot: Snapshot | undefined, time: Date | undefined): string {
  const lines = [
    snapshot
      ? `Replace production (${report.target}) with snapshot ${snapshot.name} taken ${snapshot.createdAt} (${ageOf(snapshot.createdAt)} ago)?`
      : `Restore production (${report.target}) to ${time?.toISOString()}?`,
    `  production's current state is kept as ${backupName}`,
  ];
  const lost = report.discarded.filter((table) => table.difference !== 0);
  if (lost.length) {
    lines.push("  writes made since the snapshot will be discarded from production (they stay readable in the backup):");
    for (const table of lost) lines.push(`    ${table.table}: ${table.production} rows now, ${table.snapshot} in the snapshot (${table.difference > 0 ? "+" : ""}${table.difference})`);
  } else if (snapshot) {
    lines.push("  row counts are the same in production and the snapshot");
  }
  return lines.join("\n");
}

function nextSteps(report: RollbackReport): string[] {
  const steps: string[] = [];
  if (report.migrationsUndone.length) {
    steps.push(`Production no longer records: ${report.migrationsUndone.join(", ")}; they are pending again. Fix them in the migrations folder, then run dbship deploy.`);
  }
  steps.push(`The state from just before the rollback is kept as ${report.backup?.name}; drop it when you no longer need it.`);
  return steps;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
