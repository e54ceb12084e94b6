// dbship plan's read-only preflight: it refuses what deploy refuses (exit 3, the report written
// all the same), takes no deploy lock, and says "nothing to measure" when nothing is pending.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDeployLock } from "../../src/migrations/deploy-lock.js";
import { runPrisma } from "../support/cli.js";
import { adminUrl, databasesLike } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

describe("dbship plan's preflight", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("refuses a production with a failed migration: exit 3, and the comment file says why", async () => {
    prod = await createProduction({ titles: ["x".repeat(250)] });
    const failed = await runPrisma(["migrate", "deploy"], { cwd: prod.project.dir, databaseUrl: prod.db.url });
    expect(failed.exitCode).toBe(1);
    const ledger = await prod.ledger();
    const comment = path.join(os.tmpdir(), `dbship-plan-refused-${process.pid}.md`);
    const result = await prod.dbship(["plan", "--comment-file", comment]);
    expect(result.exitCode, result.output).toBe(3);
    const markdown = await readFile(comment, "utf8");
    expect(markdown).toMatch(/^<!-- dbship-plan -->\n## dbship plan for `[^`]+` — ⛔ MIGRATIONS_FAILED\n\n\*\*MIGRATIONS_FAILED\*\*: production has 1 failed migration\(s\): 0002_moment_title_length/);
    expect(result.stdout).toBe(markdown.trimEnd());
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(`dbship-scratch-${prod.db.name}`)).toEqual([]);
  });

  it("runs while a deploy holds the deploy lock, and reports nothing pending with exit 0", async () => {
    prod = await createProduction({ applied: 2 });
    const lock = await acquireDeployLock(adminUrl(), prod.db.name, "deploy");
    try {
      const result = await prod.dbship(["plan", "--json"]);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.json).toMatchObject({ ok: true, pending: [], migrations: [], blockers: [], schemaCheck: { inSync: true } });
    } finally {
      await lock.release();
    }
  });

  it("refuses a threshold that is not a number: exit 2", async () => {
    prod = await createProduction({ applied: 2 });
    const result = await prod.dbship(["plan", "--threshold-ms", "soon"]);
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain('--threshold-ms must be a number of milliseconds, got "soon"');
  });

  it("measures a migration that writes its own BEGIN/COMMIT, and counts the rows its CHECK rejects", async () => {
    prod = await createProduction({
      applied: 2,
      titles: ["short", "a rather long title"],
      extra: {
        "0003_wrapped": ["BEGIN;", 'ALTER TABLE "moments" ADD CONSTRAINT "moments_title_tiny" CHECK (char_length("title") <= 5);', "COMMIT;", ""].join("\n"),
      },
    });
    const result = await prod.dbship(["plan", "--json", "--allow", "require-lock-timeout,constraint-missing-not-valid"]);
    expect(result.exitCode, result.output).toBe(3);
    const statements = result.json.migrations[0].statements;
    expect(statements.map((s: { line: number; transaction: string }) => [s.line, s.transaction])).toEqual([
      [1, "own"],
      [2, "file"],
    ]);
    expect(statements[1].violation).toMatchObject({ kind: "check", rows: 1, rule: 'CHECK (char_length("title") <= 5)' });
  });
});
