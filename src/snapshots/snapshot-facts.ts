// What a snapshot holds, read from the snapshot itself: its migrations and its tables' row counts.
import type pg from "pg";
import { quoteIdent, withConnection } from "../infra/pg.js";
import { migrationsSchema, readLedger } from "../migrations/ledger.js";

/**
 * The migrations a database's ledger records, in order: applied ones by name, failed ones as
 * "<name> (failed)" (a rollback that removes a failed row makes that migration pending again).
 */
export async function recordedMigrations(url: string): Promise<string[]> {
  return withConnection(
    url,
    async (client) => {
      const ledger = await readLedger(client, migrationsSchema(url));
      const names = ledger.rows
        .filter((row) => row.rolledBackAt === null)
        .map((row) => (row.finishedAt === null ? `${row.migrationName} (failed)` : row.migrationName));
      return [...new Set(names)];
    },
    { applicationName: "dbship snapshot" },
  );
}

/** Exact row counts of every user table, "schema.table" → count. */
export async function rowCounts(client: pg.ClientBase): Promise<Map<string, number>> {
  const tables = await client.query<{ schema: string; name: string }>(
    `SELECT schemaname AS schema, tablename AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  const counts = new Map<string, number>();
  for (const table of tables.rows) {
    const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`);
    counts.set(`${table.schema}.${table.name}`, Number(result.rows[0]?.n ?? 0));
  }
  return counts;
}

export function ageOf(createdAt: string, now = new Date()): string {
  const ms = now.getTime() - new Date(createdAt).getTime();
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}
