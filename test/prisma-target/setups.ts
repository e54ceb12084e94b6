// Prisma set-ups whose migrate connection does not come from `databaseUrlEnv` alone, as real
// projects write them (a pooled DATABASE_URL for the app, a direct URL for migrations), each
// with every variable set to production the way a CI job sets them.
import pg from "pg";
import { readSchemaModel } from "../../src/verify/schema-model.js";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
import { withClient } from "../support/postgres.js";
import type { Production } from "../support/production.js";

export type Setup = {
  name: string;
  /** prisma.config.ts of the project (the example's, with another connection source). */
  config: (productionUrl: string) => string;
  /** Environment of the dbship run besides DATABASE_URL = production. */
  env: (productionUrl: string) => Record<string, string>;
  dbshipConfig?: Record<string, unknown>;
  files?: (productionUrl: string) => Record<string, string>;
};

const header = `import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
`;

/** The example's prisma.config.ts with the adapter's connection string as `connection` (code), `before` placed after the imports. */
export function adapterConfig(connection: string, before = ""): string {
  return `${header}${before}
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  async adapter() {
    return new PrismaPg({ connectionString: ${connection}, idleTimeoutMillis: 50 });
  },
});
`;
}

export const SETUPS: Setup[] = [
  {
    name: "the adapter reads DIRECT_URL (the directUrl set-up)",
    config: () => adapterConfig("process.env.DIRECT_URL"),
    env: (url) => ({ DIRECT_URL: url }),
  },
  {
    name: "the adapter reads DIRECT_DATABASE_URL || DATABASE_URL",
    config: () => adapterConfig("process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL"),
    env: (url) => ({ DIRECT_DATABASE_URL: url }),
  },
  {
    name: "databaseUrlEnv is MIGRATE_URL while the adapter reads DATABASE_URL",
    config: () => adapterConfig("process.env.DATABASE_URL"),
    env: (url) => ({ MIGRATE_URL: url }),
    dbshipConfig: { databaseUrlEnv: "MIGRATE_URL" },
  },
  {
    name: "the config loads DIRECT_URL from a .env file",
    config: () => adapterConfig("process.env.DIRECT_URL", `process.loadEnvFile(".env");\n`),
    env: () => ({}),
    files: (url) => ({ ".env": `# written by the team, loaded by prisma.config.ts\nDIRECT_URL="${url}"\n` }),
  },
];

/** Everything a Prisma run could change in production: ledger rows, schema, data. */
export async function productionState(url: string): Promise<string> {
  return withClient(url, async (client: pg.Client) => {
    const ledger = await client.query(`SELECT * FROM _prisma_migrations ORDER BY started_at, id`);
    const moments = await client.query(`SELECT * FROM moments ORDER BY id`);
    const fingerprint = schemaFingerprint(await readSchemaModel(client), "full");
    return JSON.stringify({ fingerprint, ledger: ledger.rows, moments: moments.rows });
  });
}

export async function applySetup(production: Production, setup: Setup): Promise<void> {
  await production.project.writeFile("prisma.config.ts", setup.config(production.db.url));
  for (const [file, content] of Object.entries(setup.files?.(production.db.url) ?? {})) await production.project.writeFile(file, content);
}
