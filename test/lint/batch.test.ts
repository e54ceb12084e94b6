// "Existing table" means one production has now, not one the pending batch created.
import { describe, expect, it } from "vitest";
import { lintMigrations } from "../../src/lint/index.js";
import { byRule, lint, PRODUCTION_TABLES } from "./helpers.js";

const CREATE_DRAFTS = 'CREATE TABLE "drafts" ("id" UUID NOT NULL, "title" TEXT, CONSTRAINT "drafts_pkey" PRIMARY KEY ("id"));';
const RISKY_ON_DRAFTS = [
  'CREATE INDEX "drafts_title_idx" ON "drafts"("title");',
  'ALTER TABLE "drafts" ALTER COLUMN "title" SET NOT NULL;',
  'ALTER TABLE "drafts" ADD COLUMN "owner" INT NOT NULL;',
  'ALTER TABLE "drafts" ADD CONSTRAINT "drafts_title_key" UNIQUE ("title");',
  'ALTER TABLE "drafts" ADD CONSTRAINT "drafts_owner_fkey" FOREIGN KEY ("owner") REFERENCES "users"("id");',
  'ALTER TABLE "drafts" RENAME COLUMN "title" TO "heading";',
  'ALTER TABLE "drafts" DROP COLUMN "heading";',
  'DELETE FROM "drafts";',
  'DROP TABLE "drafts";',
].join("\n");

describe("tables created in the pending batch", () => {
  it("can be altered freely in the same migration", async () => {
    const result = await lint(`${CREATE_DRAFTS}\n${RISKY_ON_DRAFTS}`);
    expect(result.findings).toEqual([]);
  });

  it("can be altered freely by a later pending migration", async () => {
    const result = await lintMigrations(
      [
        { name: "1_create", sql: CREATE_DRAFTS },
        { name: "2_alter", sql: RISKY_ON_DRAFTS },
      ],
      { existingTables: PRODUCTION_TABLES },
    );
    expect(result.findings).toEqual([]);
    expect(result.statements).toBe(10);
  });

  it("the same statements on a production table are findings", async () => {
    const result = await lint(RISKY_ON_DRAFTS, { existingTables: new Set(["public.drafts", "public.users"]) });
    expect(new Set(result.findings.map((f) => f.rule))).toEqual(
      new Set([
        "require-concurrent-index-creation",
        "set-not-null",
        "require-lock-timeout",
        "adding-required-field",
        "disallowed-unique-constraint",
        "adding-foreign-key-constraint",
        "renaming-column",
        // The renamed column still holds production's data: dropping it is data loss.
        "ban-drop-column",
        "require-where-on-update-delete",
        // The DELETE runs in the transaction of the ALTERs above it, which keep their lock.
        "backfill-in-ddl-transaction",
        "ban-drop-table",
      ]),
    );
    expect(result.errors).toBe(10);
  });

  it("without existingTables, every table the batch did not create is assumed to exist", async () => {
    const result = await lintMigrations([{ name: "1", sql: 'CREATE INDEX "x_idx" ON "anything"("a");' }]);
    expect(byRule(result, "require-concurrent-index-creation")).toHaveLength(1);
    const created = await lintMigrations([{ name: "1", sql: `${CREATE_DRAFTS}\n${RISKY_ON_DRAFTS}` }]);
    expect(created.findings).toEqual([]);
  });

  it("a column the batch added to a production table can be renamed or dropped", async () => {
    const result = await lintMigrations(
      [
        { name: "1", sql: 'ALTER TABLE "users" ADD COLUMN "nick" TEXT;' },
        { name: "2", sql: 'ALTER TABLE "users" RENAME COLUMN "nick" TO "handle";' },
        { name: "3", sql: 'ALTER TABLE "users" DROP COLUMN "handle";' },
      ],
      { existingTables: PRODUCTION_TABLES },
    );
    expect(result.errors).toBe(0);
    // Production's own columns are still protected.
    const old = await lint('ALTER TABLE "users" DROP COLUMN "email";');
    expect(byRule(old, "ban-drop-column")).toHaveLength(1);
  });

  it("a table production does not have is not a production table", async () => {
    const result = await lint('CREATE INDEX "x_idx" ON "not_in_production"("a");');
    expect(result.findings).toEqual([]);
  });

  it("names are compared schema-qualified and case-insensitively", async () => {
    const context = { existingTables: new Set(["public.moments", "audit.events"]) };
    expect(byRule(await lint('CREATE INDEX "i" ON "Moments"("a");', context), "require-concurrent-index-creation")).toHaveLength(1);
    expect(byRule(await lint('CREATE INDEX "i" ON audit.events("a");', context), "require-concurrent-index-creation")).toHaveLength(1);
    expect(await lint('CREATE INDEX "i" ON "events"("a");', context)).toMatchObject({ findings: [] });
    expect(
      byRule(await lint('CREATE INDEX "i" ON "events"("a");', { ...context, defaultSchema: "audit" }), "require-concurrent-index-creation"),
    ).toHaveLength(1);
  });

  it("follows renames: a renamed new table stays new, a renamed production table stays production", async () => {
    const renamedNew = await lint(`${CREATE_DRAFTS}\nALTER TABLE "drafts" RENAME TO "notes";\nCREATE INDEX "n_idx" ON "notes"("title");`);
    expect(renamedNew.findings).toEqual([]);
    const renamedOld = await lint('ALTER TABLE "orders" RENAME TO "purchases";\nCREATE INDEX "p_idx" ON "purchases"("id");');
    expect(byRule(renamedOld, "require-concurrent-index-creation")).toMatchObject([{ line: 2 }]);
  });

  it("a table dropped and created again in the batch is new", async () => {
    const result = await lint('-- dbship:allow ban-drop-table replaced below, data migrated in 0041\nDROP TABLE "orders";\nCREATE TABLE "orders" ("id" INT);\nCREATE INDEX "o_idx" ON "orders"("id");');
    expect(result.errors).toBe(0);
    expect(byRule(result, "require-concurrent-index-creation")).toEqual([]);
  });

  it("CREATE TABLE IF NOT EXISTS does not make a production table new", async () => {
    const result = await lint('CREATE TABLE IF NOT EXISTS "orders" ("id" INT);\nCREATE INDEX "o_idx" ON "orders"("id");');
    expect(byRule(result, "require-concurrent-index-creation")).toHaveLength(1);
    const fresh = await lint('CREATE TABLE IF NOT EXISTS "fresh" ("id" INT);\nCREATE INDEX "f_idx" ON "fresh"("id");');
    expect(fresh.findings).toEqual([]);
  });
});
