// `dbship snapshot create | list | url | prune`: the snapshots the pipeline takes, on demand.
import { DbshipError, EXIT } from "../errors.js";
import { databaseName } from "../infra/pg.js";
import { acquireDeployLock, deployLockUrl } from "../pipeline/deploy-lock.js";
import { createNamedSnapshot } from "../pipeline/steps/snapshot.js";
import { openTarget } from "../providers/open-target.js";
import type { Snapshot } from "../providers/types.js";
import { ageOf } from "./snapshot-facts.js";
import { planPrune, type PrunePlan } from "./prune-plan.js";

type Flags = { config?: string | undefined; provider?: string | undefined; terminateConnections?: boolean };

export type SnapshotView = Snapshot & { age: string; prunable: boolean; keptBecause: string | null };

export async function createSnapshotNow(flags: Flags & { name?: string | undefined; log?: (line: string) => void }) {
  const { config, databaseUrl, provider } = await openTarget(flags, { terminateConnections: flags.terminateConnections, log: flags.log });
  try {
    // No deploy may start while production is being copied.
    const lock = await acquireDeployLock(deployLockUrl(config, databaseUrl), databaseName(databaseUrl), "snapshot");
    try {
      const snapshot = await createNamedSnapshot(provider, config.snapshot.prefix, new Date(), flags.name);
      const connectionString = await provider.connectionString(snapshot);
      return { command: "snapshot create", ok: true, exitCode: EXIT.OK, snapshot: { ...snapshot, connectionString }, error: null };
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
    return { command: "snapshot list", ok: true, exitCode: EXIT.OK, retentionDays: config.snapshot.retentionDays, snapshots: views(snapshots, plan), error: null };
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
  const { config, provider } = await openTarget(flags);
  try {
    const snapshots = await provider.listSnapshots();
    const plan = planPrune(snapshots, { olderThanDays: flags.olderThanDays ?? config.snapshot.retentionDays, keep: flags.keep ?? 0 });
    const result = { command: "snapshot prune", ok: true, exitCode: EXIT.OK as number, deleted: [] as string[], kept: plan.kept, planned: plan.delete.map((s) => s.name), error: null as null | { code: string; message: string; hint: string | null } };
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
