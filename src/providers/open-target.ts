// Config + production URL + provider: what every command that touches production starts from.
import { loadConfig, requireDatabaseUrl, type Config, type ConfigFlags } from "../config.js";
import { parseUrl } from "../infra/urls.js";
import { createProvider, type ProviderOptions } from "./index.js";
import type { SnapshotProvider } from "./types.js";

export type Target = { config: Config; databaseUrl: string; provider: SnapshotProvider };

export async function openTarget(flags: ConfigFlags, options: ProviderOptions = {}): Promise<Target> {
  const config = await loadConfig(flags);
  const databaseUrl = requireDatabaseUrl(config);
  parseUrl(databaseUrl);
  const provider = await createProvider(config, databaseUrl, options);
  return { config, databaseUrl, provider };
}
