import { describe, expect, it } from "vitest";
import { byRule, lint, MIGRATION } from "./helpers.js";

describe("data-loss rules", () => {
  it("ban-drop-database: DROP DATABASE is an error; not dropping it is clean", async () => {
    const result = await lint("-- Retire the old database\nDROP DATABASE legacy;\n");
    expect(byRule(result, "ban-drop-database")).toMatchObject([
      { severity: "error", migration: MIGRATION, line: 2, column: 1, statement: "DROP DATABASE legacy" },
    ]);
    expect(result.errors).toBeGreaterThanOrEqual(1);

    const safe = await lint("-- Retire the old database by hand, after a verified backup.\n");
    expect(safe.findings).toEqual([]);
  });

  it("ban-drop-schema: DROP SCHEMA of a production schema is an error; one created in the batch is not", async () => {
    const result = await lint("DROP SCHEMA legacy CASCADE;");
    expect(byRule(result, "ban-drop-schema")).toMatchObject([{ severity: "error", line: 1, column: 1 }]);
    expect(byRule(result, "ban-drop-schema")[0]?.message).toContain("CASCADE");

    const safe = await lint("CREATE SCHEMA staging;\nDROP SCHEMA staging;");
    expect(byRule(safe, "ban-drop-schema")).toEqual([]);
    // CREATE SCHEMA IF NOT EXISTS may find production's schema: dropping it still counts.
    const ifNotExists = await lint('CREATE SCHEMA IF NOT EXISTS "public";\nDROP SCHEMA "public";');
    expect(byRule(ifNotExists, "ban-drop-schema")).toMatchObject([{ line: 2 }]);
  });

  it("ban-drop-table: dropping a production table is an error; one production no longer has is not", async () => {
    const result = await lint('-- DropTable\n  DROP TABLE "orders";');
    expect(byRule(result, "ban-drop-table")).toMatchObject([
      { severity: "error", line: 2, column: 3, statement: 'DROP TABLE "orders"' },
    ]);

    const safe = await lint('DROP TABLE IF EXISTS "orders_archive";');
    expect(byRule(safe, "ban-drop-table")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("ban-drop-column: dropping a production column is an error; the expand step is not", async () => {
    const result = await lint('ALTER TABLE "moments" DROP COLUMN "body";');
    const [finding] = byRule(result, "ban-drop-column");
    expect(finding).toMatchObject({ severity: "error", line: 1, column: 1 });
    expect(finding?.message).toContain('"body"');
    expect(finding?.message).not.toContain("rename");

    const safe = await lint('ALTER TABLE "moments" ADD COLUMN "summary" TEXT;');
    expect(byRule(safe, "ban-drop-column")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("ban-drop-column: DROP + ADD on one table is called out as Prisma's way of writing a rename", async () => {
    const result = await lint('ALTER TABLE "moments" DROP COLUMN "body",\nADD COLUMN "text" TEXT;');
    const [finding] = byRule(result, "ban-drop-column");
    expect(finding?.message).toContain("rename");
    expect(finding?.safeAlternative).toContain("backfill");
  });

  it("ban-truncate: TRUNCATE of a production table is an error; a DELETE with WHERE is delete-in-migration instead", async () => {
    const result = await lint('SET lock_timeout = \'5s\';\nTRUNCATE "orders" CASCADE;');
    const [finding] = byRule(result, "ban-truncate");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 1 });
    expect(finding?.message).toContain("CASCADE");

    const del = await lint('DELETE FROM "orders" WHERE "created_at" < now() - interval \'1 year\';');
    expect(del.findings.map((f) => f.rule)).toEqual(["delete-in-migration"]);
  });

  it("require-where-on-update-delete: UPDATE and DELETE without WHERE are errors; with WHERE they are the milder data-change rules", async () => {
    const result = await lint('UPDATE "users" SET "active" = true;\nDELETE FROM "orders";');
    expect(byRule(result, "require-where-on-update-delete")).toMatchObject([
      { severity: "error", line: 1, column: 1 },
      { severity: "error", line: 2, column: 1 },
    ]);

    const scoped = await lint('UPDATE "users" SET "active" = true WHERE "id" = 1;\nDELETE FROM "orders" WHERE "id" = 2;');
    expect(scoped.findings.map((f) => [f.rule, f.severity])).toEqual([
      ["update-in-migration", "warning"],
      ["delete-in-migration", "error"],
    ]);
  });
});
