// Extensions on the scratch databases: a history that uses citext (`@db.Citext`) and a pg_trgm
// operator class (a GIN index with gin_trgm_ops) passes the schema check, on the embedded server,
// on --shadow-url and in deploy's preflight; an extension the scratch server cannot provide is a
// refusal (exit 3) that names it.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { adminUrl, databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

const EXTENSION_MIGRATION = `CREATE EXTENSION IF NOT EXISTS "citext";
CREATE EXTENSION IF NOT EXISTS "pg_trgm";
ALTER TABLE "moments" ADD COLUMN "email" CITEXT;
-- dbship:allow require-concurrent-index-creation the table is small
CREATE INDEX "moments_title_trgm_idx" ON "moments" USING GIN ("title" gin_trgm_ops);
`;

async function useExtensionsInSchema(project: TestProject, extra = "") {
  const file = path.join(project.dir, "prisma/schema.prisma");
  let schema = await readFile(file, "utf8");
  schema = schema.replace("  body      String?", "  body      String?\n  email     String?  @db.Citext");
  schema = schema.replace("  @@index([createdAt])", '  @@index([createdAt])\n  @@index([title(ops: raw("gin_trgm_ops"))], type: Gin, map: "moments_title_trgm_idx")');
  await project.writeFile("prisma/schema.prisma", schema + extra);
}

describe("extensions on the schema check's scratch databases", () => {
  let project: TestProject | undefined;
  let prod: Production | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await prod?.cleanup();
    project = undefined;
    prod = undefined;
  });

  for (const server of ["embedded", "shadow-url"] as const) {
    it(`dbship check (${server}) agrees on a history that uses citext and gin_trgm_ops`, async () => {
      project = await createProject({ extra: { "0003_email_and_trigram": EXTENSION_MIGRATION } });
      await useExtensionsInSchema(project);
      const flags = server === "embedded" ? [] : ["--shadow-url", adminUrl()];
      const result = await runDbship(["check", ...flags, "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.json).toMatchObject({ inSync: true, differences: [] });
    });
  }

  it("dbship deploy takes a migration that creates and uses extensions (preflight no longer fails)", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_email_and_trigram": EXTENSION_MIGRATION } });
    await useExtensionsInSchema(prod.project);
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.migrations.applied).toEqual(["0003_email_and_trigram"]);
    expect(await query(prod.db.url, "SELECT extname FROM pg_extension WHERE extname IN ('citext', 'pg_trgm') ORDER BY 1")).toEqual([
      { extname: "citext" },
      { extname: "pg_trgm" },
    ]);
  });

  it("production's own extensions are on the scratch databases (a migration uses citext that production got by hand)", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_email": 'ALTER TABLE "moments" ADD COLUMN "email" CITEXT;\n' } });
    await query(prod.db.url, "CREATE EXTENSION citext");
    const schema = await readFile(path.join(prod.project.dir, "prisma/schema.prisma"), "utf8");
    await prod.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?", "  body      String?\n  email     String?  @db.Citext"));
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.migrations.applied).toEqual(["0003_email"]);
  });

  it("an extension the scratch server cannot provide is a refusal naming it: check and deploy exit 3", async () => {
    prod = await createProduction({ applied: 2, extra: { "0003_vector": 'CREATE EXTENSION IF NOT EXISTS "vector";\n' } });
    const check = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: prod.project.dir, env: { DATABASE_URL: undefined } });
    expect(check.exitCode, check.stdout).toBe(3);
    expect(check.json.error).toMatchObject({ code: "EXTENSION_UNAVAILABLE", message: expect.stringContaining('"vector"') });
    const ledger = await prod.ledger();
    const deploy = await prod.dbship(["deploy", "--json"]);
    expect(deploy.exitCode, deploy.stdout).toBe(3);
    expect(deploy.json.error.code).toBe("EXTENSION_UNAVAILABLE");
    expect(deploy.json.steps.map((step: { status: string }) => step.status)).toEqual(["failed", "skipped", "skipped", "skipped", "skipped"]);
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });
});
