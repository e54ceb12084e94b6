// schema.prisma ↔ migrations: `dbship check` alone, and the same check refusing a deploy.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { adminUrl, databasesLike } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, repoRoot, type TestProject } from "../support/project.js";

async function editSchema(project: TestProject, from: string, to: string) {
  const file = path.join(project.dir, "prisma/schema.prisma");
  const schema = await readFile(file, "utf8");
  expect(schema).toContain(from);
  await project.writeFile("prisma/schema.prisma", schema.replace(from, to));
}

describe("dbship check", () => {
  let project: TestProject | undefined;
  let prod: Production | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await prod?.cleanup();
    project = undefined;
    prod = undefined;
  });

  it("works without DATABASE_URL on an embedded PostgreSQL; the example's CHECK constraint is not drift", async () => {
    project = await createProject();
    const result = await runDbship(["check", "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ command: "check", inSync: true, server: "an embedded PostgreSQL", migrations: 2, differences: [] });
    expect(result.json.notCompared).toEqual(["check moments.moments_title_length"]);
  });

  it("a larger schema (enums, composite keys, relations, indexes, defaults) equals its own migrations", async () => {
    project = await createProject({ prismaDir: path.join(repoRoot, "test/fixtures/larger-schema/prisma") });
    const result = await runDbship(["check", "--shadow-url", adminUrl()], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("schema.prisma and the 2 migration(s) agree");
  });

  it("names the column that schema.prisma has and no migration creates", async () => {
    project = await createProject();
    await editSchema(project, "  body      String?", "  body      String?\n  subtitle  String?");
    const result = await runDbship(["check", "--shadow-url", adminUrl()], { cwd: project.dir });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain("column moments.subtitle (text) is in schema.prisma but not in the migrations");
  });

  it("names the index a migration creates that schema.prisma does not declare", async () => {
    project = await createProject({ extra: { "0003_title_index": 'CREATE INDEX "moments_title_idx" ON "moments"("title");\n' } });
    const result = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: project.dir });
    expect(result.exitCode).toBe(3);
    expect(result.json.differences).toEqual([
      expect.objectContaining({ kind: "index", message: expect.stringMatching(/index "moments_title_idx" on moments\(title\) is in the migrations but not in schema\.prisma/) }),
    ]);
  });

  it("dbship deploy refuses a schema edit without its migration even when nothing is pending", async () => {
    prod = await createProduction({ applied: 2 });
    await editSchema(prod.project, "  body      String?", "  body      String?\n  subtitle  String?");
    const result = await prod.dbship(["deploy"]);
    expect(result.exitCode).toBe(3);
    expect(result.output).toContain("column moments.subtitle (text) is in schema.prisma but not in the migrations");
    expect(result.output).not.toContain("up to date");
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });

  it("dbship deploy refuses at preflight when schema.prisma has a change without a migration, and production is untouched", async () => {
    prod = await createProduction();
    await editSchema(prod.project, "  body      String?", "  body      String?\n  subtitle  String?");
    const ledger = await prod.ledger();
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(3);
    expect(result.json.error.code).toBe("SCHEMA_OUT_OF_SYNC");
    expect(result.json.error.message).toContain("column moments.subtitle (text) is in schema.prisma but not in the migrations");
    expect(result.json.steps.map((step: { status: string }) => step.status)).toEqual(["failed", "skipped", "skipped", "skipped", "skipped"]);
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });
});
