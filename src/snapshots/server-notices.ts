// The notices every command prints about production's server (postgres provider): an interrupted
// rollback, leftovers of interrupted runs (dropped where safe), snapshots not trusted.
import type { Config } from "../config.js";
import { lookOnlyProvider } from "../providers/index.js";
import type { Housekeeping, ServerNotice, SnapshotProvider } from "../providers/types.js";

/** Runs the provider's housekeeping; a failure to look is itself reported, never fatal. */
export async function housekeep(provider: SnapshotProvider, clean: boolean): Promise<Housekeeping | undefined> {
  if (!provider.housekeeping) return undefined;
  try {
    return await provider.housekeeping({ clean });
  } catch (error) {
    return {
      notices: [{ kind: "leftover", name: "", message: `could not look for leftovers of interrupted runs: ${(error as Error).message}` }],
      dropped: [],
      leftovers: [],
      backups: [],
    };
  }
}

/** For commands that open no provider (status): looks with a postgres provider of its own. */
export async function serverNotices(config: Config, databaseUrl: string): Promise<ServerNotice[]> {
  const provider = lookOnlyProvider(config, databaseUrl);
  if (!provider) return [];
  try {
    return (await housekeep(provider, false))?.notices ?? [];
  } finally {
    await provider.close();
  }
}
