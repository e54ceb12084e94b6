// The linter's engine: parses each pending migration once, decides which statements share a
// transaction, runs every rule group over the statements in order while the catalog follows
// what the batch creates, then applies allow comments. Pure: no database, no file system.
import { loadModule } from "libpg-query";
import { findAllowComments, type AllowComment } from "./allow-comments.js";
import { as } from "./ast.js";
import { Catalog } from "./catalog.js";
import { parseMigration, type ParsedStatement } from "./parse.js";
import type { MigrationScope, ResolvedContext, RuleInfo, RuleReport, Statement } from "./rule.js";
import { GROUP_RULES, RULE_GROUPS } from "./rules/index.js";
import { SourceText } from "./source-text.js";
import { applySizes, findingTables, SIZE_SENSITIVE_RULES } from "./table-size.js";
import type { ExecutionMode, LintAllow, LintContext, LintFinding, LintInput, LintResult, SmallTableLimits, TableSize } from "./types.js";

const ENGINE_RULES: RuleInfo[] = [
  { id: "parse-error", severity: "error", summary: "SQL that PostgreSQL's parser rejects" },
  { id: "invalid-allow-comment", severity: "warning", summary: "A dbship:allow comment without a rule or reason, or in the wrong place" },
  { id: "unused-allow", severity: "warning", summary: "A dbship:allow comment whose rule did not fire on the next statement" },
];

/** Every rule id with its default severity. */
export const LINT_RULES: readonly RuleInfo[] = [...ENGINE_RULES, ...GROUP_RULES];

const KNOWN_RULES = new Set(LINT_RULES.map((rule) => rule.id));

/** Prisma fails on these whatever the reason, so no comment can waive them. */
export const NOT_ACKNOWLEDGEABLE: ReadonlySet<string> = new Set(["parse-error", "prisma-semicolon-split", "invalid-allow-comment", "unused-allow"]);

/** Rule ids an `--allow` or lint.allow entry may name: every rule but those that always block. */
export function acknowledgeableRule(rule: string): boolean {
  return KNOWN_RULES.has(rule) && !NOT_ACKNOWLEDGEABLE.has(rule);
}

export async function lintMigrations(migrations: LintInput[], context: LintContext = {}): Promise<LintResult> {
  await loadModule();
  const catalog = new Catalog(context);
  const resolved: ResolvedContext = {
    serverVersionNum: context.serverVersionNum,
    executionMode: context.executionMode,
  };
  const findings: LintFinding[] = [];
  let statements = 0;
  for (const migration of migrations) {
    const result = lintMigration(migration, catalog, resolved);
    for (const finding of result.findings) findings.push(finding);
    statements += result.statements;
  }
  // RLS enabled in one migration and its policy created in a later one is fine: only the end
  // of the batch tells.
  const kept = findings.filter((finding) => finding.rule !== "rls-without-policy" || !catalog.hasPolicy(findingTables.get(finding) ?? ""));
  findings.length = 0;
  findings.push(...kept);
  if (context.tableSizes) applySizes(findings, context.tableSizes, context.smallTable);
  if (context.allow?.length) applyAllows(findings, context.allow);
  return { findings, ...count(findings), statements };
}

/** Production tables whose size would change a finding's severity: what to measure. */
export function sizeSensitiveTables(result: LintResult): string[] {
  const tables = new Set<string>();
  for (const finding of result.findings) {
    const table = findingTables.get(finding);
    if (table !== undefined && SIZE_SENSITIVE_RULES.has(finding.rule)) tables.add(table);
  }
  return [...tables];
}

/** A result with production's table sizes applied (see table-size.ts), counts redone. */
export function withTableSizes(result: LintResult, sizes: ReadonlyMap<string, TableSize>, limits?: SmallTableLimits): LintResult {
  applySizes(result.findings, sizes, limits);
  return { ...result, ...count(result.findings) };
}

