// Which snapshots `prune` deletes: older than the retention, beyond the newest --keep, and never
// one the provider says must stay (a Neon branch with children cannot be deleted).
import type { Snapshot } from "../providers/types.js";

export type PrunePlan = { delete: Snapshot[]; kept: Array<{ name: string; reason: string }> };

export function planPrune(snapshots: Snapshot[], options: { olderThanDays: number; keep: number; now?: Date }): PrunePlan {
  const now = options.now ?? new Date();
  const cutoff = now.getTime() - options.olderThanDays * 86_400_000;
  const newestFirst = [...snapshots].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const plan: PrunePlan = { delete: [], kept: [] };
  newestFirst.forEach((snapshot, index) => {
    if (snapshot.protectedReason) plan.kept.push({ name: snapshot.name, reason: snapshot.protectedReason });
    else if (index < options.keep) plan.kept.push({ name: snapshot.name, reason: `one of the newest ${options.keep} (--keep)` });
    else if (new Date(snapshot.createdAt).getTime() > cutoff) plan.kept.push({ name: snapshot.name, reason: `younger than ${options.olderThanDays} days` });
    else plan.delete.push(snapshot);
  });
  return plan;
}
