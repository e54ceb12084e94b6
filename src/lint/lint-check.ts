// Preflight's lint of the pending migrations, with what production knows: which tables exist
// now (a table created in the same batch may be altered freely), its column types, its server
// version, and how this project's Prisma sends the SQL.
import { DbshipError } from "../errors.js";
import { withConnection } from "../infra/pg.js";
import type { Config } from "../config.js";
import type { LintAllow, LintFinding, LintResult, SmallTableLimits } from "./index.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import type { ProductionStatus } from "../migrations/production-status.js";
import { projectExecutionMode } from "../prisma/engine-mode.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";
import { readColumnTypes, readTablesWithPolicies, readTableSizes, readValidNotNullChecks } from "./production-facts.js";

/** Findings that no flag can waive: the deploy itself would fail on them. */
const ALWAYS_BLOCKING = new Set(["parse-error", "prisma-semicolon-split"]);

export async function lintPending(input: {
  databaseUrl: string;
  prisma: PrismaCli;
  /** prisma.config's `engine`, as Prisma's loader evaluates it. */
  engine: "js" | "classic" | undefined;
  production: Pick<ProductionStatus, "tables" | "serverVersionNum">;
  pending: LocalMigration[];
  allow?: readonly LintAllow[];
  smallTable?: SmallTableLimits;
}): Promise<LintResult> {
  return withConnection(
    input.databaseUrl,
    async (client) => {
      const columnTypes = await readColumnTypes(client);
      const validNotNullChecks = await readValidNotNullChecks(client);
      const tablesWithPolicies = await readTablesWithPolicies(client);
      // Loaded here, not at start-up: libpg-query's WebAssembly is only needed when something is pending.
      const { lintMigrations, sizeSensitiveTables, withTableSizes } = await import("./index.js");
      const result = await lintMigrations(
        input.pending.map((migration) => ({ name: migration.name, sql: migration.sql })),
        {
          existingTables: input.production.tables,
          serverVersionNum: input.production.serverVersionNum,
          executionMode: projectExecutionMode(input.prisma, input.engine),
          columnTypes,
          validNotNullChecks,
          tablesWithPolicies,
          allow: input.allow,
        },
      );
      // Sizes only of the tables a lock, scan or rewrite finding is about: pg_total_relation_size
      // reads each relation's files, so not every table in production.
      const tables = sizeSensitiveTables(result);
      if (tables.length === 0) return result;
      return withTableSizes(result, await readTableSizes(client, tables, input.production.serverVersionNum), input.smallTable);
    },
    { applicationName: "dbship lint" },
  );
}

/**
 * `--allow` rules and dbship.config.json's lint.allow as acknowledgements. An unknown rule id, or
 * one that cannot be acknowledged, is bad input (exit 2): a typo must not leave a finding
 * blocking without saying why, nor hide that the rule is gone.
 */
export async function lintAllows(flagRules: readonly string[], config: Config): Promise<LintAllow[]> {
  const { acknowledgeableRule } = await import("./index.js");
  const allows: LintAllow[] = [];
  for (const rule of flagRules.flatMap((value) => value.split(",")).map((rule) => rule.trim()).filter(Boolean)) {
    if (!acknowledgeableRule(rule)) throw unknownRule(rule, "USAGE", "--allow");
    allows.push({ rule, reason: `--allow ${rule} on the command line`, by: "flag" });
  }
  config.lint.allow.forEach((entry, index) => {
    if (!acknowledgeableRule(entry.rule)) throw unknownRule(entry.rule, "CONFIG_INVALID", `lint.allow.${index}.rule in ${config.configPath ?? "dbship.config.json"}`);
    allows.push({ rule: entry.rule, migration: entry.migration, reason: entry.reason, by: "config" });
  });
  return allows;
}

function unknownRule(rule: string, code: "USAGE" | "CONFIG_INVALID", where: string): DbshipError {
  const always = ALWAYS_BLOCKING.has(rule) || rule === "invalid-allow-comment" || rule === "unused-allow";
  return new DbshipError(code, `${where}: ${always ? `"${rule}" cannot be acknowledged` : `"${rule}" is not a dbship lint rule`}`, {
    hint: always
      ? "Parse errors and `;` that Prisma would split fail the deploy whatever the reason: fix the migration."
      : "Name the rule id printed with the finding (e.g. ban-drop-column); `dbship lint --help` explains the forms.",
  });
}

/** The findings that stop the deploy: errors not acknowledged, unless --allow-destructive. */
export function blockingFindings(result: LintResult, allowDestructive: boolean): LintFinding[] {
  return result.findings.filter(
    (finding) => finding.severity === "error" && !finding.acknowledged && (!allowDestructive || ALWAYS_BLOCKING.has(finding.rule)),
  );
}

export async function lintError(blocking: LintFinding[]): Promise<DbshipError> {
  const { formatFinding } = await import("./index.js");
  return new DbshipError("LINT_ERRORS", `lint found ${blocking.length} blocking problem(s) in the pending migrations:\n${blocking.map((f) => indent(formatFinding(f))).join("\n")}`, {
    hint: "Make the migration safe as suggested, or acknowledge a rule without editing the migration: `--allow <rule>[,<rule>…]`, or a lint.allow entry {migration, rule, reason} in dbship.config.json; or with `-- dbship:allow <rule> <reason>` on the line above its statement. --allow-destructive waives every finding (parse errors and `;` that Prisma would split always block).",
    details: { findings: blocking },
  });
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}
