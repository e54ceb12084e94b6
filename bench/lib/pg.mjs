// PostgreSQL for the benchmarks: an embedded server of their own (src/infra/embedded-postgres.ts,
// as the demo and the tests use), started with PostgreSQL's default durability (fsync on,
// full_page_writes on) unless a benchmark asks for the test suite's fast settings: fsync=off
// would flatter copies and commits.
import pg from "pg";
import { startEmbeddedPostgres } from "../../dist/infra/embedded-postgres.js";

/**
 * @param {{ durable?: boolean, flags?: string[] }} options durable (default true): PostgreSQL's
 *   defaults; false: the test suite's fsync=off, full_page_writes=off.
 */
export async function startBenchPostgres(options = {}) {
  const durable = options.durable ?? true;
  const server = await startEmbeddedPostgres({ durable, flags: options.flags });
  const adminUrl = server.adminUrl;
  const settings = await query(adminUrl, "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('full_page_writes') AS fpw");
  return {
    adminUrl,
    port: server.port,
    version: settings[0].version,
    describe: `PostgreSQL ${settings[0].version} (embedded-postgres), fsync=${settings[0].fsync}, full_page_writes=${settings[0].fpw}`,
    url: (database) => databaseUrl(adminUrl, database),
    stop: () => server.stop(),
  };
}

export function databaseUrl(base, database) {
  const url = new URL(base);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url, application_name: "dbship-bench" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function query(url, sql, params = []) {
  return withClient(url, async (client) => (await client.query(sql, params)).rows);
}

export const ident = (name) => `"${name.replace(/"/g, '""')}"`;

let counter = 0;
export function uniqueName(prefix) {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}
