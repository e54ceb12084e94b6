import { describe, expect, it } from "vitest";
import { byRule, lint } from "./helpers.js";

const split = { executionMode: "split-on-semicolon" } as const;

describe("prisma-semicolon-split", () => {
  it("reports a `;` inside a string literal, a $$ body, a DO block and a comment, at the `;`", async () => {
    const sql = [
      "-- Seed",
      "INSERT INTO \"settings\" (\"k\", \"v\") VALUES ('sep', 'a;b');",
      "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$ LANGUAGE plpgsql;",
      "DO $$ BEGIN PERFORM 1; END $$;",
      'ALTER TABLE "settings" /* note; */ ADD COLUMN "x" INT;',
    ].join("\n");
    const result = await lint(sql, split);
    const findings = byRule(result, "prisma-semicolon-split");
    expect(findings).toMatchObject([
      { severity: "error", line: 2, column: 52 },
      { severity: "error", line: 3, column: 75 },
      { severity: "error", line: 4, column: 22 },
      { severity: "error", line: 5, column: 31 },
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining("a string literal"),
      expect.stringContaining("a dollar-quoted body"),
      expect.stringContaining("a DO block"),
      expect.stringContaining("a comment"),
    ]);
    expect(findings[2]?.statement).toBe("DO $$ BEGIN PERFORM 1; END $$");
  });

  it("reports a `;` in a comment between statements against the statement it breaks", async () => {
    const result = await lint('-- Drop the default; it is unused\nALTER TABLE "settings" ALTER COLUMN "v" DROP DEFAULT;\n/* done; */', split);
    expect(byRule(result, "prisma-semicolon-split")).toMatchObject([
      { line: 1, column: 20, statement: 'ALTER TABLE "settings" ALTER COLUMN "v" DROP DEFAULT' },
      { line: 3, column: 8 },
    ]);
  });

  it("does not report `;` that end statements, empty statements, or a line comment that ends in `;`", async () => {
    const result = await lint(
      '-- CreateTable;\nCREATE TABLE "settings" ("k" TEXT, "v" TEXT);;\n\nINSERT INTO "settings" VALUES (\'a\', \'b\');',
      split,
    );
    expect(result.findings).toEqual([]);
  });

  it("is a warning when the execution mode is unknown and silent when Prisma parses statements", async () => {
    const sql = "SELECT 'a;b';";
    expect(byRule(await lint(sql), "prisma-semicolon-split")).toMatchObject([{ severity: "warning" }]);
    expect(await lint(sql, { executionMode: "per-statement" })).toMatchObject({ findings: [] });
    expect(await lint(sql, { executionMode: "single-transaction" })).toMatchObject({ findings: [] });
  });
});
