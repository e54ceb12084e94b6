import { describe, expect, it } from "vitest";
import { byRule, lint } from "./helpers.js";

describe("locking rules", () => {
  it("require-lock-timeout: an ACCESS EXCLUSIVE statement with no lock_timeout is a warning; SET lock_timeout first fixes it", async () => {
    const alter = 'ALTER TABLE "users" ADD COLUMN "nick" TEXT;';
    const result = await lint(`-- AlterTable\n${alter}\n${alter.replace("nick", "bio")}`);
    // One finding per migration, at the first statement that needs it.
    expect(byRule(result, "require-lock-timeout")).toMatchObject([{ severity: "warning", line: 2, column: 1 }]);
    expect(result.errors).toBe(0);
    expect(result.warnings).toBe(1);

    for (const set of ["SET lock_timeout = '5s';", "SET lock_timeout TO 5000;", "SELECT set_config('lock_timeout', '5s', false);"]) {
      const safe = await lint(`${set}\n${alter}`);
      expect(safe.findings, set).toEqual([]);
    }
  });

  it("require-lock-timeout: a timeout set after the DDL, set to 0, or SET LOCAL outside a transaction does not count", async () => {
    const alter = 'ALTER TABLE "users" ADD COLUMN "nick" TEXT;';
    const after = await lint(`${alter}\nSET lock_timeout = '5s';`);
    expect(byRule(after, "require-lock-timeout")).toMatchObject([{ line: 1 }]);
    const zero = await lint(`SET lock_timeout = 0;\n${alter}`);
    expect(byRule(zero, "require-lock-timeout")).toMatchObject([{ line: 2 }]);
    const local = await lint(`SET LOCAL lock_timeout = '5s';\n${alter}`, { executionMode: "per-statement" });
    expect(byRule(local, "require-lock-timeout")).toHaveLength(1);
    const localInBlock = await lint(`BEGIN;\nSET LOCAL lock_timeout = '5s';\n${alter}\nCOMMIT;`, { executionMode: "per-statement" });
    expect(byRule(localInBlock, "require-lock-timeout")).toEqual([]);
  });

  it("require-lock-timeout: not reported for weaker locks or tables the batch created", async () => {
    const weaker = await lint('ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";');
    expect(weaker.findings).toEqual([]);
    const created = await lint('CREATE TABLE "drafts" ("id" INT);\nALTER TABLE "drafts" ADD COLUMN "title" TEXT;');
    expect(created.findings).toEqual([]);
  });

  it("prefer-repack: VACUUM FULL and CLUSTER are errors; a plain VACUUM or ANALYZE is not", async () => {
    const result = await lint('VACUUM FULL "orders";');
    expect(byRule(result, "prefer-repack")).toMatchObject([{ severity: "error", line: 1, column: 1 }]);
    const cluster = await lint('CLUSTER "orders" USING "orders_pkey";');
    expect(byRule(cluster, "prefer-repack")).toHaveLength(1);

    const safe = await lint('ANALYZE "orders";');
    expect(safe.findings).toEqual([]);
  });
});
