// The check's replay for Prisma 6 with `engine: "js"`: the project's own driver adapter, loaded
// from its prisma.config.ts with its own @prisma/config, is handed each migration.sql exactly as
// Prisma's WebAssembly schema engine hands it (`executeScript`, one call per migration, in name
// order, no transaction around it), in one child process instead of a `prisma migrate deploy`.
// The facts this relies on, and where they come from, are in README.md ("The replay on the
// driver-adapter path"). Whatever this cannot vouch for is answered with a fallback, and the
// caller runs Prisma itself.
import { execa } from "execa";
import { createRequire } from "node:module";
import { withConnection } from "../infra/pg.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";

export type AdapterReplay =
  | { kind: "done"; applied: string[]; failure?: { migration: string; error: string } | undefined }
  /** Prisma must run instead; `wrote` says whether the database was already written to. */
  | { kind: "fallback"; reason: string; wrote: boolean };

export type AdapterReplayInput = {
  cli: PrismaCli;
  root: string;
  /** The environment of a Prisma run on this scratch database (PrismaConnections.scratchEnv). */
  env: Record<string, string>;
  /** The arguments of the `prisma migrate deploy` this replay stands in for (../prisma/commands.ts). */
  prismaArgs: string[];
  url: string;
  local: LocalMigration[];
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
};

const RESULT_MARK = "__dbship_adapter_replay__";

/** The only adapter whose pool and session behaviour was read (README.md); any other runs Prisma. */
export const KNOWN_ADAPTER = "@prisma/adapter-pg";

/**
 * One row that changes if a migration leaves its connection in a state the next one would see: an
 * open transaction (now() is the transaction's start), a SET or set_config, another role, prepared
 * statements, open cursors, LISTEN, advisory locks, temporary objects (the session's temporary
 * schema exists once one was made, even if it was dropped: a difference, on the safe side).
 */
export const SESSION_STATE_SQL = `SELECT concat_ws('|',
  now() = statement_timestamp(), session_user, current_user,
  (SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings WHERE source = 'session'),
  (SELECT count(*) FROM pg_prepared_statements), (SELECT count(*) FROM pg_cursors),
  (SELECT count(*) FROM pg_listening_channels()),
  (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'),
  pg_my_temp_schema())::text AS state`;

/** Which database a connection reached: a scratch database's name is unique, its oid and the server's start time pin it (as a number: a session's TimeZone would change the text). */
const IDENTITY_SQL = `SELECT current_database()::text AS name, (SELECT oid FROM pg_database WHERE datname = current_database())::text AS oid, extract(epoch FROM pg_postmaster_start_time())::text AS started`;

// Prisma's own definition of its ledger (schema engine, postgres flavour, create_migrations_table):
// created before the first migration, as `migrate deploy` does, so that a migration that reads or
// writes the ledger sees it. The rows Prisma writes around each script are not written.
const LEDGER_SQL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

