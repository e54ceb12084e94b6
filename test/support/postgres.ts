// Real PostgreSQL for tests: every test gets databases of its own on the server that
// global-setup.ts started.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export function adminUrl(): string {
  return inject("pgAdminUrl");
}

/** The URL of `database` on the test server (same credentials, host and port). */
export function databaseUrl(database: string, base = adminUrl()): string {
  const url = new URL(base);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function uniqueName(prefix = "t"): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}

export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

export async function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await query(adminUrl(), `CREATE DATABASE "${name}"`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => query(adminUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
  };
}

export async function databaseExists(name: string): Promise<boolean> {
  const rows = await query(adminUrl(), "SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return rows.length > 0;
}

/** Names of databases on the test server that start with `prefix`. */
export async function databasesLike(prefix: string): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    adminUrl(),
    "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname",
    [prefix],
  );
  return rows.map((row) => row.datname);
}
