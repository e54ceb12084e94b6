// Configurations dbship cannot point at a scratch database are refused before anything writes;
// one that hides where it connects is caught by the probe; a run that still reaches production
// is caught by the tripwire. And the same guarantee for `dbship check --shadow-url` and
// `dbship baseline`.
import { afterEach, describe, expect, it } from "vitest";
import { pushSchema } from "../support/db-push.js";
import { createTestDatabase, query, adminUrl, type TestDatabase } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { runDbship } from "../support/cli.js";
import { createProject, type TestProject } from "../support/project.js";
import { adapterConfig, productionState, SETUPS } from "./setups.js";

const directUrlSetup = SETUPS[0]!;


describe("configurations dbship cannot redirect", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("a URL written in prisma.config.ts is refused before any Prisma run, naming the adapter", async () => {
    prod = await createProduction();
    await prod.project.writeFile("prisma.config.ts", adapterConfig(JSON.stringify(prod.db.url)));
    const before = await productionState(prod.db.url);
    const result = await prod.dbship(["deploy", "--dry-run"]);
    expect(await productionState(prod.db.url)).toBe(before);
    expect(result.exitCode, result.output).toBe(3);
    expect(result.output).toContain("the driver adapter in prisma.config.ts connects to production");
    expect(result.output).toContain("[PRISMA_TARGET_FIXED]");
  });

  it("a .env file loaded with override is refused before any Prisma run", async () => {
    prod = await createProduction();
    const override = `import { readFileSync } from "node:fs";
for (const line of readFileSync(".env", "utf8").split("\\n")) {
  const match = /^(\\w+)="?([^"]*)"?$/.exec(line);
  if (match) process.env[match[1]] = match[2];
}
`;
    await prod.project.writeFile("prisma.config.ts", adapterConfig("process.env.DIRECT_URL", override));
    await prod.project.writeFile(".env", `DIRECT_URL="${prod.db.url}"\n`);
    const before = await productionState(prod.db.url);
    const result = await prod.dbship(["deploy", "--dry-run"], { DIRECT_URL: prod.db.url });
    expect(await productionState(prod.db.url)).toBe(before);
    expect(result.exitCode, result.output).toBe(3);
    expect(result.output).toContain("connects to production");
  });

  it("a configuration that connects elsewhere only when Prisma runs is caught by the probe: exit 3, nothing written", async () => {
    prod = await createProduction();
    // Evaluated by dbship it reads DIRECT_URL; run by the Prisma CLI it goes to a URL kept in a file.
    await prod.project.writeFile("prisma/target.txt", prod.db.url);
    await prod.project.writeFile(
      "prisma.config.ts",
      adapterConfig(`process.argv.includes("migrate") ? readFileSync("prisma/target.txt", "utf8").trim() : process.env.DIRECT_URL`, `import { readFileSync } from "node:fs";\n`),
    );
    const before = await productionState(prod.db.url);
    const result = await prod.dbship(["deploy", "--dry-run"], { DIRECT_URL: prod.db.url });
    expect(await productionState(prod.db.url)).toBe(before);
    expect(result.exitCode, result.output).toBe(3);
    expect(result.output).toContain("[PRISMA_TARGET_UNPROVEN]");
    expect(result.output).toContain("Prisma does not connect where dbship points it");
  });

  it("a run that reaches production after the probe is caught by the tripwire: exit 1, said loudly", async () => {
    prod = await createProduction();
    // Honest for `migrate status` (the probe), production for `migrate deploy`.
    await prod.project.writeFile("prisma/target.txt", prod.db.url);
    await prod.project.writeFile(
      "prisma.config.ts",
      adapterConfig(`process.argv.includes("deploy") ? readFileSync("prisma/target.txt", "utf8").trim() : process.env.DIRECT_URL`, `import { readFileSync } from "node:fs";\n`),
    );
    const result = await prod.dbship(["deploy", "--dry-run"], { DIRECT_URL: prod.db.url });
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toContain("PRODUCTION CHANGED while dbship worked on another database");
    expect(result.output).toContain("[PRODUCTION_CHANGED]");
    expect(result.output).not.toContain("Nothing was changed in production");
  });
});

describe("the same guarantee for check --shadow-url and baseline", () => {
  let project: TestProject | undefined;
  let production: TestDatabase | undefined;
  let prod: Production | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await production?.drop();
    await prod?.cleanup();
    project = undefined;
    production = undefined;
    prod = undefined;
  });

  it("dbship check --shadow-url leaves production alone when the config reads DIRECT_URL", async () => {
    prod = await createProduction();
    await prod.project.writeFile("prisma.config.ts", directUrlSetup.config(prod.db.url));
    const before = await productionState(prod.db.url);
    const result = await runDbship(["check", "--shadow-url", adminUrl()], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url, DIRECT_URL: prod.db.url } });
    expect(await productionState(prod.db.url)).toBe(before);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain("schema.prisma and the migrations agree");
  });

  it("dbship baseline with the config reading DIRECT_URL marks production and changes nothing else", async () => {
    production = await createTestDatabase("pushed");
    project = await createProject({ migrations: 0 });
    await pushSchema(project.dir, production.url);
    await project.writeFile("prisma.config.ts", directUrlSetup.config(production.url));
    const schemaBefore = await query(production.url, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2");
    const env = { DATABASE_URL: production.url, DIRECT_URL: production.url };
    const baseline = await runDbship(["baseline", "--yes"], { cwd: project.dir, env });
    expect(baseline.exitCode, baseline.output).toBe(0);
    const ledger = await query(production.url, "SELECT migration_name FROM _prisma_migrations");
    expect(ledger.map((row) => row.migration_name)).toEqual(["0001_baseline"]);
    const schemaAfter = await query(production.url, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2");
    expect(schemaAfter).toEqual(schemaBefore);
    const status = await runDbship(["status"], { cwd: project.dir, env });
    expect(status.exitCode, status.output).toBe(0);
  });
});
