import { describe, expect, it } from "vitest";
import { byRule, lint } from "./helpers.js";

describe("rename rules", () => {
  it("renaming-table: renaming a production table is an error; creating the new table is not", async () => {
    const result = await lint('-- RenameTable\nALTER TABLE "orders" RENAME TO "purchases";');
    const [finding] = byRule(result, "renaming-table");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 1 });
    expect(finding?.safeAlternative).toContain("@@map");

    const safe = await lint('CREATE TABLE "purchases" ("id" UUID NOT NULL, CONSTRAINT "purchases_pkey" PRIMARY KEY ("id"));');
    expect(safe.findings).toEqual([]);
  });

  it("renaming-column: renaming a production column is an error; adding the new column is not", async () => {
    const result = await lint('ALTER TABLE "moments" RENAME COLUMN "body" TO "text";');
    const [finding] = byRule(result, "renaming-column");
    expect(finding).toMatchObject({ severity: "error", line: 1, column: 1 });
    expect(finding?.message).toContain('"body"');
    expect(finding?.safeAlternative).toContain("@map");

    const safe = await lint('ALTER TABLE "moments" ADD COLUMN "text" TEXT;');
    expect(byRule(safe, "renaming-column")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("rename-schema-or-enum-value: renaming an enum value or a schema is an error; adding a value is not", async () => {
    const result = await lint("ALTER TYPE \"Role\" RENAME VALUE 'USER' TO 'MEMBER';\nALTER SCHEMA legacy RENAME TO old;");
    expect(byRule(result, "rename-schema-or-enum-value")).toMatchObject([
      { severity: "error", line: 1, column: 1 },
      { severity: "error", line: 2, column: 1 },
    ]);

    const safe = await lint("ALTER TYPE \"Role\" ADD VALUE 'MEMBER';");
    expect(safe.findings).toEqual([]);
    // An enum the batch created has no rows using it yet.
    const created = await lint("CREATE TYPE \"Tier\" AS ENUM ('FREE');\nALTER TYPE \"Tier\" RENAME VALUE 'FREE' TO 'BASIC';");
    expect(byRule(created, "rename-schema-or-enum-value")).toEqual([]);
  });
});
