// `dbship plan` on a production of a million rows (generated here): every statement's lock,
// duration, rewrite, index build and the rows that break a new constraint, measured on copies of
// production, which itself does not change.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

const ROWS = 1_000_000;

describe("dbship plan on a million-row table", () => {
  let prod: Production;
  const projects: TestProject[] = [];
  let before: { ledger: unknown; columns: unknown; indexes: unknown };

  async function productionState() {
    return {
      ledger: await prod.ledger(),
      columns: await query(prod.db.url, "SELECT column_name, data_type, character_maximum_length FROM information_schema.columns WHERE table_name = 'moments' ORDER BY column_name"),
      indexes: await query(prod.db.url, "SELECT indexname FROM pg_indexes WHERE tablename = 'moments' ORDER BY indexname"),
    };
  }

  /** A project with the example's two migrations, `extra` pending, schema.prisma edited by `schema`. */
  async function plan(extra: Record<string, string>, schema: (text: string) => string, args: string[], env: Record<string, string> = {}) {
    const project = await createProject({ migrations: 2, extra, config: { snapshot: { prefix: prod.prefix } } });
    projects.push(project);
    const text = await readFile(path.join(project.dir, "prisma/schema.prisma"), "utf8");
    await project.writeFile("prisma/schema.prisma", schema(text));
    return runDbship(["plan", ...args], { cwd: project.dir, env: { DATABASE_URL: prod.db.url, ...env }, timeoutMs: 240_000 });
  }

  beforeAll(async () => {
    prod = await createProduction({ applied: 2, titles: [] });
    // Ten rows (every 100,000th) have a body longer than 20 characters.
    await query(
      prod.db.url,
      `INSERT INTO moments (id, title, body, updated_at)
       SELECT gen_random_uuid(), 'moment ' || g, CASE WHEN g % 100000 = 0 THEN repeat('x', 50) ELSE 'short' END, now()
         FROM generate_series(1, ${ROWS}) AS g`,
    );
    await query(prod.db.url, "ANALYZE moments");
    before = await productionState();
  });

  afterAll(async () => {
    for (const project of projects) await project.cleanup();
    await prod?.cleanup();
  });

  it("shows ADD COLUMN with a constant default as metadata-only, and NOT VALID + VALIDATE holding only the weaker lock; exit 0", async () => {
    const result = await plan(
      {
        "0003_views": [
          'ALTER TABLE "moments" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;',
          'ALTER TABLE "moments" ADD CONSTRAINT "moments_views_nonnegative" CHECK ("views" >= 0) NOT VALID;',
          'ALTER TABLE "moments" VALIDATE CONSTRAINT "moments_views_nonnegative";',
          "",
        ].join("\n"),
        "0004_title_index": 'CREATE INDEX CONCURRENTLY "moments_title_idx" ON "moments"("title");\n',
      },
      (text) =>
        text
          .replace("  body      String?\n", '  body      String?\n  views     Int      @default(0)\n')
          .replace("  @@index([createdAt])\n", "  @@index([createdAt])\n  @@index([title])\n"),
      ["--json", "--allow", "require-lock-timeout"],
    );
    expect(result.exitCode, result.output).toBe(0);
    const [migration] = result.json.migrations;
    expect(migration.name).toBe("0003_views");
    const [addColumn, notValid, validate] = migration.statements;

    expect(addColumn.locks).toEqual([expect.objectContaining({ relation: "moments", mode: "ACCESS EXCLUSIVE", blocks: "reads and writes", seen: expect.arrayContaining(["commit"]) })]);
    expect(addColumn.rewrites).toEqual([]);
    expect(addColumn.indexesBuilt).toEqual([]);
    expect(addColumn.summary).toMatch(/^blocks reads and writes to `moments` for ~\d+ ms \(ACCESS EXCLUSIVE\); no rewrite$/);

    expect(notValid.locks).toEqual([expect.objectContaining({ relation: "moments", mode: "ACCESS EXCLUSIVE" })]);
    expect(notValid.rewrites).toEqual([]);
    // VALIDATE scans the million rows under SHARE UPDATE EXCLUSIVE: reads and writes go on.
    expect(validate.locks).toEqual([expect.objectContaining({ relation: "moments", mode: "SHARE UPDATE EXCLUSIVE", blocks: "nothing" })]);
    expect(validate.rewrites).toEqual([]);
    expect(validate.verdict).toBe("ok");
    expect(validate.summary).toMatch(/^blocks no reads or writes \(SHARE UPDATE EXCLUSIVE on `moments`, ~[\d.]+ m?s\)/);

    // CONCURRENTLY cannot run in a transaction block: run on its own, its lock seen by the sampler.
    const [concurrent] = result.json.migrations[1].statements;
    expect(concurrent.transaction).toBe("none");
    expect(concurrent.locks).toEqual([expect.objectContaining({ relation: "moments", mode: "SHARE UPDATE EXCLUSIVE", blocks: "nothing", seen: ["sampled"] })]);
    expect(concurrent.indexesBuilt).toEqual([expect.objectContaining({ name: "moments_title_idx", table: "moments" })]);

    expect(result.json.prisma).toMatchObject({ applied: true, withRows: false, sameSchema: true, error: null });
    expect(result.json.blockers).toEqual([]);
    expect(await productionState()).toEqual(before);
    expect(await databasesLike(`dbship-scratch-${prod.db.name}`)).toEqual([]);
  });

  it("reports a non-concurrent index build and a column type change with their measured lock and duration, and lint's safe alternative; exit 3", async () => {
    const result = await plan(
      {
        "0003_title_index": 'CREATE INDEX "moments_title_idx" ON "moments"("title");\n',
        "0004_title_type": 'ALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE VARCHAR(300);\n',
      },
      (text) => text.replace("  title     String\n", "  title     String   @db.VarChar(300)\n").replace("  @@index([createdAt])\n", "  @@index([createdAt])\n  @@index([title])\n"),
      ["--json", "--threshold-ms", "50"],
    );
    expect(result.exitCode, result.output).toBe(3);
    expect(result.json.error.code).toBe("PLAN_BLOCKED");
    expect(result.json.blockers).toEqual([expect.objectContaining({ code: "LINT_ERRORS" })]);

    const [index] = result.json.migrations[0].statements;
    expect(index.locks).toEqual([expect.objectContaining({ relation: "moments", mode: "SHARE", blocks: "writes", seen: expect.arrayContaining(["commit"]) })]);
    expect(index.locks[0].heldMs).toBe(index.durationMs);
    expect(index.indexesBuilt).toEqual([{ name: "moments_title_idx", table: "moments", bytes: expect.any(Number) }]);
    expect(index.indexesBuilt[0].bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(index.rewrites).toEqual([]);
    expect(index.rows).toEqual({ count: ROWS, how: "estimated" });
    expect(index.verdict).toBe("over-threshold");
    expect(index.summary).toMatch(/^blocks writes to `moments` for ~[\d.]+ m?s \(SHARE\); built index `moments_title_idx` \(\d+ MB\); ~1,000,000 row\(s\) processed$/);
    expect(index.lint).toEqual([expect.objectContaining({ rule: "require-concurrent-index-creation", severity: "error" })]);

    const [type] = result.json.migrations[1].statements;
    expect(type.locks).toEqual([expect.objectContaining({ relation: "moments", mode: "ACCESS EXCLUSIVE", blocks: "reads and writes" })]);
    // The table got new storage (relfilenode changed) and so did its other indexes; the index on
    // the column itself was built anew (a new relation).
    expect(type.rewrites).toEqual([
      expect.objectContaining({ relation: "moments", kind: "table" }),
      expect.objectContaining({ relation: "moments_created_at_idx", kind: "index" }),
      expect.objectContaining({ relation: "moments_pkey", kind: "index" }),
    ]);
    expect(type.indexesBuilt).toEqual([expect.objectContaining({ name: "moments_title_idx", table: "moments" })]);
    expect(type.verdict).toBe("over-threshold");
    expect(type.summary).toMatch(/^blocks reads and writes to `moments` for ~[\d.]+ m?s \(ACCESS EXCLUSIVE\); rewrote `moments` \(\d+ MB → \d+ MB\)/);

    // The Markdown a reviewer reads, with lint's safe alternative under the table.
    const human = await plan(
      { "0003_title_index": 'CREATE INDEX "moments_title_idx" ON "moments"("title");\n' },
      (text) => text.replace("  @@index([createdAt])\n", "  @@index([createdAt])\n  @@index([title])\n"),
      ["--threshold-ms", "50"],
    );
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/\| ⚠️ \| 1 \| `CREATE INDEX "moments_title_idx" ON "moments"\("title"\)` \| blocks writes to `moments` for ~[\d.]+ m?s \(SHARE\); built index/);
    expect(human.stdout).toContain("- line 1, `require-concurrent-index-creation` (error): ");
    expect(await productionState()).toEqual(before);
  });

  it("reports a CHECK that existing rows violate with their count and a sample, to the comment file and the job summary; exit 3", async () => {
    const dir = path.join(os.tmpdir(), `dbship-plan-${process.pid}`);
    const summary = `${dir}-summary.md`;
    const comment = `${dir}-comment.md`;
    const result = await plan(
      {
        "0003_body_short": [
          "-- dbship:allow constraint-missing-not-valid measured by dbship plan",
          'ALTER TABLE "moments" ADD CONSTRAINT "moments_body_short" CHECK (char_length("body") <= 20);',
          "",
        ].join("\n"),
      },
      (text) => text,
      ["--json", "--comment-file", comment, "--allow", "require-lock-timeout"],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(result.exitCode, result.output).toBe(3);
    const [statement] = result.json.migrations[0].statements;
    expect(statement.line).toBe(2);
    expect(statement.verdict).toBe("fails");
    expect(statement.violation).toMatchObject({ kind: "check", table: "moments", constraint: "moments_body_short", rule: 'CHECK (char_length("body") <= 20)', rows: 10 });
    const expectedSample = await query<{ id: string }>(prod.db.url, "SELECT id::text FROM moments WHERE char_length(body) > 20 ORDER BY id LIMIT 5");
    expect(statement.violation.sample).toEqual(expectedSample.map((row) => `id=${row.id}`));
    expect(result.json.blockers).toEqual([expect.objectContaining({ code: "MIGRATION_FAILS", message: expect.stringContaining("0003_body_short/migration.sql line 2 fails on production's data") })]);

    const markdown = await readFile(comment, "utf8");
    expect(await readFile(summary, "utf8")).toBe(markdown);
    expect(markdown.startsWith("<!-- dbship-plan -->\n## dbship plan: 1 pending migration(s) for ")).toBe(true);
    expect(markdown).toContain("⛔ 1 problem(s) would stop the deploy");
    expect(markdown).toContain(`| ⛔ | 2 | \`ALTER TABLE "moments" ADD CONSTRAINT "moments_body_short" CHECK (char_length("body") <=…\` | fails: 10 row(s) of \`moments\` violate CHECK (char_length("body") <= 20) (e.g. id=${expectedSample[0]?.id};`);
    expect(await productionState()).toEqual(before);
  });
});
