// Step 2. Copies production before anything touches it. Nothing has changed yet if it fails.
import { DbshipError, isDbshipError } from "../../errors.js";
import type { Snapshot, SnapshotProvider } from "../../providers/types.js";
import type { Step } from "../types.js";

export const snapshot: Step = {
  name: "snapshot",
  title: "Snapshot",
  async run(ctx) {
    try {
      const created = await createNamedSnapshot(ctx.provider, ctx.config.snapshot.prefix, new Date());
      const connectionString = await ctx.provider.connectionString(created);
      ctx.state.snapshot = { ...created, connectionString };
      return { status: "ok", detail: `${created.name} (id ${created.id})` };
    } catch (error) {
      if (isDbshipError(error)) throw error;
      throw new DbshipError("SNAPSHOT_FAILED", `could not snapshot production: ${(error as Error).message}`, {
        hint: "Nothing was changed in production. Fix the cause above and run again.",
        cause: error,
      });
    }
  },
};

/** `<prefix>YYYYMMDD-HHMMSS` in UTC. */
export function snapshotName(prefix: string, at: Date): string {
  const iso = at.toISOString();
  return `${prefix}${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

/** Creates `<prefix>YYYYMMDD-HHMMSS`; when that name is taken (a second run in the same second), -2, -3… */
export async function createNamedSnapshot(provider: SnapshotProvider, prefix: string, at: Date, explicitName?: string): Promise<Snapshot> {
  if (explicitName) return provider.createSnapshot(explicitName);
  const base = snapshotName(prefix, at);
  for (let n = 1; ; n++) {
    try {
      return await provider.createSnapshot(n === 1 ? base : `${base}-${n}`);
    } catch (error) {
      if (!isDbshipError(error) || error.code !== "SNAPSHOT_NAME_TAKEN" || n >= 20) throw error;
    }
  }
}
