// Where Prisma connects, read with each Prisma version's own config loader: the project's Prisma
// 6.19 CLI, and @prisma/config 7 (installed as prisma-config-7) for Prisma 7's reading. The
// Prisma 7 CLI cannot run here (its engine cannot be downloaded), its loader can.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findPrismaCli, type PrismaCli } from "../../src/prisma/prisma-cli.js";
import { PrismaConnections } from "../../src/prisma-target/prisma-connections.js";
import { repoRoot } from "../support/project.js";

const SCHEMA = `datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n\nmodel A {\n  id Int @id\n}\n`;
const PROD = "postgresql://app:secret@db.example.com:5432/app";
const POOLED = "postgresql://app:secret@ep-quiet-1234-pooler.eu.aws.neon.tech/app";
const SCRATCH = "postgresql://app:secret@scratch.example.com:5432/dbship-scratch-1";

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-cfg-"));
  dirs.push(dir);
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "p", private: true, type: "module" }));
  for (const [file, content] of Object.entries({ "prisma/schema.prisma": SCHEMA, ...files })) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

/**
 * A Prisma 7 project as far as configuration goes: its `prisma` package re-exports @prisma/config
 * 7 as `prisma/config` (as the real one does), so the config file and dbship's reader both get
 * Prisma 7's loader. Everything else resolves from the repository's node_modules.
 */
async function prisma7(root: string): Promise<PrismaCli> {
  await rm(path.join(root, "node_modules"));
  const modules = path.join(root, "node_modules");
  const prisma = path.join(modules, "prisma");
  await mkdir(path.join(modules, "@prisma"), { recursive: true });
  await mkdir(prisma, { recursive: true });
  await symlink(path.join(repoRoot, "node_modules", "prisma-config-7"), path.join(modules, "@prisma", "config"), "dir");
  await writeFile(path.join(prisma, "package.json"), JSON.stringify({ name: "prisma", version: "7.10.1", exports: { "./config": "./config.js", "./package.json": "./package.json" } }));
  await writeFile(path.join(prisma, "config.js"), 'module.exports = require("@prisma/config");\n');
  return { version: "7.10.1", major: 7, minor: 10, entry: path.join(prisma, "build/index.js"), packageJson: path.join(prisma, "package.json") };
}

function open(cli: PrismaCli, root: string, env: Record<string, string>, databaseUrlEnv = "DATABASE_URL") {
  return PrismaConnections.open({ cli, root, schemaPath: undefined, migrationsDir: undefined, databaseUrlEnv, productionUrl: PROD, tripwire: false, env });
}

describe("Prisma 7: datasource in prisma.config.ts", () => {
  it("env('DIRECT_URL') is the variable Migrate reads; every connection variable gets the scratch URL", async () => {
    const root = await project({ "prisma.config.ts": `import { defineConfig, env } from "prisma/config";\nexport default defineConfig({ schema: "prisma/schema.prisma", datasource: { url: env("DIRECT_URL") } });\n` });
    const connections = await open(await prisma7(root), root, { DATABASE_URL: POOLED, DIRECT_URL: PROD, PATH: process.env.PATH ?? "" });
    expect(connections.route).toEqual({ source: "datasource.url in prisma.config.ts", variables: ["DIRECT_URL"], fixed: [] });
    const env = connections.scratchEnv(SCRATCH);
    expect(env.DIRECT_URL).toBe(SCRATCH);
    expect(env.DATABASE_URL).toBe(SCRATCH);
    expect(connections.productionEnv(PROD)).toMatchObject({ DIRECT_URL: PROD, DATABASE_URL: PROD });
  });

  it("DIRECT_DATABASE_URL || DATABASE_URL: the first that is set", async () => {
    const root = await project({ "prisma.config.ts": `import { defineConfig } from "prisma/config";\nexport default defineConfig({ datasource: { url: process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL } });\n` });
    const cli = await prisma7(root);
    const both = await open(cli, root, { DATABASE_URL: POOLED, DIRECT_DATABASE_URL: PROD });
    expect(both.route.variables).toEqual(["DIRECT_DATABASE_URL"]);
    const one = await open(cli, root, { DATABASE_URL: PROD });
    expect(one.route.variables).toEqual(["DATABASE_URL"]);
  });

  it("env() of a variable that is not set is found from Prisma's own error and pointed at the scratch too", async () => {
    const root = await project({ "prisma.config.ts": `import { defineConfig, env } from "prisma/config";\nexport default defineConfig({ datasource: { url: env("MIGRATE_URL") } });\n` });
    const connections = await open(await prisma7(root), root, { DATABASE_URL: PROD });
    expect(connections.route.variables).toEqual(["MIGRATE_URL"]);
    expect(connections.scratchEnv(SCRATCH).MIGRATE_URL).toBe(SCRATCH);
  });

  it("a URL written in the file is a fixed connection", async () => {
    const root = await project({ "prisma.config.ts": `import { defineConfig } from "prisma/config";\nexport default defineConfig({ datasource: { url: ${JSON.stringify(PROD)} } });\n` });
    const connections = await open(await prisma7(root), root, { DATABASE_URL: PROD });
    expect(connections.route).toMatchObject({ variables: [], fixed: ["db.example.com:5432/app"] });
  });
});

