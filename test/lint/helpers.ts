// Shared by the lint tests: lint one migration against a production that has a known set of
// tables, and pick findings by rule.
import { lintMigrations, type LintContext, type LintFinding, type LintResult } from "../../src/lint/index.js";

/** Tables production has in these tests. */
export const PRODUCTION_TABLES: ReadonlySet<string> = new Set([
  "public.moments",
  "public.users",
  "public.orders",
]);

export const MIGRATION = "20260101000000_test";

export function lint(sql: string, context: LintContext = {}): Promise<LintResult> {
  return lintMigrations([{ name: MIGRATION, sql }], { existingTables: PRODUCTION_TABLES, ...context });
}

export function byRule(result: LintResult, rule: string): LintFinding[] {
  return result.findings.filter((finding) => finding.rule === rule);
}

/** Every rule that fired, for "nothing else fired" assertions. */
export function rules(result: LintResult): string[] {
  return result.findings.map((finding) => finding.rule);
}
