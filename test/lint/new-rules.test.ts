// Rules for dangers the linter used to miss. Each test first shows the danger on the real
// PostgreSQL server (data silently gone or changed, a lock held, a statement refused), then that
// the linter reports it with a safe alternative, and does not report the safe form.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lintMigrations } from "../../src/lint/index.js";
import { readColumnTypes } from "../../src/lint/production-facts.js";
import { createTestDatabase, query, uniqueName, withClient, type TestDatabase } from "../support/postgres.js";
import { byRule, lint, PRODUCTION_TABLES } from "./helpers.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("rules");
});
afterAll(async () => {
  await db?.drop();
});

/** Relations this session holds ACCESS EXCLUSIVE after running `statements` in one transaction. */
async function accessExclusiveAfter(statements: string[]): Promise<string[]> {
  return withClient(db.url, async (client) => {
    await client.query("BEGIN");
    try {
      for (const sql of statements) await client.query(sql);
      const rows = await client.query<{ rel: string }>(
        "SELECT relation::regclass::text AS rel FROM pg_locks WHERE pid = pg_backend_pid() AND mode = 'AccessExclusiveLock' AND relation IS NOT NULL",
      );
      return rows.rows.map((row) => row.rel);
    } finally {
      await client.query("ROLLBACK");
    }
  });
}

