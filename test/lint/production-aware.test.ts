// Lint that knows production: acknowledgements that leave the migration files alone (--allow,
// lint.allow in dbship.config.json) and severity from the table's estimated size in production.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

type Finding = { rule: string; severity: string; message: string; acknowledged?: { reason: string; by?: string }; table?: Record<string, unknown> };
const byRule = (json: { findings?: Finding[] } | undefined, rule: string) => (json?.findings ?? []).filter((f) => f.rule === rule);

const DROP_BODY = 'ALTER TABLE "moments" DROP COLUMN "body";\n';
const INDEX_TITLE = 'CREATE INDEX "moments_title_idx" ON "moments"("title");\n';

/** schema.prisma as INDEX_TITLE + DROP_BODY leave the database (preflight's schema check compares). */
async function dropBodyFromSchema(prod: Production): Promise<void> {
  const file = path.join(prod.project.dir, "prisma/schema.prisma");
  const schema = await readFile(file, "utf8");
  await prod.project.writeFile(
    "prisma/schema.prisma",
    schema.replace("  body      String?\n", "").replace("  @@index([createdAt])\n", "  @@index([createdAt])\n  @@index([title], map: \"moments_title_idx\")\n"),
  );
}

describe("acknowledgements that leave the migration untouched", () => {
  let prod: Production | undefined;
  let project: TestProject | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    await project?.cleanup();
    prod = project = undefined;
  });

  it("deploy --allow ban-drop-column deploys a column drop and an index build on a small table, and says what it acknowledged", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_drop_body": INDEX_TITLE + DROP_BODY } });
    await dropBodyFromSchema(prod);
    const sql = await readFile(path.join(prod.project.migrationsDir, "0003_drop_body/migration.sql"), "utf8");

    const refused = await prod.dbship(["deploy", "--json"]);
    expect(refused.exitCode).toBe(3);
    // Only the data loss blocks: the index build on a two-row table is a warning.
    expect(refused.json.lint.findings.filter((f: Finding) => f.severity === "error").map((f: Finding) => f.rule)).toEqual(["ban-drop-column"]);

    const deployed = await prod.dbship(["deploy", "--allow", "ban-drop-column"]);
    expect(deployed.exitCode, deployed.output).toBe(0);
    expect(deployed.stdout).toMatch(/✓ acknowledged 0003_drop_body:2:1 error ban-drop-column .*\(acknowledged by --allow\)/);
    expect(deployed.stdout).toMatch(/! 0003_drop_body:1:1 warning require-concurrent-index-creation .*moments: .*for milliseconds/);
    expect(await query(prod.db.url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'moments' AND column_name = 'body'")).toEqual([]);
    expect(await query(prod.db.url, "SELECT 1 FROM pg_indexes WHERE indexname = 'moments_title_idx'")).toHaveLength(1);
    // The file Prisma checksummed is the one in the repository, unchanged.
    expect(await readFile(path.join(prod.project.migrationsDir, "0003_drop_body/migration.sql"), "utf8")).toBe(sql);
  });

  it("lint --allow takes comma-separated rules; an unknown or unwaivable rule is bad input (exit 2)", async () => {
    project = await createProject({ extra: { "0003_drop_body": DROP_BODY + 'ALTER TABLE "moments" ALTER COLUMN "title" SET NOT NULL;\n' } });
    const env = { DATABASE_URL: undefined };
    const blocked = await runDbship(["lint", "0003_drop_body", "--json"], { cwd: project.dir, env });
    expect(blocked.exitCode).toBe(1);

    const allowed = await runDbship(["lint", "0003_drop_body", "--allow", "ban-drop-column,set-not-null", "--json"], { cwd: project.dir, env });
    expect(allowed.exitCode, allowed.stdout).toBe(0);
    expect(byRule(allowed.json, "ban-drop-column")).toMatchObject([{ severity: "error", acknowledged: { by: "flag" } }]);
    expect(byRule(allowed.json, "set-not-null")).toMatchObject([{ acknowledged: { by: "flag" } }]);
    expect(allowed.json).toMatchObject({ errors: 0, acknowledged: 2 });

    const human = await runDbship(["lint", "0003_drop_body", "--allow", "ban-drop-column", "--allow", "set-not-null"], { cwd: project.dir, env });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/ban-drop-column .*\(acknowledged by --allow\)/);
    expect(human.stdout).toMatch(/0 error\(s\), 1 warning\(s\), 2 acknowledged/);

    const typo = await runDbship(["lint", "--allow", "ban-drop-colum"], { cwd: project.dir, env });
    expect(typo.exitCode).toBe(2);
    expect(typo.output).toContain('--allow: "ban-drop-colum" is not a dbship lint rule');
    const unwaivable = await runDbship(["lint", "--allow", "parse-error"], { cwd: project.dir, env });
    expect(unwaivable.exitCode).toBe(2);
    expect(unwaivable.output).toContain('"parse-error" cannot be acknowledged');
  });

  it("lint.allow entries in dbship.config.json acknowledge one rule in one migration, with the reason", async () => {
    const entry = { migration: "0003_drop_body", rule: "ban-drop-column", reason: "body was copied to notes in 0002" };
    project = await createProject({ extra: { "0003_drop_body": DROP_BODY, "0004_drop_again": 'ALTER TABLE "moments" DROP COLUMN "title";\n' }, config: { lint: { allow: [entry] } } });
    const env = { DATABASE_URL: undefined };
    const result = await runDbship(["lint", "0003_drop_body", "0004_drop_again", "--json"], { cwd: project.dir, env });
    expect(byRule(result.json, "ban-drop-column")).toEqual([
      expect.objectContaining({ migration: "0003_drop_body", acknowledged: { reason: entry.reason, by: "config" } }),
      expect.not.objectContaining({ acknowledged: expect.anything() }),
    ]);
    // 0004's drop is not covered: the entry names one migration.
    expect(result.exitCode).toBe(1);
    const human = await runDbship(["lint", "0003_drop_body"], { cwd: project.dir, env });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain(`(acknowledged in dbship.config.json: ${entry.reason})`);

    await project.writeFile("dbship.config.json", JSON.stringify({ lint: { allow: [{ ...entry, rule: "drop-column" }] } }));
    const bad = await runDbship(["lint", "0003_drop_body"], { cwd: project.dir, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toMatch(/lint\.allow\.0\.rule in .*dbship\.config\.json: "drop-column" is not a dbship lint rule/);
    await project.writeFile("dbship.config.json", JSON.stringify({ lint: { allow: [{ rule: "ban-drop-column" }] } }));
    const incomplete = await runDbship(["lint", "0003_drop_body"], { cwd: project.dir, env });
    expect(incomplete.exitCode).toBe(2);
    expect(incomplete.output).toMatch(/lint\.allow\.0\.migration/);
  });
});

