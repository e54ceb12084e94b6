// Every refusal of dbship deploy: exit 3 (or 2 for bad input), the reason and the fix, and
// nothing changed in production.
import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { acquireDeployLock, type DeployLock } from "../../src/migrations/deploy-lock.js";
import { runDbship, runPrisma } from "../support/cli.js";
import { adminUrl, createTestDatabase, databaseExists, databasesLike, query, uniqueName, type TestDatabase } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

describe("dbship deploy refuses", () => {
  let prod: Production | undefined;
  let extra: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const undo of extra.reverse()) await undo();
    extra = [];
    await prod?.cleanup();
    prod = undefined;
  });

  async function expectUnchanged(run: () => Promise<void>) {
    const ledger = await prod!.ledger();
    const rows = await prod!.moments();
    await run();
    expect(await prod!.ledger()).toEqual(ledger);
    expect(await prod!.moments()).toEqual(rows);
    expect(await databasesLike(prod!.prefix)).toEqual([]);
  }

  it("a failed migration in production, with both prisma migrate resolve lines", async () => {
    prod = await createProduction({ titles: ["x".repeat(250)] });
    // A real failed deploy by Prisma itself leaves the failed row.
    const failed = await runPrisma(["migrate", "deploy"], { cwd: prod.project.dir, databaseUrl: prod.db.url });
    expect(failed.exitCode).toBe(1);
    await expectUnchanged(async () => {
      const result = await prod!.dbship(["deploy"]);
      expect(result.exitCode).toBe(3);
      expect(result.output).toMatch(/production has 1 failed migration\(s\): 0002_moment_title_length \(started .*moments_title_length/);
      expect(result.output).toContain("npx prisma migrate resolve --rolled-back 0002_moment_title_length");
      expect(result.output).toContain("npx prisma migrate resolve --applied 0002_moment_title_length");
    });
  });

  it("a migration edited after it was applied", async () => {
    prod = await createProduction();
    await prod.project.writeFile("prisma/migrations/0001_baseline/migration.sql", "-- edited\nSELECT 1;\n");
    await expectUnchanged(async () => {
      const result = await prod!.dbship(["deploy", "--json"]);
      expect(result.exitCode).toBe(3);
      expect(result.json.error.code).toBe("MIGRATIONS_MODIFIED");
      expect(result.json.error.message).toContain("0001_baseline");
      expect(result.json.error.hint).toContain("new migration");
    });
  });

  it("does not mistake CRLF line endings for an edit", async () => {
    prod = await createProduction({ applied: 2 });
    const { readFile } = await import("node:fs/promises");
    const file = `${prod.project.migrationsDir}/0001_baseline/migration.sql`;
    await prod.project.writeFile("prisma/migrations/0001_baseline/migration.sql", (await readFile(file, "utf8")).replace(/\n/g, "\r\n"));
    const result = await prod.dbship(["deploy"]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain("up to date");
  });

  it("a migration applied in production that is missing from the folder", async () => {
    prod = await createProduction({ applied: 2 });
    await prod.project.removeMigration("0002_moment_title_length");
    await expectUnchanged(async () => {
      const result = await prod!.dbship(["deploy"]);
      expect(result.exitCode).toBe(3);
      expect(result.output).toContain("production has applied migration(s) that are not in prisma/migrations: 0002_moment_title_length");
    });
  });

  it("a database without _prisma_migrations, pointing to dbship baseline", async () => {
    const db = await createTestDatabase("pushed");
    extra.push(() => db.drop());
    await query(db.url, "CREATE TABLE moments (id uuid PRIMARY KEY, title text NOT NULL)");
    const project = await createProject();
    extra.push(() => project.cleanup());
    const result = await runDbship(["deploy"], { cwd: project.dir, env: { DATABASE_URL: db.url } });
    expect(result.exitCode).toBe(3);
    expect(result.output).toContain("has no _prisma_migrations table");
    expect(result.output).toContain("dbship baseline");
    expect(await query(db.url, "SELECT to_regclass('_prisma_migrations') AS t")).toEqual([{ t: null }]);
  });

  it("a DATABASE_URL naming a database that does not exist (Prisma would create and migrate it)", async () => {
    const project = await createProject();
    extra.push(() => project.cleanup());
    const missing = uniqueName("typo");
    const url = adminUrl().replace(/\/postgres$/, `/${missing}`);
    const result = await runDbship(["deploy"], { cwd: project.dir, env: { DATABASE_URL: url } });
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain(`database ${missing} does not exist`);
    expect(await databaseExists(missing)).toBe(false);
  });

  it("while another deploy holds the deploy lock, and says who holds it", async () => {
    prod = await createProduction();
    const lock: DeployLock = await acquireDeployLock(adminUrl(), prod.db.name, "deploy");
    extra.push(() => lock.release());
    await expectUnchanged(async () => {
      const result = await prod!.dbship(["deploy"]);
      expect(result.exitCode).toBe(3);
      expect(result.output).toMatch(new RegExp(`another deploy is running on ${prod!.db.name}: dbship deploy \\(.*pid ${process.pid}\\)`));
    });
    await lock.release();
    const after = await prod.dbship(["deploy", "--no-rehearsal"]);
    expect(after.exitCode, after.stderr).toBe(0);
  });

  it("when other sessions are connected to production, unless --terminate-connections", async () => {
    prod = await createProduction();
    const app = new pg.Client({ connectionString: prod.db.url, application_name: "the-app" });
    app.on("error", () => undefined);
    await app.connect();
    extra.push(() => app.end().catch(() => undefined));
    await expectUnchanged(async () => {
      const result = await prod!.dbship(["deploy"]);
      expect(result.exitCode).toBe(3);
      expect(result.output).toMatch(/1 other session\(s\) are connected to .*the-app/);
      expect(result.output).toContain("--terminate-connections");
    });
    const forced = await prod.dbship(["deploy", "--terminate-connections"]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("terminating 1 session(s)");
  });
});

describe("dbship bad input exits 2 with a one-line cause", () => {
  let project: TestProject | undefined;
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await db?.drop();
    project = undefined;
    db = undefined;
  });

  it("an unknown flag", async () => {
    project = await createProject();
    const result = await runDbship(["deploy", "--frobnicate"], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("✖ unknown option '--frobnicate' [USAGE]");
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("a config file with a wrong field, naming the field", async () => {
    project = await createProject({ config: { provider: "mysql", snapshot: { retentionDays: "seven" } } });
    const result = await runDbship(["deploy"], { cwd: project.dir, env: { DATABASE_URL: "postgresql://x@127.0.0.1/x" } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split("\n")[0]).toMatch(/dbship\.config\.json: provider: .*postgres.*neon.*; snapshot\.retentionDays: .*number/);
  });

  it("an unknown config field", async () => {
    project = await createProject({ config: { rehersal: false } });
    const result = await runDbship(["deploy", "--json"], { cwd: project.dir, env: { DATABASE_URL: "postgresql://x@127.0.0.1/x" } });
    expect(result.exitCode).toBe(2);
    expect(result.json.error.code).toBe("CONFIG_INVALID");
    expect(result.json.error.message).toContain("unknown field rehersal");
  });

  it("a missing DATABASE_URL", async () => {
    project = await createProject();
    const result = await runDbship(["deploy"], { cwd: project.dir, env: { DATABASE_URL: "" } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("✖ DATABASE_URL is not set [ENV_MISSING]");
  });

  it("with --json, an error before any step is still one JSON document naming the command", async () => {
    project = await createProject();
    const result = await runDbship(["--json", "snapshot", "list"], { cwd: project.dir, env: { DATABASE_URL: "" } });
    expect(result.exitCode).toBe(2);
    expect(result.json).toMatchObject({ command: "snapshot list", ok: false, exitCode: 2, error: { code: "ENV_MISSING", message: "DATABASE_URL is not set" } });
    expect(result.stderr).toBe("");
  });

  it("a --config path that does not exist", async () => {
    project = await createProject();
    const result = await runDbship(["deploy", "--config", "nope.json"], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("config file not found");
  });
});
