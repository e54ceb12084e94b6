// Findings the linter used to report on safe SQL. Each test first shows on the real PostgreSQL
// server what the statement actually does, then that the linter no longer contradicts it.
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { createTestDatabase, query, withClient, type TestDatabase } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";
import { byRule, lint } from "./helpers.js";

describe("false positives removed", () => {
  let db: TestDatabase | undefined;
  let prod: Production | undefined;
  let project: TestProject | undefined;
  afterEach(async () => {
    await db?.drop();
    await prod?.cleanup();
    await project?.cleanup();
    db = prod = project = undefined;
  });

  it("VACUUM (FULL FALSE) does not rewrite the table, so it is not prefer-repack; VACUUM (FULL) still is", async () => {
    db = await createTestDatabase("fp");
    const filenode = async () => (await query<{ f: string }>(db!.url, "SELECT pg_relation_filenode('orders')::text AS f"))[0]!.f;
    await query(db.url, "CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 100)");
    const before = await filenode();
    await query(db.url, "VACUUM (FULL FALSE) orders");
    expect(await filenode()).toBe(before);
    await query(db.url, "VACUUM (FULL) orders");
    expect(await filenode()).not.toBe(before);

    for (const sql of ['VACUUM (FULL FALSE) "orders";', 'VACUUM (FULL off, ANALYZE) "orders";', 'VACUUM (FULL 0) "orders";']) {
      expect((await lint(sql)).findings, sql).toEqual([]);
    }
    for (const sql of ['VACUUM (FULL) "orders";', 'VACUUM (FULL TRUE) "orders";', 'VACUUM FULL "orders";']) {
      expect(byRule(await lint(sql), "prefer-repack"), sql).toMatchObject([{ severity: "error" }]);
    }
  });

  it("REINDEX SYSTEM has no CONCURRENTLY form, so the linter does not suggest one", async () => {
    db = await createTestDatabase("fp");
    const error = await query(db.url, `REINDEX SYSTEM CONCURRENTLY "${db.name}"`).catch((e: Error) => e);
    expect(String(error)).toMatch(/cannot reindex system catalogs concurrently/);

    const result = await lint("REINDEX SYSTEM;");
    expect(byRule(result, "require-concurrent-reindex")).toEqual([]);
    expect(result.findings.map((f) => f.safeAlternative).join("\n")).not.toContain("CONCURRENTLY");
  });

  it("the lock_timeout advice for DROP INDEX names the index's table, which is what PostgreSQL locks", async () => {
    db = await createTestDatabase("fp");
    await query(db.url, "CREATE TABLE moments (id int); CREATE INDEX moments_id_idx ON moments (id)");
    const locked = await withClient(db.url, async (client) => {
      await client.query("BEGIN");
      await client.query("DROP INDEX moments_id_idx");
      const rows = await client.query<{ rel: string }>(
        "SELECT relation::regclass::text AS rel FROM pg_locks WHERE pid = pg_backend_pid() AND mode = 'AccessExclusiveLock' AND relation IS NOT NULL ORDER BY 1",
      );
      await client.query("ROLLBACK");
      return rows.rows.map((row) => row.rel);
    });
    expect(locked).toContain("moments");

    const [finding] = byRule(await lint('DROP INDEX "moments_id_idx";'), "require-lock-timeout");
    expect(finding?.message).toContain('ACCESS EXCLUSIVE lock on the table of index "moments_id_idx"');
    expect(finding?.message).not.toMatch(/every query on the table queues/);
  });

  it("SET NOT NULL after a CHECK (col IS NOT NULL) that is already valid in production is not reported", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_body_required": 'ALTER TABLE "moments" ALTER COLUMN "body" SET NOT NULL;\n' } });
    await query(prod.db.url, `UPDATE moments SET body = 'x'`);
    await query(prod.db.url, `ALTER TABLE moments ADD CONSTRAINT moments_body_nn CHECK (body IS NOT NULL)`);
    const result = await prod.dbship(["lint", "--json"]);
    expect(result.json?.against, result.output).toBe("production");
    expect(byRuleJson(result.json, "set-not-null")).toEqual([]);
    expect(result.exitCode, result.stdout).toBe(0);

    // A NOT VALID one does not help: PostgreSQL still scans.
    await query(prod.db.url, `ALTER TABLE moments DROP CONSTRAINT moments_body_nn, ADD CONSTRAINT moments_body_nn CHECK (body IS NOT NULL) NOT VALID`);
    const notValid = await prod.dbship(["lint", "--json"]);
    // (a warning here: moments is small, see production-aware.test.ts)
    expect(byRuleJson(notValid.json, "set-not-null")).toHaveLength(1);
  });

  it("SET NOT NULL after a CHECK validated in an earlier migration is not reported when linting that migration alone", async () => {
    project = await createProject({
      extra: {
        "0003_body_check": 'ALTER TABLE "moments" ADD CONSTRAINT "moments_body_nn" CHECK ("body" IS NOT NULL) NOT VALID;\n',
        "0004_body_validate": 'ALTER TABLE "moments" VALIDATE CONSTRAINT "moments_body_nn";\n',
        "0005_body_required": 'ALTER TABLE "moments" ALTER COLUMN "body" SET NOT NULL;\n',
      },
    });
    const result = await runDbship(["lint", "0005_body_required", "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(byRuleJson(result.json, "set-not-null")).toEqual([]);
    expect(result.exitCode, result.stdout).toBe(0);
  });
});

function byRuleJson(json: { findings: Array<{ rule: string }> } | undefined, rule: string) {
  return (json?.findings ?? []).filter((finding) => finding.rule === rule);
}