describe("Prisma 6.19", () => {
  it("engine classic: datasource url and directUrl both count", async () => {
    const root = await project({
      "prisma.config.ts": `import { defineConfig, env } from "prisma/config";\nexport default defineConfig({ engine: "classic", datasource: { url: env("DATABASE_URL"), directUrl: env("DIRECT_URL") } });\n`,
    });
    const connections = await open(findPrismaCli(repoRoot), root, { DATABASE_URL: POOLED, DIRECT_URL: PROD });
    expect(connections.route.source).toBe("datasource.directUrl in prisma.config.ts");
    expect(connections.route.variables.sort()).toEqual(["DATABASE_URL", "DIRECT_URL"]);
    expect(connections.facts.engine).toBe("classic");
  });

  it("no config file: schema.prisma's directUrl, read without running anything", async () => {
    const root = await project({
      "prisma/schema.prisma": SCHEMA.replace('url      = env("DATABASE_URL")', 'url      = env("DATABASE_URL")\n  directUrl = env("DIRECT_URL")'),
    });
    const connections = await open(findPrismaCli(repoRoot), root, { DATABASE_URL: POOLED, DIRECT_URL: PROD });
    expect(connections.facts.file).toBeUndefined();
    expect(connections.route).toEqual({ source: "directUrl in prisma/schema.prisma", variables: ["DIRECT_URL", "DATABASE_URL"], fixed: [] });
  });

  it("a driver adapter: the variable it reads is found from the socket it would open, and nothing is connected", async () => {
    const root = await project({
      "prisma.config.ts": `import { defineConfig } from "prisma/config";\nimport { PrismaPg } from "@prisma/adapter-pg";\nexport default defineConfig({ experimental: { adapter: true }, engine: "js", async adapter() { return new PrismaPg({ connectionString: process.env.DIRECT_URL }); } });\n`,
    });
    const connections = await open(findPrismaCli(repoRoot), root, { DATABASE_URL: POOLED, DIRECT_URL: PROD });
    expect(connections.route).toEqual({ source: "the driver adapter in prisma.config.ts", variables: ["DIRECT_URL"], fixed: [] });
    expect(connections.facts.engine).toBe("js");
  });

  it("the engine is what the loader evaluates, not what a comment says", async () => {
    const root = await project({
      "prisma.config.ts": `import { defineConfig, env } from "prisma/config";\n// engine: "js" was tried and reverted\nexport default defineConfig({ engine: "classic", datasource: { url: env("DATABASE_URL") } });\n`,
    });
    const connections = await open(findPrismaCli(repoRoot), root, { DATABASE_URL: PROD });
    expect(connections.facts.engine).toBe("classic");
  });

  it("a schema folder and a migrations path from the config", async () => {
    const root = await project({
      "prisma/schema/main.prisma": SCHEMA,
      "prisma.config.ts": `import { defineConfig } from "prisma/config";\nexport default defineConfig({ engine: "classic", schema: "prisma/schema", migrations: { path: "db/migrations" }, datasource: { url: "${PROD}" } });\n`,
    });
    const connections = await open(findPrismaCli(repoRoot), root, { DATABASE_URL: PROD });
    expect(connections.files).toEqual({ schemaPath: path.join(root, "prisma/schema"), migrationsDir: path.join(root, "db/migrations") });
  });
});

describe("the environment of a run that must not reach production", () => {
  it("replaces every connection string — environment, .env files, key=value form, PG* variables — and nothing else", async () => {
    const root = await project({ ".env": `SHADOW="host=db.example.com dbname=app user=app"\nOTHER=hello\n` });
    const env = { DATABASE_URL: PROD, REPLICA_URL: POOLED, PGHOST: "db.example.com", PGDATABASE: "app", REDIS_URL: "redis://cache:6379", HOME: "/root" };
    const connections = await open(findPrismaCli(repoRoot), root, env);
    const scratch = connections.scratchEnv(SCRATCH);
    expect(scratch).toMatchObject({ DATABASE_URL: SCRATCH, REPLICA_URL: SCRATCH, REDIS_URL: "redis://cache:6379", HOME: "/root", PGHOST: "scratch.example.com", PGDATABASE: "dbship-scratch-1" });
    expect(scratch.SHADOW).toBe("host='scratch.example.com' port='5432' dbname='dbship-scratch-1' user='app' password='secret'");
    expect(scratch.OTHER).toBeUndefined();
    expect(Object.values(scratch).some((value) => value.includes("db.example.com") || value.includes("neon.tech"))).toBe(false);
  });
});
