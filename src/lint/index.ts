// The SQL linter's public surface (its rules: docs/lint.md). Callers: the deploy pipeline's
// preflight and `dbship lint`.
export { formatFinding } from "./format-finding.js";
export { acknowledgeableRule, LINT_RULES, lintMigrations, notNullChecksBefore, sizeSensitiveTables, withTableSizes } from "./lint-migrations.js";
export type {
  LintAllow,
  SmallTableLimits,
  TableSize,
  LintContext,
  LintFinding,
  LintInput,
  LintResult,
} from "./types.js";
