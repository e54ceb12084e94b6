// verify.sql runs on production after the deploy: whatever it contains, it must not change
// anything. Scripts that could are refused before production is touched.
import { afterEach, describe, expect, it } from "vitest";
import { runVerifyScripts } from "../../src/verify/verify-scripts.js";
import { createTestDatabase, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

const VERIFY = "prisma/migrations/0002_moment_title_length/verify.sql";

describe("verify.sql cannot change production", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it.each([
    ["ends the read-only transaction", "COMMIT; DELETE FROM moments; SELECT true;"],
    ["ends it with a rollback and starts a writable one", "ROLLBACK; BEGIN; DELETE FROM moments; COMMIT; SELECT true;"],
    ["makes the session writable", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; COMMIT; DELETE FROM moments; SELECT true;"],
    ["a data-modifying CTE", "WITH gone AS (DELETE FROM moments RETURNING 1) SELECT true;"],
    ["a DO block", "DO $$ BEGIN DELETE FROM moments; END $$; SELECT true;"],
    ["SELECT INTO", "SELECT * INTO stolen FROM moments; SELECT true;"],
    ["a volatile function", "SELECT pg_terminate_backend(pg_backend_pid()) IS NOT NULL;"],
  ])("%s: refused before the deploy (exit 3), every row still there", async (_what, sql) => {
    prod = await createProduction();
    await prod.project.writeFile(VERIFY, sql);
    const rows = await prod.moments();
    const ledger = await prod.ledger();
    const result = await prod.dbship(["deploy", "--no-rehearsal"]);
    expect(result.exitCode, result.output).toBe(3);
    expect(result.output).toContain("[VERIFY_SQL_UNSAFE]");
    expect(result.output).toContain("0002_moment_title_length/verify.sql");
    expect(await prod.moments()).toEqual(rows);
    expect(await prod.ledger()).toEqual(ledger);
  });

  it("read-only checks still run and pass (SELECT, WITH, VALUES, TABLE, stable functions)", async () => {
    prod = await createProduction();
    await prod.project.writeFile(
      VERIFY,
      [
        "SELECT count(*) = 2 FROM moments;",
        "WITH long AS (SELECT id FROM moments WHERE char_length(title) > 200) SELECT count(*) = 0 FROM long;",
        "VALUES (true);",
        "SELECT now() <= now() + interval '1 second', to_regclass('moments') IS NOT NULL;",
      ].join("\n"),
    );
    const result = await prod.dbship(["deploy", "--no-rehearsal", "--json"]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.json.steps.find((s: { name: string }) => s.name === "post-verify").detail).toContain("1 verify.sql");
  });
});

describe("runVerifyScripts", () => {
  it("runs a script that waits (pg_sleep only sleeps: volatile, yet it reads and writes nothing)", async () => {
    const db = await createTestDatabase("verify");
    try {
      const migration = (name: string, verifySql: string) => ({ name, verifySql }) as unknown as Parameters<typeof runVerifyScripts>[1][number];
      const results = await runVerifyScripts(db.url, [
        migration("a", "SELECT pg_sleep(0.01) IS NOT NULL;"),
        migration("b", "SELECT pg_sleep_for('10 milliseconds') IS NOT NULL, pg_sleep_until(now()) IS NOT NULL;"),
      ]);
      expect(results).toEqual([
        { migration: "a", ok: true, message: "passed" },
        { migration: "b", ok: true, message: "passed" },
      ]);
    } finally {
      await db.drop();
    }
  });

  it("never sends a script that could write, whoever calls it", async () => {
    const db = await createTestDatabase("verify");
    try {
      await query(db.url, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)");
      const migration = (name: string, verifySql: string) => ({ name, verifySql }) as unknown as Parameters<typeof runVerifyScripts>[1][number];
      const results = await runVerifyScripts(db.url, [
        migration("a", "COMMIT; DELETE FROM kept; SELECT true;"),
        migration("b", "SELECT count(*) = 2 FROM kept;"),
      ]);
      expect(results[0]).toMatchObject({ migration: "a", ok: false });
      expect(results[0]!.message).toContain("transaction control");
      expect(results[1]).toEqual({ migration: "b", ok: true, message: "passed" });
      expect(await query(db.url, "SELECT id FROM kept ORDER BY id")).toEqual([{ id: 1 }, { id: 2 }]);
    } finally {
      await db.drop();
    }
  });
});
