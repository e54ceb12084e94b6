// Where the schema checks build their throwaway databases: never production's database. A
// PostgreSQL server on which dbship may CREATE DATABASE — production's own server (postgres
// provider, through the maintenance database), a --shadow-url, or an embedded PostgreSQL
// started for the purpose.
import { randomBytes } from "node:crypto";
import { startEmbeddedPostgres } from "../infra/embedded-postgres.js";
import { connect, quoteIdent, withDatabase } from "../infra/pg.js";
import type { SnapshotProvider } from "../providers/types.js";

export type ScratchDatabase = { name: string; url: string; drop(): Promise<void> };

export type ScratchServer = {
  /** Where it is, for messages ("production's server", "an embedded PostgreSQL"). */
  label: string;
  createDatabase(purpose: string): Promise<ScratchDatabase>;
  close(): Promise<void>;
};

/** A server reached through `adminUrl` (a database on it the role may create databases from). */
export function scratchServerAt(adminUrl: string, label: string, onClose?: () => Promise<void>): ScratchServer {
  const created = new Set<ScratchDatabase>();
  return {
    label,
    async createDatabase(purpose) {
      const name = `dbship-${purpose}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
      const client = await connect(adminUrl, { applicationName: "dbship scratch" });
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      } finally {
        await client.end().catch(() => undefined);
      }
      const database: ScratchDatabase = {
        name,
        url: withDatabase(adminUrl, name),
        async drop() {
          if (!created.delete(database)) return;
          const admin = await connect(adminUrl, { applicationName: "dbship scratch" });
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
          } finally {
            await admin.end().catch(() => undefined);
          }
        },
      };
      created.add(database);
      return database;
    },
    async close() {
      for (const database of [...created]) await database.drop().catch(() => undefined);
      await onClose?.();
    },
  };
}

export async function embeddedScratchServer(): Promise<ScratchServer> {
  const server = await startEmbeddedPostgres();
  return scratchServerAt(server.adminUrl, "an embedded PostgreSQL", () => server.stop());
}

/** The deploy's scratch space: wherever the provider says (its scratchHost). */
export async function scratchServerFor(provider: Pick<SnapshotProvider, "scratchHost">): Promise<ScratchServer> {
  const host = await provider.scratchHost();
  return scratchServerAt(host.adminUrl, host.label, host.release);
}
