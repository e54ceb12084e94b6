// The check's replay on Prisma 6's `engine: "js"` path (src/schema-sync/adapter-replay.ts), against
// a bare `prisma migrate deploy` of the same history on real PostgreSQL: the same migration fails
// (or none), and the two databases hold the same schema (dbship's catalog reader and a catalog
// dump of functions, indexes, relations and triggers). Tricky scripts first, then the corpus of
// real projects (test/fixtures/real).
import { afterEach, describe, expect, it } from "vitest";
import { readLocalMigrations } from "../../src/migrations/local-migrations.js";
import { findPrismaCli } from "../../src/prisma/prisma-cli.js";
import { replayThroughAdapter, type AdapterReplay } from "../../src/schema-sync/adapter-replay.js";
import { readSchemaModel } from "../../src/verify/schema-model.js";
import { runDbship, testEnv } from "../support/cli.js";
import { adminUrl, createTestDatabase, query, withClient, type TestDatabase } from "../support/postgres.js";
import { createProject, type TestProject } from "../support/project.js";
import { corpus, createRealProject, projectEnv, projectPaths, type RealProject } from "../real/real-project.js";
import path from "node:path";

const CATALOG_SQL = `
SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS item
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal
UNION ALL SELECT 'extension ' || extname FROM pg_extension
UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
ORDER BY 1`;

type Outcome = { failed: string | undefined; model: unknown; catalog: string[] };

async function databaseOutcome(url: string, failed: string | undefined): Promise<Outcome> {
  const model = await withClient(url, (client) => readSchemaModel(client));
  const catalog = (await query<{ item: string }>(url, CATALOG_SQL)).map((row) => row.item);
  return { failed, model, catalog };
}