// Runs in the child: `node --input-type=module -e SCRIPT <root> <@prisma/config entry> <pg entry>`,
// the migrations and the expected identity on stdin.
const SCRIPT = String.raw`
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [root, loaderPath, pgPath] = process.argv.slice(1);
const input = JSON.parse(readFileSync(0, "utf8"));
// The config sees the command line of the Prisma run it stands in for (a config may read it).
process.argv = [process.argv[0], ...input.argv];
const emit = (out) => { process.stdout.write("\n${RESULT_MARK}" + JSON.stringify(out) + "\n"); process.exit(0); };
let wrote = false;
const fallback = (reason) => emit({ kind: "fallback", reason, wrote });
// A database error as Prisma's check path has always shown it ("ERROR: " and PostgreSQL's words).
const message = (error) => (error?.originalMessage !== undefined ? "ERROR: " + error.originalMessage : (error?.message ?? error?.reason ?? JSON.stringify(error)));
try {
  // Every pool the adapter queries through, to read its options (pg-pool: maxUses, maxLifetimeSeconds).
  const pools = new Set();
  const pg = createRequire(pgPath)(pgPath);
  const poolQuery = pg.Pool.prototype.query;
  pg.Pool.prototype.query = function (...args) { pools.add(this); return poolQuery.apply(this, args); };
  const loader = await import(pathToFileURL(loaderPath).href);
  const load = loader.loadConfigFromFile ?? loader.default?.loadConfigFromFile;
  const loaded = await load({ configRoot: root });
  if (loaded.error) fallback("Prisma cannot load the configuration");
  const config = loaded.config;
  if (config.engine !== "js" || typeof config.adapter !== "function") fallback("the configuration has no driver adapter for Migrate");
  const factory = await config.adapter();
  if (factory?.adapterName !== input.adapter) fallback("the adapter is " + String(factory?.adapterName) + ", not " + input.adapter);
  const connected = await factory.connect();
  if (!connected?.ok) fallback("the adapter does not connect");
  const adapter = connected.value;
  const info = adapter.getConnectionInfo?.();
  const schemaName = info?.ok ? info.value?.schemaName : undefined;
  if (schemaName !== undefined && schemaName !== "public") fallback("the adapter names the schema " + schemaName);
  const one = async (sql) => {
    const result = await adapter.queryRaw({ sql, args: [], argTypes: [] });
    if (!result.ok) throw Object.assign(new Error(message(result.error)), { adapterError: true });
    return result.value.rows[0];
  };
  const [name, oid, started] = await one(input.identitySql);
  if (name !== input.expect.name || oid !== input.expect.oid || started !== input.expect.started) fallback("the adapter does not reach the scratch database");
  if (pools.size !== 1) fallback("the adapter does not query through one pg pool");
  for (const pool of pools) {
    if (pool.options.maxUses !== Infinity || pool.options.maxLifetimeSeconds) fallback("the adapter's pool retires connections (maxUses, maxLifetimeSeconds)");
  }
  const [clean] = await one(input.sessionSql);
  wrote = true;
  const created = await adapter.executeRaw({ sql: input.ledgerSql, args: [], argTypes: [] });
  if (!created.ok) fallback("Prisma's ledger cannot be created: " + message(created.error));
  const applied = [];
  for (const migration of input.migrations) {
    const result = await adapter.executeScript(migration.sql);
    let state;
    try { [state] = await one(input.sessionSql); } catch { state = "unreadable"; }
    if (state !== clean) fallback(migration.name + " leaves its database session changed (open transaction, SET, temporary objects, ...)");
    if (!result.ok) {
      const error = result.error.kind === "GenericJs" ? adapter.errorRegistry?.consumeError(result.error.id)?.error : result.error;
      emit({ kind: "done", applied, failure: { migration: migration.name, error: message(error) } });
    }
    applied.push(migration.name);
  }
  await adapter.dispose();
  emit({ kind: "done", applied });
} catch (error) {
  fallback("the replay stopped: " + String(error?.message ?? error));
}
`;

export async function replayThroughAdapter(input: AdapterReplayInput): Promise<AdapterReplay> {
  const resolve = createRequire(input.cli.packageJson).resolve;
  let pgPath: string;
  try {
    // The pg the project's adapter imports: resolved from the adapter's own package.
    const adapterEntry = createRequire(`${input.root}/package.json`).resolve(KNOWN_ADAPTER);
    pgPath = createRequire(adapterEntry).resolve("pg");
  } catch {
    return { kind: "fallback", reason: `${KNOWN_ADAPTER} or its pg is not installed in the project`, wrote: false };
  }
  const expect = await withConnection(input.url, async (client) => (await client.query<{ name: string; oid: string; started: string }>(IDENTITY_SQL)).rows[0], {
    applicationName: "dbship check replay",
  });
  const stdin = JSON.stringify({
    migrations: input.local.map((migration) => ({ name: migration.name, sql: migration.sql })),
    adapter: KNOWN_ADAPTER,
    argv: [input.cli.entry, ...input.prismaArgs],
    expect,
    identitySql: IDENTITY_SQL,
    sessionSql: SESSION_STATE_SQL,
    ledgerSql: LEDGER_SQL,
  });
  const child = await execa(process.execPath, ["--input-type=module", "-e", SCRIPT, input.root, resolve("@prisma/config"), pgPath], {
    cwd: input.root,
    env: input.env,
    extendEnv: false,
    reject: false,
    input: stdin,
    timeout: input.timeoutMs,
    cancelSignal: input.signal,
  });
  const line = String(child.stdout ?? "")
    .split("\n")
    .find((text) => text.startsWith(RESULT_MARK));
  // No verdict (killed, timed out, crashed): whatever it did, Prisma must run on a clean database.
  if (!line) return { kind: "fallback", reason: `the replay process ended without a result (exit ${child.exitCode ?? child.signal ?? "?"})`, wrote: true };
  return JSON.parse(line.slice(RESULT_MARK.length)) as AdapterReplay;
}
