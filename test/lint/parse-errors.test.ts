import { describe, expect, it } from "vitest";
import { byRule, lint } from "./helpers.js";

describe("parse-error", () => {
  it("reports the parser's message at its line and column", async () => {
    const result = await lint('-- AlterTable\nALTER TABLE "users" ADD COLUMN "nick" TEXT NOT NULL DEFAULT;\n');
    const [finding] = byRule(result, "parse-error");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 60 });
    expect(finding?.message).toContain('syntax error at or near ";"');
    expect(result.errors).toBe(1);
  });

  it("reports every broken statement and still lints the others", async () => {
    const result = await lint('SELEC 1;\nDROP TABLE "orders";\nCREATE TABLE "x" (a int,);');
    expect(byRule(result, "parse-error")).toMatchObject([
      { line: 1, column: 1, statement: "SELEC 1" },
      { line: 3, column: 25 },
    ]);
    expect(byRule(result, "ban-drop-table")).toMatchObject([{ line: 2 }]);
    expect(result.statements).toBe(1);
  });

  it("reports an unterminated string or dollar quote where it starts", async () => {
    const quote = await lint("SELECT 1;\nINSERT INTO \"settings\" VALUES ('open;\n");
    expect(byRule(quote, "parse-error")).toMatchObject([{ line: 2, column: 32 }]);
    expect(byRule(quote, "parse-error")[0]?.message).toContain("unterminated quoted string");
    const dollar = await lint("DO $$ BEGIN\n");
    expect(byRule(dollar, "parse-error")).toMatchObject([{ line: 1, column: 4 }]);
  });

  it("counts columns in UTF-16 characters after non-ASCII text", async () => {
    const result = await lint("-- Zoë's 😀 migration\nSELECT 'é😀';\nSELEC 2;");
    expect(byRule(result, "parse-error")).toMatchObject([{ line: 3, column: 1 }]);
    const inLine = await lint("SELECT '😀é', FROM x;");
    expect(byRule(inLine, "parse-error")).toMatchObject([{ line: 1, column: 15 }]);
  });

  it("accepts an empty or comment-only migration", async () => {
    expect(await lint("")).toMatchObject({ findings: [], statements: 0 });
    expect(await lint("-- This is an empty migration.")).toMatchObject({ findings: [], statements: 0 });
  });
});
