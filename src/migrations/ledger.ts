// Reads Prisma's `_prisma_migrations` table. dbship never writes it: Prisma does.
import type pg from "pg";
import { quoteIdent } from "../infra/pg.js";

export type LedgerRow = {
  id: string;
  migrationName: string;
  checksum: string;
  startedAt: Date;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  logs: string | null;
  appliedStepsCount: number;
};

export type Ledger = { exists: boolean; rows: LedgerRow[] };

/** The table lives in the schema named by the URL's `?schema=` parameter (default public). */
export function migrationsSchema(databaseUrl: string): string {
  try {
    return new URL(databaseUrl).searchParams.get("schema") || "public";
  } catch {
    return "public";
  }
}

export async function readLedger(client: pg.ClientBase, schema = "public"): Promise<Ledger> {
  const table = `${quoteIdent(schema)}._prisma_migrations`;
  const found = await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [table]);
  if (!found.rows[0]?.exists) return { exists: false, rows: [] };
  const result = await client.query(
    `SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, logs, applied_steps_count
       FROM ${table} ORDER BY started_at, migration_name`,
  );
  return {
    exists: true,
    rows: result.rows.map((row) => ({
      id: row.id,
      migrationName: row.migration_name,
      checksum: row.checksum,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      rolledBackAt: row.rolled_back_at,
      logs: row.logs,
      appliedStepsCount: row.applied_steps_count,
    })),
  };
}
