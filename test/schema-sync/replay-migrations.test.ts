// The check's whole-script replay (used when the project's Prisma sends each migration whole,
// i.e. not Prisma 6's `engine: "js"` path): real PostgreSQL, the example's migrations.
import { afterEach, describe, expect, it } from "vitest";
import { readLocalMigrations } from "../../src/migrations/local-migrations.js";
import { replayMigrations } from "../../src/schema-sync/replay-migrations.js";
import { createTestDatabase, query, type TestDatabase } from "../support/postgres.js";
import { createProject, type TestProject } from "../support/project.js";

describe("replayMigrations", () => {
  let db: TestDatabase | undefined;
  let project: TestProject | undefined;
  afterEach(async () => {
    await db?.drop();
    await project?.cleanup();
    db = undefined;
    project = undefined;
  });

  it("sends each script whole, in order: a dollar-quoted function body applies; a failing migration is named with PostgreSQL's error", async () => {
    project = await createProject({
      extra: {
        "0003_function": "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;\n",
        "0004_broken": 'ALTER TABLE "no_such_table" ADD COLUMN "x" integer;\n',
        "0005_never": 'ALTER TABLE "moments" ADD COLUMN "never" integer;\n',
      },
    });
    db = await createTestDatabase("replay");
    const result = await replayMigrations(db.url, await readLocalMigrations(project.migrationsDir));
    expect(result.applied).toEqual(["0001_baseline", "0002_moment_title_length", "0003_function"]);
    expect(result.failure).toEqual({ migration: "0004_broken", error: 'relation "no_such_table" does not exist' });
    expect(await query(db.url, "SELECT proname FROM pg_proc WHERE proname = 'touch'")).toHaveLength(1);
    expect(await query(db.url, "SELECT to_regclass('_prisma_migrations') AS t")).toEqual([{ t: null }]);
  });
});
