// Lint in the deploy pipeline and `dbship lint` alone; the rehearsal tying a data failure back
// to the statement and the rows.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

describe("lint in preflight", () => {
  let prod: Production | undefined;
  let project: TestProject | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    await project?.cleanup();
    prod = undefined;
    project = undefined;
  });

  it("refuses a migration that drops a column without --allow-destructive, and proceeds with it", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_drop_body": 'ALTER TABLE "moments" DROP COLUMN "body";\n' } });
    const schema = await readFile(path.join(prod.project.dir, "prisma/schema.prisma"), "utf8");
    await prod.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?\n", ""));
    const ledger = await prod.ledger();

    const refused = await prod.dbship(["deploy", "--json"]);
    expect(refused.exitCode).toBe(3);
    expect(refused.json.error.code).toBe("LINT_ERRORS");
    expect(refused.json.error.message).toMatch(/0003_drop_body:1:1 error ban-drop-column/);
    expect(refused.json.lint.findings.filter((f: { severity: string }) => f.severity === "error")).toEqual([
      expect.objectContaining({ rule: "ban-drop-column", severity: "error", migration: "0003_drop_body", line: 1, column: 1 }),
    ]);
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(prod.prefix)).toEqual([]);

    const allowed = await prod.dbship(["deploy", "--allow-destructive"]);
    expect(allowed.exitCode, allowed.output).toBe(0);
    expect(allowed.stdout).toContain("ban-drop-column");
    expect(await query(prod.db.url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'moments' AND column_name = 'body'")).toEqual([]);
  });

  it("reports the lint refusal first when the schema check, which runs alongside, fails too", async () => {
    // schema.prisma still has body: the check disagrees with the migrations as well.
    prod = await createProduction({ applied: 2, extra: { "0003_drop_body": 'ALTER TABLE "moments" DROP COLUMN "body";\n' } });
    const ledger = await prod.ledger();
    const refused = await prod.dbship(["deploy", "--json"]);
    expect(refused.exitCode).toBe(3);
    expect(refused.json.error.code).toBe("LINT_ERRORS");
    expect(refused.stderr).toMatch(/schema check: replaying 3 migration\(s\)/);
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });

  it("records acknowledged findings with their reason and lets the deploy through", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json.lint).toMatchObject({ errors: 0, acknowledged: 2 });
    expect(result.json.lint.findings).toEqual([
      expect.objectContaining({ rule: "constraint-missing-not-valid", acknowledged: { reason: "moments is small, the full scan takes milliseconds", by: "comment" } }),
      expect.objectContaining({ rule: "require-lock-timeout", acknowledged: { reason: "the lock is held for milliseconds on a small table", by: "comment" } }),
    ]);
    expect(result.json.warnings).toEqual([]);
    expect(result.stderr).toContain("lint: 1 statement(s), 0 error(s), 0 warning(s), 2 acknowledged");
  });

  it("a rehearsal that fails on the Moment CHECK constraint names it and counts the violating rows", async () => {
    prod = await createProduction({ titles: ["fine", "x".repeat(250), "y".repeat(201)] });
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe("REHEARSAL_FAILED");
    expect(result.json.rehearsalFailure).toMatchObject({
      kind: "check",
      table: "moments",
      constraint: "moments_title_length",
      violatingRows: 2,
      line: 10,
    });
    expect(result.json.error.message).toContain('2 row(s) of moments violate moments_title_length: CHECK (char_length("title") <= 200), at 0002_moment_title_length/migration.sql line 10');
  });

  it("a NOT NULL column added over existing rows is tied back to the nulls it meets", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_subtitle_required": 'ALTER TABLE "moments" ADD COLUMN "subtitle" TEXT;\nALTER TABLE "moments" ALTER COLUMN "subtitle" SET NOT NULL;\n' } });
    const schema = await readFile(path.join(prod.project.dir, "prisma/schema.prisma"), "utf8");
    await prod.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?", "  body      String?\n  subtitle  String"));
    const result = await prod.dbship(["deploy", "--json", "--allow-destructive"]);
    expect(result.exitCode, result.stdout).toBe(1);
    // Prisma 6's adapter path drops the column from the database's message ("Null constraint
    // failed:"): the explanation finds it from the migration and the data.
    expect(result.json.error.message).toContain("2 row(s) of moments have subtitle = NULL, which the statement at 0003_subtitle_required/migration.sql line 2 forbids");
    expect(result.json.rehearsalFailure).toMatchObject({ kind: "not-null", column: "subtitle", violatingRows: 2, line: 2 });
  });
});

describe("dbship lint", () => {
  let project: TestProject | undefined;
  let prod: Production | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await prod?.cleanup();
    project = undefined;
    prod = undefined;
  });

  it("exits 0 on the example project without a database, and 1 with a dangerous migration", async () => {
    project = await createProject();
    const clean = await runDbship(["lint"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(clean.exitCode, clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(/2 migration\(s\), \d+ statement\(s\): 0 error\(s\), 0 warning\(s\), 2 acknowledged/);

    await project.addMigration("0003_rename", 'ALTER TABLE "moments" RENAME COLUMN "body" TO "text";\n');
    const dangerous = await runDbship(["lint", "0003_rename", "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(dangerous.exitCode).toBe(1);
    expect(dangerous.json.findings.filter((f: { severity: string }) => f.severity === "error")).toEqual([
      expect.objectContaining({ rule: "renaming-column", severity: "error", line: 1 }),
    ]);
  });

  it("reports SQL the parser rejects with its position", async () => {
    project = await createProject({ extra: { "0003_typo": 'ALTER TABLE "moments"\n  ADD COLUMN "x" TEXT NOT NUL;\n' } });
    const result = await runDbship(["lint", "0003_typo", "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode).toBe(1);
    expect(result.json.findings[0]).toMatchObject({ rule: "parse-error", line: 2 });
    expect(result.json.findings[0].message).toMatch(/syntax error/);
  });

  it("with DATABASE_URL lints what is pending in production", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["lint", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json).toMatchObject({ against: "production", migrations: ["0002_moment_title_length"] });
  });
});
