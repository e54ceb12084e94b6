import { describe, expect, it } from "vitest";
import { lintMigrations } from "../../src/lint/index.js";
import { byRule, lint, PRODUCTION_TABLES } from "./helpers.js";

const CONCURRENT_INDEX = 'CREATE INDEX CONCURRENTLY "moments_title_idx" ON "moments"("title");';

describe("transaction rules", () => {
  it("concurrently-in-transaction: CONCURRENTLY next to other statements is an error when Prisma sends the file as one transaction", async () => {
    const sql = `SET lock_timeout = '5s';\n${CONCURRENT_INDEX}`;
    for (const executionMode of ["single-transaction", undefined] as const) {
      const result = await lint(sql, { executionMode });
      const [finding] = byRule(result, "concurrently-in-transaction");
      expect(finding).toMatchObject({ severity: "error", line: 2, column: 1 });
      expect(finding?.message).toContain("25001");
    }

    const alone = await lint(CONCURRENT_INDEX, { executionMode: "single-transaction" });
    expect(alone.findings).toEqual([]);
    // Prisma 7.4+ and the 6.x adapter send statements one by one: no transaction block.
    const perStatement = await lint(sql, { executionMode: "per-statement" });
    expect(byRule(perStatement, "concurrently-in-transaction")).toEqual([]);
  });

  it("concurrently-in-transaction: CONCURRENTLY inside BEGIN … COMMIT is an error in every mode", async () => {
    const result = await lint(`BEGIN;\n  ${CONCURRENT_INDEX}\nCOMMIT;`, { executionMode: "per-statement" });
    const [finding] = byRule(result, "concurrently-in-transaction");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 3 });
    expect(finding?.message).toContain("BEGIN");
    const drop = await lint('BEGIN;\nDROP INDEX CONCURRENTLY "i";\nCOMMIT;', { executionMode: "split-on-semicolon" });
    expect(byRule(drop, "concurrently-in-transaction")).toHaveLength(1);
  });

  it("ban-uncommitted-transaction: BEGIN without COMMIT is an error; BEGIN … COMMIT is not", async () => {
    const result = await lint('BEGIN;\nALTER TABLE "users" ADD COLUMN "nick" TEXT;');
    expect(byRule(result, "ban-uncommitted-transaction")).toMatchObject([{ severity: "error", line: 1, column: 1 }]);

    const safe = await lint('BEGIN;\nALTER TABLE "users" ADD COLUMN "nick" TEXT;\nCOMMIT;');
    expect(byRule(safe, "ban-uncommitted-transaction")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("enum-add-value-in-transaction: ADD VALUE in a transaction is an error before PostgreSQL 12; alone in its file it is not", async () => {
    const sql = "-- AlterEnum\nALTER TYPE \"Role\" ADD VALUE 'ADMIN';\nALTER TYPE \"Role\" ADD VALUE 'OWNER';";
    const old = await lint(sql, { serverVersionNum: 110022 });
    expect(byRule(old, "enum-add-value-in-transaction")).toMatchObject([
      { severity: "error", line: 2, column: 1 },
      { severity: "error", line: 3, column: 1 },
    ]);
    const unknown = await lint(sql);
    expect(byRule(unknown, "enum-add-value-in-transaction").map((f) => f.severity)).toEqual(["warning", "warning"]);
    const modern = await lint(sql, { serverVersionNum: 180004 });
    expect(modern.findings).toEqual([]);

    const alone = await lint("ALTER TYPE \"Role\" ADD VALUE 'ADMIN';", { serverVersionNum: 110022 });
    expect(alone.findings).toEqual([]);
  });

  it("enum-value-used-in-same-transaction: using a value added in the same transaction is an error; in a later migration it is not", async () => {
    const add = "ALTER TYPE \"Role\" ADD VALUE 'ADMIN';";
    const use = "UPDATE \"users\" SET \"role\" = 'ADMIN' WHERE \"email\" LIKE '%@example.com';";
    const result = await lint(`${add}\n${use}`, { serverVersionNum: 180004 });
    const [finding] = byRule(result, "enum-value-used-in-same-transaction");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 1 });
    expect(finding?.message).toContain("55P04");

    const separate = await lintMigrations(
      [
        { name: "1_add", sql: add },
        { name: "2_use", sql: use },
      ],
      { existingTables: PRODUCTION_TABLES, serverVersionNum: 180004 },
    );
    expect(separate.findings.map((f) => f.rule)).toEqual(["update-in-migration"]);
    // Statements committed one by one never share a transaction.
    const perStatement = await lint(`${add}\n${use}`, { serverVersionNum: 180004, executionMode: "per-statement" });
    expect(byRule(perStatement, "enum-value-used-in-same-transaction")).toEqual([]);
  });

  it("enum rules: an enum created in the same transaction can take and use new values", async () => {
    const result = await lint(
      "CREATE TYPE \"Tier\" AS ENUM ('FREE');\nALTER TYPE \"Tier\" ADD VALUE 'PRO';\nCREATE TABLE \"plans\" (\"tier\" \"Tier\" NOT NULL DEFAULT 'PRO');",
      { serverVersionNum: 110022 },
    );
    expect(result.findings).toEqual([]);
  });
});