describe("ban-drop-cascade", () => {
  it("DROP TYPE … CASCADE silently drops the columns of that type with their data", async () => {
    await query(db.url, "CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TABLE diary (id int, feeling mood); INSERT INTO diary VALUES (1, 'ok')");
    const refused = await query(db.url, "DROP TYPE mood").catch((e: Error) => e);
    expect(String(refused)).toMatch(/cannot drop type mood because other objects depend on it/);
    await query(db.url, "DROP TYPE mood CASCADE");
    expect(await query(db.url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'diary' ORDER BY 1")).toEqual([{ column_name: "id" }]);

    await query(db.url, "CREATE SEQUENCE ticket_seq; CREATE TABLE tickets (id int NOT NULL DEFAULT nextval('ticket_seq'))");
    await query(db.url, "DROP SEQUENCE ticket_seq CASCADE");
    expect(String(await query(db.url, "INSERT INTO tickets DEFAULT VALUES").catch((e: Error) => e))).toMatch(/null value in column "id"/);

    for (const sql of ['DROP TYPE "mood" CASCADE;', 'DROP SEQUENCE "ticket_seq" CASCADE;', "DROP EXTENSION citext CASCADE;", 'DROP FUNCTION "slugify"(text) CASCADE;', 'DROP DOMAIN "email" CASCADE;']) {
      const [finding] = byRule(await lint(sql), "ban-drop-cascade");
      expect(finding, sql).toMatchObject({ severity: "error" });
      expect(finding!.safeAlternative).toMatch(/without CASCADE/);
    }
    expect((await lint('DROP TYPE "mood";')).findings).toEqual([]);
    expect((await lint('CREATE TYPE "tmp" AS ENUM (\'a\');\nDROP TYPE "tmp" CASCADE;')).findings).toEqual([]);
  });
});

describe("lossy-type-change", () => {
  it("a shorter varchar through USING and a smaller numeric scale change values without an error", async () => {
    await query(db.url, "CREATE TABLE prices (code varchar(20), amount numeric(10,2)); INSERT INTO prices VALUES ('ABCDEFGHIJ', 1.25)");
    const columnTypes = await withClient(db.url, (client) => readColumnTypes(client as unknown as pg.Client));
    const failed = await query(db.url, "ALTER TABLE prices ALTER COLUMN code TYPE varchar(5)").catch((e: Error) => e);
    expect(String(failed)).toMatch(/value too long/);
    await query(db.url, "ALTER TABLE prices ALTER COLUMN code TYPE varchar(5) USING code::varchar(5), ALTER COLUMN amount TYPE numeric(10,1)");
    expect(await query(db.url, "SELECT code, amount::text FROM prices")).toEqual([{ code: "ABCDE", amount: "1.3" }]);

    const context = { existingTables: new Set(["public.prices"]), columnTypes };
    const using = await lintMigrations([{ name: "1", sql: 'ALTER TABLE "prices" ALTER COLUMN "code" TYPE VARCHAR(5) USING "code"::VARCHAR(5);' }], context);
    expect(byRule(using, "lossy-type-change")).toMatchObject([{ severity: "error" }]);
    expect(byRule(using, "lossy-type-change")[0]!.message).toMatch(/from varchar\(20\) to varchar\(5\) casts in USING to a length of 5, which silently cuts/);
    // The old message said this fails; it does not.
    expect(byRule(using, "changing-column-type")[0]!.message).not.toMatch(/fails/);
    const scale = await lintMigrations([{ name: "1", sql: 'ALTER TABLE "prices" ALTER COLUMN "amount" TYPE DECIMAL(10,1);' }], context);
    expect(byRule(scale, "lossy-type-change")[0]!.message).toMatch(/silently rounds/);
    const plain = await lintMigrations([{ name: "1", sql: 'ALTER TABLE "prices" ALTER COLUMN "code" TYPE VARCHAR(5);' }], context);
    expect(byRule(plain, "lossy-type-change")).toEqual([]);
    expect(byRule(plain, "changing-column-type")[0]!.message).toMatch(/fails if a value does not fit/);
    const wider = await lintMigrations([{ name: "1", sql: 'ALTER TABLE "prices" ALTER COLUMN "amount" TYPE DECIMAL(12,2);' }], context);
    expect(wider.findings.map((f) => f.rule)).toEqual(["require-lock-timeout"]);
    // Offline the current length is unknown: a truncating cast is a warning.
    expect(byRule(await lint('ALTER TABLE "users" ALTER COLUMN "name" TYPE VARCHAR(5) USING "name"::VARCHAR(5);'), "lossy-type-change")).toMatchObject([{ severity: "warning" }]);
  });
});

describe("data changes in migrations", () => {
  it("backfill-in-ddl-transaction: an UPDATE after ALTER TABLE in one transaction keeps the table locked for the whole UPDATE", async () => {
    await query(db.url, "CREATE TABLE accounts (id int); INSERT INTO accounts SELECT generate_series(1, 1000)");
    const locked = await accessExclusiveAfter(["ALTER TABLE accounts ADD COLUMN plan text", "UPDATE accounts SET plan = 'free' WHERE plan IS NULL"]);
    expect(locked).toContain("accounts");

    const sql = 'ALTER TABLE "users" ADD COLUMN "plan" TEXT;\nUPDATE "users" SET "plan" = \'free\' WHERE "plan" IS NULL;';
    const [finding] = byRule(await lint(sql), "backfill-in-ddl-transaction");
    expect(finding).toMatchObject({ severity: "error", line: 2 });
    expect(finding!.message).toContain("ALTER TABLE on line 1");
    // In its own migration it is only a data change.
    const separate = await lintMigrations(
      [
        { name: "1", sql: 'SET lock_timeout = \'5s\';\nALTER TABLE "users" ADD COLUMN "plan" TEXT;' },
        { name: "2", sql: 'UPDATE "users" SET "plan" = \'free\' WHERE "plan" IS NULL;' },
      ],
      { existingTables: PRODUCTION_TABLES },
    );
    expect(separate.findings.map((f) => [f.rule, f.severity])).toEqual([["update-in-migration", "warning"]]);
    // Statements sent one by one do not share the lock.
    expect(byRule(await lint(sql, { executionMode: "per-statement" }), "backfill-in-ddl-transaction")).toEqual([]);
  });

  it("delete-in-migration: a DELETE with WHERE removes production rows; it is an error", async () => {
    await query(db.url, "CREATE TABLE sessions (id int); INSERT INTO sessions SELECT generate_series(1, 10)");
    await query(db.url, "DELETE FROM sessions WHERE id > 5");
    expect(await query(db.url, "SELECT count(*)::int AS n FROM sessions")).toEqual([{ n: 5 }]);
    const [finding] = byRule(await lint('DELETE FROM "orders" WHERE "id" > 5;'), "delete-in-migration");
    expect(finding).toMatchObject({ severity: "error" });
    expect(finding!.safeAlternative).toMatch(/Archive the rows first/);
  });

  it("duplicate-column-assignment: PostgreSQL refuses a column assigned twice, which the parser accepts", async () => {
    await query(db.url, "CREATE TABLE pairs (a int, b int)");
    expect(String(await query(db.url, "UPDATE pairs SET a = 1, a = 2").catch((e: Error) => e))).toMatch(/multiple assignments to same column "a"/);
    expect(String(await query(db.url, "INSERT INTO pairs (a, a) VALUES (1, 2)").catch((e: Error) => e))).toMatch(/specified more than once/);

    for (const sql of ['UPDATE "orders" SET "total" = 1, "total" = 2 WHERE "id" = 1;', 'INSERT INTO "orders" ("total", "total") VALUES (1, 2);']) {
      expect(byRule(await lint(sql), "duplicate-column-assignment"), sql).toMatchObject([{ severity: "error" }]);
    }
    expect(byRule(await lint('UPDATE "orders" SET ("total", "tax") = (1, 2) WHERE "id" = 1;'), "duplicate-column-assignment")).toEqual([]);
  });
});

describe("rls-without-policy", () => {
  it("ENABLE ROW LEVEL SECURITY with no policy hides every row from the app's role", async () => {
    const role = uniqueName("app");
    await query(db.url, `CREATE TABLE notes (id int); INSERT INTO notes VALUES (1), (2); CREATE ROLE ${role}; GRANT SELECT ON notes TO ${role}`);
    try {
      await query(db.url, "ALTER TABLE notes ENABLE ROW LEVEL SECURITY");
      const seen = await withClient(db.url, async (client) => {
        await client.query(`SET ROLE ${role}`);
        return (await client.query("SELECT count(*)::int AS n FROM notes")).rows[0];
      });
      expect(seen).toEqual({ n: 0 });
    } finally {
      await query(db.url, `DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }

    const [finding] = byRule(await lint('ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;'), "rls-without-policy");
    expect(finding).toMatchObject({ severity: "error" });
    expect(finding!.safeAlternative).toMatch(/CREATE POLICY/);
    const withPolicy = await lintMigrations(
      [
        { name: "1", sql: 'ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;' },
        { name: "2", sql: 'CREATE POLICY "own_orders" ON "orders" USING ("user_id" = current_setting(\'app.user_id\')::int);' },
      ],
      { existingTables: PRODUCTION_TABLES },
    );
    expect(byRule(withPolicy, "rls-without-policy")).toEqual([]);
    expect(byRule(await lint('ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;', { tablesWithPolicies: new Set(["public.orders"]) }), "rls-without-policy")).toEqual([]);
  });
});

describe("rewrites and locks not modelled before", () => {
  it("table-persistence-or-tablespace: SET UNLOGGED copies the table under ACCESS EXCLUSIVE", async () => {
    await query(db.url, "CREATE TABLE events (id int); INSERT INTO events SELECT generate_series(1, 100)");
    const filenode = async () => (await query<{ f: string }>(db.url, "SELECT pg_relation_filenode('events')::text AS f"))[0]!.f;
    const before = await filenode();
    expect(await accessExclusiveAfter(["ALTER TABLE events SET UNLOGGED"])).toContain("events");
    await query(db.url, "ALTER TABLE events SET UNLOGGED");
    expect(await filenode()).not.toBe(before);

    for (const sql of ['ALTER TABLE "orders" SET UNLOGGED;', 'ALTER TABLE "orders" SET LOGGED;', 'ALTER TABLE "orders" SET TABLESPACE "archive";']) {
      expect(byRule(await lint(sql), "table-persistence-or-tablespace"), sql).toMatchObject([{ severity: "error" }]);
    }
    expect(byRule(await lint('ALTER TABLE "orders" SET UNLOGGED;'), "table-persistence-or-tablespace")[0]!.message).toMatch(/not replicated to standbys/);
  });

  it("refresh-materialized-view-concurrently: a plain REFRESH locks the view against reads", async () => {
    await query(db.url, "CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM events; CREATE UNIQUE INDEX totals_n ON totals (n)");
    expect(await accessExclusiveAfter(["REFRESH MATERIALIZED VIEW totals"])).toContain("totals");
    expect(await accessExclusiveAfter(["REFRESH MATERIALIZED VIEW CONCURRENTLY totals"])).not.toContain("totals");

    expect(byRule(await lint('REFRESH MATERIALIZED VIEW "totals";'), "refresh-materialized-view-concurrently")).toMatchObject([{ severity: "error" }]);
    expect((await lint('REFRESH MATERIALIZED VIEW CONCURRENTLY "totals";')).findings).toEqual([]);
    expect((await lint('CREATE MATERIALIZED VIEW "t2" AS SELECT 1 AS n WITH NO DATA;\nREFRESH MATERIALIZED VIEW "t2";')).findings).toEqual([]);
  });

  it("detach-partition-concurrently: DETACH PARTITION locks the whole partitioned table", async () => {
    await query(db.url, "CREATE TABLE logs (at date) PARTITION BY RANGE (at); CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
    expect(await accessExclusiveAfter(["ALTER TABLE logs DETACH PARTITION logs_2025"])).toContain("logs");

    const [finding] = byRule(await lint('ALTER TABLE "orders" DETACH PARTITION "orders_2025";'), "detach-partition-concurrently");
    expect(finding).toMatchObject({ severity: "warning" });
    expect(finding!.safeAlternative).toMatch(/CONCURRENTLY/);
    expect(byRule(await lint('ALTER TABLE "orders" DETACH PARTITION "orders_2025" CONCURRENTLY;'), "detach-partition-concurrently")).toEqual([]);
    expect(byRule(await lint('ALTER TABLE "orders" DETACH PARTITION "orders_2025";', { serverVersionNum: 130000 }), "detach-partition-concurrently")).toEqual([]);
  });

  it("require-statement-timeout: lock_timeout does not bound how long a statement holds its lock", async () => {
    await withClient(db.url, async (client) => {
      await client.query("SET lock_timeout = '50ms'");
      await client.query("SELECT pg_sleep(0.3)");
      await client.query("SET statement_timeout = '50ms'");
      await expect(client.query("SELECT pg_sleep(0.3)")).rejects.toThrow(/statement timeout/);
    });

    const [finding] = byRule(await lint('SET lock_timeout = \'5s\';\nCREATE INDEX "orders_total_idx" ON "orders"("total");'), "require-statement-timeout");
    expect(finding).toMatchObject({ severity: "warning", line: 2 });
    expect(byRule(await lint('SET lock_timeout = \'5s\';\nSET statement_timeout = \'30s\';\nCREATE INDEX "orders_total_idx" ON "orders"("total");'), "require-statement-timeout")).toEqual([]);
    // A catalog-only change holds the lock for an instant: no statement_timeout needed.
    expect((await lint('SET lock_timeout = \'5s\';\nALTER TABLE "orders" ADD COLUMN "note" TEXT;')).findings).toEqual([]);
    // Without lock_timeout, the one piece of advice names both settings.
    const [advice] = byRule(await lint('ALTER TABLE "orders" ADD COLUMN "note" TEXT;'), "require-lock-timeout");
    expect(advice!.safeAlternative).toMatch(/statement_timeout/);
  });
});

describe("domain-constraint", () => {
  it("ALTER DOMAIN … ADD CONSTRAINT checks every column of the domain; NOT VALID does not", async () => {
    await query(db.url, "CREATE DOMAIN positive AS int; CREATE TABLE stock (qty positive); INSERT INTO stock VALUES (-1)");
    const failed = await query(db.url, "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)").catch((e: Error) => e);
    expect(String(failed)).toMatch(/column "qty" of table "stock" contains values that violate the new constraint/);
    await query(db.url, "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID");

    expect(byRule(await lint('ALTER DOMAIN "positive" ADD CONSTRAINT "positive_check" CHECK (VALUE > 0);'), "domain-constraint")).toMatchObject([{ severity: "error" }]);
    expect(byRule(await lint('ALTER DOMAIN "positive" ADD CONSTRAINT "positive_check" CHECK (VALUE > 0) NOT VALID;'), "domain-constraint")).toEqual([]);
    expect(byRule(await lint('CREATE DOMAIN "positive" AS INT CHECK (VALUE > 0);'), "domain-constraint")).toMatchObject([{ severity: "warning" }]);
    expect(byRule(await lint('CREATE DOMAIN "label" AS TEXT NOT NULL;'), "domain-constraint")).toEqual([]);
  });
});
