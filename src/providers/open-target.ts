// Config + production URL + provider: what every command that touches production starts from.
import { loadConfig, requireDatabaseUrl, type Config, type ConfigFlags } from "../config.js";
import { DbshipError } from "../errors.js";
import { resolveDatabaseUrl } from "../infra/resolve-database.js";
import { createProvider, type ProviderOptions } from "./index.js";
import type { SnapshotProvider } from "./types.js";

/** `databaseUrl` names production's database in its path, whatever form the user's URL had. */
export type Target = { config: Config; databaseUrl: string; provider: SnapshotProvider };

export async function openTarget(flags: ConfigFlags, options: ProviderOptions = {}): Promise<Target> {
  const config = await loadConfig(flags);
  const production = await resolveDatabaseUrl(requireDatabaseUrl(config));
  if (config.provider === "postgres" && config.postgres.maintenanceDatabase === production.name) {
    throw new DbshipError("CONFIG_INVALID", `postgres.maintenanceDatabase is production itself (${production.name})`, {
      hint: "The maintenance database holds the deploy lock and is where snapshots are made from: it must be another database on the same server (usually postgres). Set postgres.maintenanceDatabase in dbship.config.json.",
    });
  }
  const provider = await createProvider(config, production.url, options);
  return { config, databaseUrl: production.url, provider };
}
