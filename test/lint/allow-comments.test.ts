import { describe, expect, it } from "vitest";
import { byRule, lint } from "./helpers.js";

const DROP = 'ALTER TABLE "moments" DROP COLUMN "body";';

describe("-- dbship:allow comments", () => {
  it("acknowledge the named rule on the next statement: the finding stays, marked, and does not count", async () => {
    const result = await lint(`-- dbship:allow ban-drop-column body moved to moment_bodies in 0042, verified empty\n${DROP}`);
    const [finding] = byRule(result, "ban-drop-column");
    expect(finding).toMatchObject({
      severity: "error",
      line: 2,
      acknowledged: { reason: "body moved to moment_bodies in 0042, verified empty" },
    });
    expect(result.errors).toBe(0);
    expect(result.acknowledged).toBe(1);
    // Only that rule: the lock_timeout warning on the same statement stays.
    expect(byRule(result, "require-lock-timeout")[0]?.acknowledged).toBeUndefined();
    expect(result.warnings).toBe(1);
  });

  it("cover the next statement only", async () => {
    const result = await lint(`-- dbship:allow ban-drop-column checked\n${DROP}\n${DROP.replace("body", "title")}`);
    const findings = byRule(result, "ban-drop-column");
    expect(findings.map((f) => [f.line, f.acknowledged?.reason])).toEqual([
      [2, "checked"],
      [3, undefined],
    ]);
    expect(result.errors).toBe(1);
  });

  it("accept several rules and block comments", async () => {
    const result = await lint(`/* dbship:allow ban-drop-column,require-lock-timeout table is tiny */\n${DROP}`);
    expect(result.findings.every((f) => f.acknowledged?.reason === "table is tiny")).toBe(true);
    expect(result.acknowledged).toBe(2);
    expect(result.errors + result.warnings).toBe(0);
  });

  it("without a reason are reported and acknowledge nothing", async () => {
    const result = await lint(`-- dbship:allow ban-drop-column\n${DROP}`);
    expect(byRule(result, "invalid-allow-comment")).toMatchObject([
      { severity: "warning", line: 1, column: 1, statement: "-- dbship:allow ban-drop-column" },
    ]);
    expect(byRule(result, "ban-drop-column")[0]?.acknowledged).toBeUndefined();
    expect(result.errors).toBe(1);
  });

  it("naming a rule that did not fire, or no rule at all, are reported", async () => {
    const typo = await lint(`-- dbship:allow ban-drop-colum checked\n${DROP}`);
    expect(byRule(typo, "unused-allow")).toMatchObject([{ severity: "warning", line: 1 }]);
    expect(byRule(typo, "unused-allow")[0]?.message).toContain("not a dbship lint rule");
    expect(typo.errors).toBe(1);

    const other = await lint(`-- dbship:allow ban-drop-table checked\n${DROP}`);
    expect(byRule(other, "unused-allow")[0]?.message).toContain("no \"ban-drop-table\" finding");

    const empty = await lint(`-- dbship:allow\n${DROP}`);
    expect(byRule(empty, "invalid-allow-comment")).toHaveLength(1);
  });

  it("inside a statement or after the last one are reported and acknowledge nothing", async () => {
    const inside = await lint('ALTER TABLE "moments"\n  -- dbship:allow ban-drop-column checked\n  DROP COLUMN "body";');
    expect(byRule(inside, "invalid-allow-comment")).toMatchObject([{ line: 2, column: 3 }]);
    expect(inside.errors).toBe(1);

    const trailing = await lint(`${DROP}\n-- dbship:allow ban-drop-column checked\n`);
    expect(byRule(trailing, "invalid-allow-comment")).toMatchObject([{ line: 2 }]);
    expect(trailing.errors).toBe(1);
  });

  it("cannot waive what makes the deploy fail anyway", async () => {
    const result = await lint("-- dbship:allow prisma-semicolon-split we know\nSELECT 'a;b';", {
      executionMode: "split-on-semicolon",
    });
    expect(byRule(result, "prisma-semicolon-split")[0]?.acknowledged).toBeUndefined();
    expect(byRule(result, "unused-allow")[0]?.message).toContain("cannot be acknowledged");
    expect(result.errors).toBe(1);
  });

  it("inside a string literal are not comments", async () => {
    const result = await lint(`SELECT '-- dbship:allow ban-drop-column nope';\n${DROP}`);
    expect(byRule(result, "ban-drop-column")[0]?.acknowledged).toBeUndefined();
    expect(byRule(result, "invalid-allow-comment")).toEqual([]);
  });
});
