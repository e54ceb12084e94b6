// The SQL linter's public surface (DESIGN.md: src/lint/). Callers: the deploy pipeline's
// preflight and `dbship lint`.
export { formatFinding } from "./format-finding.js";
export { LINT_RULES, lintMigrations } from "./lint-migrations.js";
export type { RuleInfo } from "./rule.js";
export type {
  ExecutionMode,
  LintContext,
  LintFinding,
  LintInput,
  LintResult,
  LintSeverity,
} from "./types.js";
