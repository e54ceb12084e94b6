import { describe, expect, it } from "vitest";
import { lintMigrations } from "../../src/lint/index.js";
import { byRule, lint, PRODUCTION_TABLES } from "./helpers.js";

describe("index rules", () => {
  it("require-concurrent-index-creation: CREATE INDEX on a production table is an error; CONCURRENTLY alone is not", async () => {
    const result = await lint('-- CreateIndex\nCREATE UNIQUE INDEX "users_email_key" ON "users"("email");');
    const [finding] = byRule(result, "require-concurrent-index-creation");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 1, statement: 'CREATE UNIQUE INDEX "users_email_key" ON "users"("email")' });
    expect(finding?.message).toContain("duplicates");

    const safe = await lint('CREATE UNIQUE INDEX CONCURRENTLY "users_email_key" ON "users"("email");');
    expect(safe.findings).toEqual([]);
  });

  it("require-concurrent-index-deletion: DROP INDEX on a production table is a warning; CONCURRENTLY alone is not", async () => {
    const result = await lint('DROP INDEX "moments_created_at_idx";');
    expect(byRule(result, "require-concurrent-index-deletion")).toMatchObject([{ severity: "warning", line: 1, column: 1 }]);
    expect(result.errors).toBe(0);

    const safe = await lint('DROP INDEX CONCURRENTLY "moments_created_at_idx";');
    expect(safe.findings).toEqual([]);
  });

  it("require-concurrent-index-deletion: an index the batch built on a new table can be dropped", async () => {
    const result = await lintMigrations(
      [
        { name: "1", sql: 'CREATE TABLE "drafts" ("id" INT);\nCREATE INDEX "drafts_id_idx" ON "drafts"("id");' },
        { name: "2", sql: 'DROP INDEX "drafts_id_idx";' },
      ],
      { existingTables: PRODUCTION_TABLES },
    );
    expect(result.findings).toEqual([]);
  });

  it("require-concurrent-reindex: REINDEX is a warning; REINDEX CONCURRENTLY is not", async () => {
    const result = await lint('REINDEX TABLE "orders";');
    expect(byRule(result, "require-concurrent-reindex")).toMatchObject([{ severity: "warning", line: 1, column: 1 }]);

    const safe = await lint('REINDEX TABLE CONCURRENTLY "orders";');
    expect(safe.findings).toEqual([]);
  });
});
