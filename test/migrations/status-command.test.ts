// dbship status: the preflight report alone, with prisma migrate status's exit code for pending.
import { afterEach, describe, expect, it } from "vitest";
import { runDbship, runPrisma } from "../support/cli.js";
import { createTestDatabase, query } from "../support/postgres.js";
import { createProject } from "../support/project.js";
import { createProduction, type Production } from "../support/production.js";

describe("dbship status", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("exits 1 with the pending migration listed", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["status"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/0001_baseline\s+applied\s+\d{4}-/);
    expect(result.stdout).toMatch(/0002_moment_title_length\s+pending/);
    expect(result.stdout).toContain("1 pending: run `dbship deploy`");
  });

  it("exits 0 when up to date, with --json matching the report", async () => {
    prod = await createProduction({ applied: 2 });
    const result = await prod.dbship(["status", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json).toMatchObject({ command: "status", ok: true, exitCode: 0, managed: true, migrations: { applied: ["0001_baseline", "0002_moment_title_length"], pending: [] } });
  });

  it("exits 3 for a failed migration, and for an edited one that prisma migrate status calls up to date", async () => {
    prod = await createProduction({ titles: ["x".repeat(250)] });
    await runPrisma(["migrate", "deploy"], { cwd: prod.project.dir, databaseUrl: prod.db.url });
    const failed = await prod.dbship(["status", "--json"]);
    expect(failed.exitCode).toBe(3);
    expect(failed.json.migrations.failed).toEqual(["0002_moment_title_length"]);

    await prod.cleanup();
    prod = await createProduction({ applied: 2 });
    await prod.project.writeFile("prisma/migrations/0002_moment_title_length/migration.sql", "-- edited after deploy\n");
    const prisma = await runPrisma(["migrate", "status"], { cwd: prod.project.dir, databaseUrl: prod.db.url });
    expect(prisma.exitCode).toBe(0);
    const edited = await prod.dbship(["status"]);
    expect(edited.exitCode).toBe(3);
    expect(edited.stdout).toMatch(/0002_moment_title_length\s+modified/);
  });

  it("an unmanaged database gives one next step: an empty one is not told to baseline, a db push one is not told to deploy", async () => {
    const project = await createProject();
    const db = await createTestDatabase("unmanaged");
    try {
      const empty = await runDbship(["status", "--json"], { cwd: project.dir, env: { DATABASE_URL: db.url } });
      expect(empty.exitCode).toBe(3);
      expect(empty.json).toMatchObject({ managed: false, empty: true });
      const emptyText = (await runDbship(["status"], { cwd: project.dir, env: { DATABASE_URL: db.url } })).stdout;
      expect(emptyText).toContain("prisma migrate deploy");
      expect(emptyText).not.toContain("dbship baseline");
      expect(emptyText).not.toContain("pending: run `dbship deploy`");

      await query(db.url, "CREATE TABLE moments (id uuid PRIMARY KEY)");
      const pushed = await runDbship(["status"], { cwd: project.dir, env: { DATABASE_URL: db.url } });
      expect(pushed.exitCode).toBe(3);
      expect(pushed.stdout).toContain("dbship baseline");
      expect(pushed.stdout).not.toContain("pending: run `dbship deploy`");
    } finally {
      await project.cleanup();
      await db.drop();
    }
  });
});
