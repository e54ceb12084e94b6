// `dbship snapshot create | list | url | prune`: the snapshots the pipeline takes, on demand.
import { DbshipError, EXIT, type ErrorDocument } from "../errors.js";
import { databaseName } from "../infra/pg.js";
import { acquireDeployLock } from "../migrations/deploy-lock.js";
import { createNamedSnapshot } from "../providers/free-name.js";
import { openTarget } from "../providers/open-target.js";
import type { Housekeeping, Snapshot, SnapshotProvider } from "../providers/types.js";
import { housekeep } from "./server-notices.js";
import { ageOf } from "./snapshot-facts.js";
import { planPrune, type PrunePlan } from "./prune-plan.js";
import { fromDatabaseError, isDatabaseError } from "../infra/database-errors.js";

type Flags = { config?: string | undefined; provider?: string | undefined; terminateConnections?: boolean };

export type SnapshotView = Snapshot & { age: string; prunable: boolean; keptBecause: string | null };

export async function createSnapshotNow(flags: Flags & { name?: string | undefined; log?: (line: string) => void; signal?: AbortSignal | undefined }) {
  const { config, databaseUrl, provider } = await openTarget(flags, { terminateConnections: flags.terminateConnections, log: flags.log });
  try {
    // No deploy may start while production is being copied.
    const lock = await acquireDeployLock(provider.deployLockUrl(databaseUrl), databaseName(databaseUrl), "snapshot");
    try {
      // The lock says no run of ours is making anything now: leftovers of interrupted ones go.
      const housekeeping = await housekeep(provider, true);
      const snapshot = await createNamedSnapshot(provider, config.snapshot.prefix, new Date(), flags.name, flags.signal).catch((error: unknown) => {
        if (error instanceof DbshipError) throw error;
        // A role without CREATEDB is the environment's problem (exit 2), with the privilege to grant.
        if (isDatabaseError(error) && (error.code === "42501" || error.code === "25006")) throw fromDatabaseError(error);
        // A lost connection (server restart) is a failed copy, not a bug; production is never changed by it.
        throw new DbshipError("SNAPSHOT_FAILED", `could not snapshot production: ${(error as Error).message}`, {
          hint: "Production is unchanged. dbship snapshot list reports any unfinished copy left behind.",
          cause: error,
        });
      });
      const connectionString = await provider.connectionString(snapshot);
      return { command: "snapshot create", ok: true, exitCode: EXIT.OK, snapshot: { ...snapshot, connectionString }, notices: housekeeping?.notices ?? [], error: null };
    } finally {
      await lock.release();
    }
  } finally {
    await provider.close();
  }
}

export async function listSnapshots(flags: Flags & { olderThanDays?: number | undefined; keep?: number | undefined }) {
  const { config, provider } = await openTarget(flags);
  try {
    const snapshots = await provider.listSnapshots();
    const plan = planPrune(snapshots, { olderThanDays: flags.olderThanDays ?? config.snapshot.retentionDays, keep: flags.keep ?? 0 });
    const found = await housekeep(provider, false);
    return {
      command: "snapshot list",
      ok: true,
      exitCode: EXIT.OK,
      retentionDays: config.snapshot.retentionDays,
      snapshots: views(snapshots, plan),
      /** Backups of production that rollbacks made: `dbship rollback --to` accepts them too. */
      backups: found?.backups ?? [],
      leftovers: found?.leftovers ?? [],
      notices: found?.notices ?? [],
      error: null,
    };
  } finally {
    await provider.close();
  }
}

export async function snapshotUrl(flags: Flags & { name: string }) {
  const { provider } = await openTarget(flags);
  try {
    const snapshot = await provider.findSnapshot(flags.name);
    if (!snapshot) throw new DbshipError("SNAPSHOT_NOT_FOUND", `no snapshot named ${flags.name}`, { hint: "See dbship snapshot list." });
    return { command: "snapshot url", ok: true, exitCode: EXIT.OK, snapshot: snapshot.name, connectionString: await provider.connectionString(snapshot), error: null };
  } finally {
    await provider.close();
  }
}

export async function pruneSnapshots(
  flags: Flags & { olderThanDays?: number | undefined; keep?: number | undefined; yes?: boolean; confirm?: ((question: string) => Promise<boolean>) | undefined },
) {
  const { config, databaseUrl, provider } = await openTarget(flags);
  try {
    const snapshots = await provider.listSnapshots();
    const plan = planPrune(snapshots, { olderThanDays: flags.olderThanDays ?? config.snapshot.retentionDays, keep: flags.keep ?? 0 });
    const result = {
      command: "snapshot prune",
      ok: true,
      exitCode: EXIT.OK as number,
      deleted: [] as string[],
      kept: plan.kept,
      planned: plan.delete.map((s) => s.name),
      /** Leftovers of interrupted runs dropped (with --yes, while no run of ours holds the deploy lock). */
      dropped: [] as string[],
      notices: [] as Housekeeping["notices"],
      error: null as null | ErrorDocument,
    };
    const cleaned = await cleanLeftovers(provider, databaseUrl, Boolean(flags.yes));
    result.dropped = cleaned?.dropped ?? [];
    result.notices = cleaned?.notices ?? [];
    if (plan.delete.length === 0) return result;
    const question = `Delete ${plan.delete.length} snapshot(s)? ${plan.delete.map((s) => `${s.name} (${ageOf(s.createdAt)})`).join(", ")}`;
    const yes = flags.yes || (flags.confirm ? await flags.confirm(question) : false);
    if (!yes) {
      const error = new DbshipError("CONFIRMATION_REQUIRED", flags.confirm ? "prune not confirmed" : "prune needs confirmation: pass --yes (there is no terminal to ask on)", {
        hint: "Nothing was deleted.",
      });
      return { ...result, ok: false, exitCode: error.exitCode, error: error.toJSON() };
    }
    for (const snapshot of plan.delete) {
      await provider.deleteSnapshot(snapshot);
      result.deleted.push(snapshot.name);
    }
    return result;
  } finally {
    await provider.close();
  }
}

/** Drops leftovers under the deploy lock (a running deploy's unmarked snapshot is not a leftover); only looks without it. */
async function cleanLeftovers(provider: SnapshotProvider, databaseUrl: string, clean: boolean) {
  if (!clean) return housekeep(provider, false);
  let lock: Awaited<ReturnType<typeof acquireDeployLock>> | undefined;
  try {
    lock = await acquireDeployLock(provider.deployLockUrl(databaseUrl), databaseName(databaseUrl), "snapshot prune");
  } catch {
    return housekeep(provider, false);
  }
  try {
    return await housekeep(provider, true);
  } finally {
    await lock.release();
  }
}

function views(snapshots: Snapshot[], plan: PrunePlan): SnapshotView[] {
  const prunable = new Set(plan.delete.map((s) => s.name));
  const reasons = new Map(plan.kept.map((k) => [k.name, k.reason]));
  return snapshots.map((snapshot) => ({
    ...snapshot,
    age: ageOf(snapshot.createdAt),
    prunable: prunable.has(snapshot.name),
    keptBecause: reasons.get(snapshot.name) ?? null,
  }));
}
