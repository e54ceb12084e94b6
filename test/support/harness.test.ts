import { afterEach, describe, expect, it } from "vitest";
import { runPrisma } from "./cli.js";
import { createProject, type TestProject } from "./project.js";
import { createTestDatabase, query, type TestDatabase } from "./postgres.js";

describe("test harness", () => {
  let project: TestProject | undefined;
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await db?.drop();
  });

  it("runs the real Prisma CLI against a database of the embedded PostgreSQL", async () => {
    project = await createProject({ migrations: 1 });
    db = await createTestDatabase();
    const result = await runPrisma(["migrate", "deploy"], { cwd: project.dir, databaseUrl: db.url });
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const rows = await query(db.url, "SELECT migration_name, finished_at FROM _prisma_migrations");
    expect(rows.map((row) => row.migration_name)).toEqual(["0001_baseline"]);
    expect(rows[0]?.finished_at).not.toBeNull();
  });
});