/** What a bare `prisma migrate deploy` leaves: the migration its ledger marks failed, and the schema. */
async function prismaOutcome(dir: string, env: Record<string, string | undefined>, url: string): Promise<Outcome & { exitCode: number | undefined }> {
  const { execa } = await import("execa");
  const { repoRoot } = await import("../support/project.js");
  const run = await execa("node", [path.join(repoRoot, "node_modules/prisma/build/index.js"), "migrate", "deploy"], { cwd: dir, env: testEnv(env), reject: false, timeout: 120_000 });
  const failed = await query<{ migration_name: string }>(url, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL");
  return { ...(await databaseOutcome(url, failed[0]?.migration_name)), exitCode: run.exitCode };
}

async function fastReplay(dir: string, migrationsDir: string, env: Record<string, string | undefined>, url: string): Promise<AdapterReplay> {
  return replayThroughAdapter({
    cli: findPrismaCli(dir),
    root: dir,
    env: testEnv(env) as Record<string, string>,
    prismaArgs: ["migrate", "deploy"],
    url,
    local: await readLocalMigrations(migrationsDir),
  });
}

describe("the replay through the project's driver adapter, against prisma migrate deploy", () => {
  const databases: TestDatabase[] = [];
  let project: TestProject | undefined;
  let real: RealProject | undefined;
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((db) => db.drop()));
    await project?.cleanup();
    await real?.cleanup();
    project = undefined;
    real = undefined;
  });

  async function compare(migrations: Record<string, string>): Promise<{ fast: AdapterReplay; prisma: Outcome & { exitCode: number | undefined } }> {
    project = await createProject({ migrations: 0, extra: migrations });
    const [mine, theirs] = await Promise.all([createTestDatabase("adapter_fast"), createTestDatabase("adapter_prisma")]);
    databases.push(mine, theirs);
    const fast = await fastReplay(project.dir, project.migrationsDir, { DATABASE_URL: mine.url }, mine.url);
    const prisma = await prismaOutcome(project.dir, { DATABASE_URL: theirs.url }, theirs.url);
    if (fast.kind === "done") {
      expect(await databaseOutcome(mine.url, fast.failure?.migration)).toEqual({ failed: prisma.failed, model: prisma.model, catalog: prisma.catalog });
    }
    return { fast, prisma };
  }

  it("scripts that apply: BEGIN/COMMIT, CREATE INDEX CONCURRENTLY, empty statements, a ';' Prisma's split leaves harmless", async () => {
    const { fast, prisma } = await compare({
      "0001_tables": 'CREATE TABLE "a" ("id" SERIAL PRIMARY KEY, "note" TEXT);\nCREATE TABLE "b" ("id" INTEGER);\n',
      "0002_explicit_transaction": 'BEGIN;\nCREATE TABLE "t1" ("id" INTEGER);\nALTER TABLE "t1" ADD COLUMN "x" TEXT;\nCOMMIT;\n',
      "0003_concurrently": 'CREATE INDEX CONCURRENTLY "b_id_idx" ON "b" ("id");\n',
      "0004_empty_statements": ';;\nCREATE TABLE "e" ("id" INTEGER);;\n;\n  ;\n',
      "0005_comment_only": "-- nothing to do here\n",
      "0006_block_comment": '/* first */ CREATE TABLE "f" ("id" INTEGER) /* trailing */;\n',
    });
    expect(prisma.exitCode).toBe(0);
    expect(prisma.failed).toBeUndefined();
    expect(fast).toEqual({ kind: "done", applied: ["0001_tables", "0002_explicit_transaction", "0003_concurrently", "0004_empty_statements", "0005_comment_only", "0006_block_comment"] });
  });

  it.each([
    ["a dollar-quoted function body", "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;\n", "unterminated dollar-quoted string"],
    ["a ';' in a string literal", "INSERT INTO \"a\" (\"note\") VALUES ('one; two');\n", "unterminated quoted string"],
    ["a ';' in a comment", '-- first; second\nCREATE TABLE "c" ("id" INTEGER);\n', "syntax error"],
    ["a failing statement mid-script (what ran before it stays)", 'CREATE TABLE "m1" ("id" INTEGER);\nALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;\nCREATE TABLE "m2" ("id" INTEGER);\n', 'relation "no_such_table" does not exist'],
    ["a failing statement inside BEGIN/COMMIT", 'BEGIN;\nCREATE TABLE "m3" ("id" INTEGER);\nINSERT INTO "m3" VALUES (\'x\');\nCOMMIT;\n', "invalid input syntax for type integer"],
  ])("%s: the same migration fails, the same schema is left", async (_label, sql, error) => {
    const { fast, prisma } = await compare({
      "0001_tables": 'CREATE TABLE "a" ("id" SERIAL PRIMARY KEY, "note" TEXT);\n',
      "0002_tricky": sql,
      "0003_never": 'CREATE TABLE "never" ("id" INTEGER);\n',
    });
    expect(prisma.exitCode).not.toBe(0);
    expect(prisma.failed).toBe("0002_tricky");
    expect(fast.kind).toBe("done");
    if (fast.kind !== "done") return;
    expect(fast.applied).toEqual(["0001_tables"]);
    expect(fast.failure?.migration).toBe("0002_tricky");
    expect(fast.failure?.error).toContain(error);
  });

  it.each([
    ["a transaction left open", 'BEGIN;\nCREATE TABLE "open" ("id" INTEGER);\n'],
    ["a session setting", "SET search_path TO elsewhere, public;\n"],
    ["a session-level advisory lock", "SELECT pg_advisory_lock(42);\n"],
  ])("%s, which the next migration would inherit from the pool's connection: Prisma must run instead", async (_label, sql) => {
    const { fast } = await compare({ "0001_session": sql, "0002_next": 'CREATE TABLE "next" ("id" INTEGER);\n' });
    expect(fast).toEqual({ kind: "fallback", reason: expect.stringContaining("0001_session leaves its database session changed"), wrote: true });
  });

  it("another driver adapter, or a pool that retires connections: Prisma runs, nothing was written", async () => {
    project = await createProject({ migrations: 1 });
    const db = await createTestDatabase("adapter_pool");
    databases.push(db);
    await project.writeFile(
      "prisma.config.ts",
      'import { defineConfig } from "prisma/config";\nimport { PrismaPg } from "@prisma/adapter-pg";\nexport default defineConfig({ experimental: { adapter: true }, engine: "js", schema: "prisma/schema.prisma", async adapter() { return new PrismaPg({ connectionString: process.env.DATABASE_URL, maxUses: 3 }); } });\n',
    );
    expect(await fastReplay(project.dir, project.migrationsDir, { DATABASE_URL: db.url }, db.url)).toEqual({ kind: "fallback", reason: expect.stringContaining("maxUses"), wrote: false });
    expect(await query(db.url, "SELECT to_regclass('_prisma_migrations') AS t")).toEqual([{ t: null }]);
  });

  it("an adapter that reaches another database than the one dbship means: nothing is written", async () => {
    project = await createProject({ migrations: 1 });
    const [meant, other] = await Promise.all([createTestDatabase("adapter_meant"), createTestDatabase("adapter_other")]);
    databases.push(meant, other);
    expect(await fastReplay(project.dir, project.migrationsDir, { DATABASE_URL: other.url }, meant.url)).toEqual({ kind: "fallback", reason: expect.stringContaining("does not reach the scratch database"), wrote: false });
    for (const db of [meant, other]) expect(await query(db.url, "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([{ n: 0 }]);
  });

  it("the config sees Prisma's command line: one that connects elsewhere under `migrate deploy` is caught before anything is written", async () => {
    project = await createProject({ migrations: 1 });
    const [meant, other] = await Promise.all([createTestDatabase("adapter_argv_meant"), createTestDatabase("adapter_argv_other")]);
    databases.push(meant, other);
    await project.writeFile(
      "prisma.config.ts",
      'import { defineConfig } from "prisma/config";\nimport { PrismaPg } from "@prisma/adapter-pg";\nexport default defineConfig({ experimental: { adapter: true }, engine: "js", schema: "prisma/schema.prisma", async adapter() { return new PrismaPg({ connectionString: process.argv.includes("deploy") ? process.env.OTHER_URL : process.env.DATABASE_URL }); } });\n',
    );
    expect(await fastReplay(project.dir, project.migrationsDir, { DATABASE_URL: meant.url, OTHER_URL: other.url }, meant.url)).toEqual({ kind: "fallback", reason: expect.stringContaining("does not reach the scratch database"), wrote: false });
    for (const db of [meant, other]) expect(await query(db.url, "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([{ n: 0 }]);
  });

  it("dbship check on the js-engine path: a body Prisma's split breaks is named (exit 3); a migration that changes its session still checks, through Prisma (exit 0)", async () => {
    project = await createProject({ extra: { "0003_function": "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;\n" } });
    const broken = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(broken.exitCode, broken.output).toBe(3);
    expect(broken.json.error.message).toContain('0003_function failed: ERROR: unterminated dollar-quoted string at or near "$$ BEGIN NEW.updated_at := now()"');
    await project.cleanup();

    project = await createProject({ extra: { "0003_session": "SET statement_timeout = 0;\n" } });
    const fallback = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(fallback.exitCode, fallback.output).toBe(0);
    expect(fallback.json).toMatchObject({ command: "check", inSync: true, migrations: 3, differences: [] });
  });

  it.each(corpus.map((entry) => [entry.id, entry] as const))("the corpus project %s: the same outcome as prisma migrate deploy", async (_id, entry) => {
    real = await createRealProject(entry);
    const [mine, theirs] = await Promise.all([createTestDatabase(`adapter_${entry.id}_fast`), createTestDatabase(`adapter_${entry.id}_prisma`)]);
    databases.push(mine, theirs);
    const fast = await fastReplay(real.dir, path.join(real.dir, projectPaths(entry).migrations), projectEnv(entry, mine.url), mine.url);
    const prisma = await prismaOutcome(real.dir, projectEnv(entry, theirs.url), theirs.url);
    expect(fast.kind).toBe("done");
    if (fast.kind !== "done") return;
    expect(fast.failure?.migration).toBe(prisma.failed);
    expect(await databaseOutcome(mine.url, fast.failure?.migration)).toEqual({ failed: prisma.failed, model: prisma.model, catalog: prisma.catalog });
  });
});
