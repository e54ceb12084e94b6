// Snapshot and backup names: `<prefix>YYYYMMDD-HHMMSS` in UTC, and -2, -3… when a second one is
// made in the same second (or the name is taken by something else on the server).
import { isDbshipError } from "../errors.js";
import type { Snapshot, SnapshotProvider } from "./types.js";

export function timestampedName(prefix: string, at: Date): string {
  const iso = at.toISOString();
  return `${prefix}${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

/** Runs `attempt` with `base`, then base-2, base-3… while the provider says the name is taken. */
export async function underFreeName<T>(base: string, attempt: (name: string) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n === 1 ? base : `${base}-${n}`);
    } catch (error) {
      if (!isDbshipError(error) || error.code !== "SNAPSHOT_NAME_TAKEN" || n >= 20) throw error;
    }
  }
}

/** Creates `<prefix>YYYYMMDD-HHMMSS` (or the explicit name), with a suffix when the name is taken. */
export async function createNamedSnapshot(provider: SnapshotProvider, prefix: string, at: Date, explicitName?: string, signal?: AbortSignal): Promise<Snapshot> {
  if (explicitName) return provider.createSnapshot(explicitName, { signal });
  return underFreeName(timestampedName(prefix, at), (name) => provider.createSnapshot(name, { signal }));
}