describe("severity from production's size", () => {
  let prod: Production | undefined;
  let project: TestProject | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    await project?.cleanup();
    prod = project = undefined;
  });

  it("an index build on a small production table is a warning that says how small; data loss stays an error", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_index": INDEX_TITLE + DROP_BODY } });
    // Never analyzed: PostgreSQL 14+ keeps reltuples at -1, so only the size is known.
    expect((await query<{ r: number }>(prod.db.url, "SELECT reltuples::float8 AS r FROM pg_class WHERE relname = 'moments'"))[0]!.r).toBe(-1);
    const fresh = await prod.dbship(["lint", "--json"]);
    const [index] = byRule(fresh.json, "require-concurrent-index-creation");
    expect(index).toMatchObject({ severity: "warning", table: { name: "moments", rows: null, small: true } });
    expect(index!.message).toMatch(/moments: rows not estimated yet \(never analyzed; judged by size\), \d+ kB — the build holds the lock for milliseconds/);
    expect(byRule(fresh.json, "ban-drop-column")).toMatchObject([{ severity: "error" }]);
    expect(byRule(fresh.json, "ban-drop-column")[0]).not.toHaveProperty("table");
    expect(fresh.exitCode).toBe(1);

    await query(prod.db.url, "ANALYZE moments");
    const analyzed = await prod.dbship(["lint", "--json"]);
    const [estimated] = byRule(analyzed.json, "require-concurrent-index-creation");
    expect(estimated).toMatchObject({ severity: "warning", table: { name: "moments", rows: 2, small: true } });
    expect(estimated!.message).toMatch(/moments: ~2 rows, \d+ kB — the build holds the lock for milliseconds/);
    expect(analyzed.stdout).not.toContain("offline");
  });

  it("above lint.smallTable the finding stays an error and says so; offline it stays an error and the summary says why", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_index": INDEX_TITLE }, config: { lint: { smallTable: { rows: 1, bytes: 1_000_000 } } } });
    await query(prod.db.url, "ANALYZE moments");
    const big = await prod.dbship(["lint", "--json"]);
    expect(big.exitCode).toBe(1);
    const [finding] = byRule(big.json, "require-concurrent-index-creation");
    expect(finding).toMatchObject({ severity: "error", table: { rows: 2, small: false } });
    expect(finding!.message).toMatch(/moments: ~2 rows, \d+ kB: above lint\.smallTable \(1 rows or 977 kB\)/);

    const offline = await prod.dbship(["lint", "--offline"]);
    expect(offline.exitCode).toBe(1);
    expect(offline.stdout).toMatch(/error require-concurrent-index-creation/);
    expect(offline.stdout).toContain("offline: table sizes unknown, so lock, scan and rewrite findings stay errors");
  });
});