function count(findings: readonly LintFinding[]): Pick<LintResult, "errors" | "warnings" | "acknowledged"> {
  let errors = 0;
  let warnings = 0;
  let acknowledged = 0;
  for (const finding of findings) {
    if (finding.acknowledged) acknowledged++;
    else if (finding.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings, acknowledged };
}

/**
 * For each migration, the columns a valid CHECK (col IS NOT NULL) covers once every migration
 * before it has run: offline, `dbship lint <one migration>` knows what earlier ones validated.
 */
export async function notNullChecksBefore(migrations: readonly LintInput[], defaultSchema?: string): Promise<Map<string, Set<string>>> {
  await loadModule();
  const catalog = new Catalog(defaultSchema ? { defaultSchema } : {});
  const before = new Map<string, Set<string>>();
  for (const migration of migrations) {
    before.set(migration.name, catalog.validNotNullChecks());
    for (const statement of parseMigration(new SourceText(migration.sql)).statements) catalog.record(statement.node);
  }
  return before;
}

type Positioned = { at: number; finding: LintFinding; table?: string | undefined };


function lintMigration(
  migration: LintInput,
  catalog: Catalog,
  context: ResolvedContext,
): { findings: LintFinding[]; statements: number } {
  const source = new SourceText(migration.sql);
  const parsed = parseMigration(source);
  const statements = assignTransactions(parsed.statements, context.executionMode);
  const collected: { statement: Statement | undefined; report: RuleReport }[] = [];
  const scope: MigrationScope = {
    name: migration.name,
    source,
    statements,
    catalog,
    context,
    parseFailed: parsed.problems.length > 0,
    report: (statement, report) => collected.push({ statement, report }),
  };

  const visitors = RULE_GROUPS.map((group) => group(scope));
  for (const statement of statements) {
    for (const visitor of visitors) visitor.statement?.(statement);
    catalog.record(statement.node);
  }
  for (const visitor of visitors) visitor.end?.();

  const make = (at: number, statement: string, report: RuleReport): Positioned => {
    const { line, column } = source.position(at);
    return {
      at,
      finding: {
        rule: report.rule,
        severity: report.severity,
        migration: migration.name,
        line,
        column,
        statement,
        message: report.message,
        safeAlternative: report.safeAlternative,
      },
      table: report.table,
    };
  };

  const out: Positioned[] = [];
  for (const problem of parsed.problems) {
    out.push(
      make(problem.at, problem.text, {
        rule: "parse-error",
        severity: "error",
        message: `PostgreSQL cannot parse this: ${problem.message}. The deploy would fail on it.`,
        safeAlternative: "Fix the SQL; run it against a scratch database (or `dbship deploy`'s rehearsal) to check.",
      }),
    );
  }

  const allows = findAllowComments(source, statements);
  const allowsByStatement = new Map<number, AllowComment[]>();
  for (const allow of allows) {
    if (allow.target === undefined) continue;
    const list = allowsByStatement.get(allow.target) ?? [];
    list.push(allow);
    allowsByStatement.set(allow.target, list);
  }
  const used = new Map<AllowComment, Set<string>>();
  for (const { statement, report } of collected) {
    const at = report.at ?? statement?.start ?? 0;
    const text = statement ? source.sql.slice(statement.start, statement.end) : lineAt(source.sql, at);
    const positioned = make(at, text, report);
    const allow = statement && acknowledgement(allowsByStatement.get(statement.index), report.rule);
    if (allow?.reason) {
      positioned.finding.acknowledged = { reason: allow.reason, by: "comment" };
      const rules = used.get(allow) ?? new Set<string>();
      rules.add(report.rule);
      used.set(allow, rules);
    }
    out.push(positioned);
  }
  for (const allow of allows) out.push(...allowProblems(allow, used.get(allow), source, make));

  out.sort((a, b) => a.at - b.at);
  for (const item of out) if (item.table) findingTables.set(item.finding, item.table);
  return { findings: out.map((item) => item.finding), statements: statements.length };
}

/** `--allow` and lint.allow: acknowledge matching findings no comment already covers. */
function applyAllows(findings: LintFinding[], allows: readonly LintAllow[]): void {
  for (const finding of findings) {
    if (finding.acknowledged || NOT_ACKNOWLEDGEABLE.has(finding.rule)) continue;
    const allow = allows.find((entry) => entry.rule === finding.rule && (entry.migration === undefined || entry.migration === finding.migration));
    if (allow) finding.acknowledged = { reason: allow.reason, by: allow.by };
  }
}

/** The allow comment (among those before the finding's statement) that waives `rule`. */
function acknowledgement(allows: readonly AllowComment[] | undefined, rule: string): AllowComment | undefined {
  if (!allows || NOT_ACKNOWLEDGEABLE.has(rule)) return undefined;
  return allows.find((allow) => allow.reason && allow.rules.includes(rule));
}

function allowProblems(
  allow: AllowComment,
  used: ReadonlySet<string> | undefined,
  source: SourceText,
  make: (at: number, statement: string, report: RuleReport) => Positioned,
): Positioned[] {
  const text = source.sql.slice(allow.start, allow.end);
  const invalid = (message: string): Positioned =>
    make(allow.start, text, {
      rule: "invalid-allow-comment",
      severity: "warning",
      message,
      safeAlternative: "Write it on its own line right before the statement: -- dbship:allow <rule-id> <why this is safe here>",
    });
  if (allow.misplaced) return [invalid("This allow comment is inside a statement, so it acknowledges nothing: it must stand before the statement it covers.")];
  if (allow.rules.length === 0) return [invalid("This allow comment names no rule, so it acknowledges nothing.")];
  if (!allow.reason) return [invalid(`This allow comment gives no reason, so it does not acknowledge ${allow.rules.join(", ")}: a waiver must say why it is safe.`)];
  if (allow.target === undefined) return [invalid("No statement follows this allow comment, so it acknowledges nothing.")];
  return allow.rules
    .filter((rule) => !used?.has(rule))
    .map((rule) =>
      make(allow.start, text, {
        rule: "unused-allow",
        severity: "warning",
        message: !KNOWN_RULES.has(rule)
          ? `"${rule}" is not a dbship lint rule, so this comment acknowledges nothing.`
          : NOT_ACKNOWLEDGEABLE.has(rule)
            ? `"${rule}" cannot be acknowledged: the deploy fails on it whatever the reason.`
            : `The next statement has no "${rule}" finding, so this comment acknowledges nothing.`,
        safeAlternative: "Remove the comment, or name the rule id printed with the finding it should waive.",
      }),
    );
}

function lineAt(sql: string, at: number): string {
  const start = sql.lastIndexOf("\n", at - 1) + 1;
  const end = sql.indexOf("\n", at);
  return sql.slice(start, end === -1 ? sql.length : end).trim();
}

/**
 * Which statements share a transaction. Explicit BEGIN … COMMIT always makes one block; in
 * "single-transaction" mode (and when the mode is unknown: the strictest assumption) PostgreSQL
 * runs a multi-statement file as one implicit block, which COMMIT ends and a new one follows.
 */
export function assignTransactions(parsed: readonly ParsedStatement[], mode: ExecutionMode | undefined): Statement[] {
  const implicit = (mode ?? "single-transaction") === "single-transaction" && parsed.length > 1;
  let block = 0;
  let explicit = false;
  return parsed.map((statement, index) => {
    const kind = as(statement.node, "TransactionStmt")?.kind;
    if ((kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") && !explicit) {
      explicit = true;
      if (!implicit) block++;
    }
    const result: Statement = {
      index,
      node: statement.node,
      start: statement.start,
      end: statement.end,
      transaction: explicit || implicit ? block : undefined,
      explicitTransaction: explicit,
    };
    if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK" || kind === "TRANS_STMT_PREPARE") {
      explicit = false;
      block++;
    }
    return result;
  });
}
