import { describe, expect, it } from "vitest";
import { formatFinding, LINT_RULES, type LintFinding } from "../../src/lint/index.js";
import { lint } from "./helpers.js";

const finding: LintFinding = {
  rule: "ban-drop-table",
  severity: "error",
  migration: "20260101_drop_orders",
  line: 3,
  column: 1,
  statement: 'DROP TABLE "orders"',
  message: "DROP TABLE deletes the table.",
  safeAlternative: "Drop it in a later release.",
};

describe("formatFinding", () => {
  it("prints location, severity, rule and message, then the safe alternative", () => {
    expect(formatFinding(finding)).toBe(
      "20260101_drop_orders:3:1 error ban-drop-table DROP TABLE deletes the table.\n  safe: Drop it in a later release.",
    );
  });

  it("shows an acknowledgement's reason", () => {
    expect(formatFinding({ ...finding, acknowledged: { reason: "archived in S3" } }).split("\n")[0]).toBe(
      "20260101_drop_orders:3:1 error ban-drop-table DROP TABLE deletes the table. (acknowledged: archived in S3)",
    );
  });
});

describe("LINT_RULES", () => {
  it("lists unique kebab-case ids, and every rule the linter reports is listed", async () => {
    const ids = LINT_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);

    const result = await lint(
      "SELEC 1;\nDROP TABLE \"orders\";\n-- dbship:allow nope because\nSELECT 'a;b';",
      { executionMode: "split-on-semicolon" },
    );
    expect(result.findings.length).toBeGreaterThan(0);
    for (const f of result.findings) expect(ids).toContain(f.rule);
  });
});
