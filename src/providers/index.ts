// Picks the snapshot provider the configuration names.
import type { Config } from "../config.js";
import { DbshipError } from "../errors.js";
import { createPostgresProvider } from "./postgres.js";
import type { SnapshotProvider } from "./types.js";

export type ProviderOptions = { terminateConnections?: boolean; log?: (line: string) => void };

/**
 * A provider to look at production's server (housekeeping notices) without calling any API, for
 * commands that open no provider (status): postgres; neon has no server of its own to look at.
 */
export function lookOnlyProvider(config: Config, databaseUrl: string): SnapshotProvider | undefined {
  if (config.provider !== "postgres") return undefined;
  return createPostgresProvider({ databaseUrl, maintenanceDatabase: config.postgres.maintenanceDatabase, snapshotPrefix: config.snapshot.prefix });
}

export async function createProvider(config: Config, databaseUrl: string, options: ProviderOptions = {}): Promise<SnapshotProvider> {
  if (config.provider === "postgres") {
    return createPostgresProvider({
      databaseUrl,
      maintenanceDatabase: config.postgres.maintenanceDatabase,
      snapshotPrefix: config.snapshot.prefix,
      terminateConnections: options.terminateConnections,
      log: options.log,
    });
  }
  const { neon } = config;
  if (!neon.apiKey) throw new DbshipError("ENV_MISSING", "NEON_API_KEY is not set", { hint: "Create an API key in the Neon console (Account settings → API keys) and set NEON_API_KEY." });
  if (!neon.projectId) throw new DbshipError("ENV_MISSING", "the Neon project id is not set", { hint: "Set neon.projectId in dbship.config.json or NEON_PROJECT_ID." });
  const { createNeonProvider } = await import("./neon.js");
  const provider = createNeonProvider({
    apiKey: neon.apiKey,
    apiHost: neon.apiHost,
    projectId: neon.projectId,
    productionBranch: neon.productionBranch,
    database: neon.database,
    role: neon.role,
    snapshotPrefix: config.snapshot.prefix,
    log: options.log,
  });
  // Wrong-target guard: DATABASE_URL must be the production branch's direct connection.
  await provider.verifyDatabaseUrl(databaseUrl);
  return provider;
}
