// Preflight's lint of the pending migrations, with what production knows: which tables exist
// now (a table created in the same batch may be altered freely), its column types, its server
// version, and how this project's Prisma sends the SQL.
import { DbshipError } from "../errors.js";
import { withConnection } from "../infra/pg.js";
import type { LintFinding, LintResult } from "../lint/index.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import type { ProductionStatus } from "../migrations/production-status.js";
import { projectExecutionMode } from "../prisma/engine-mode.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";

/** Findings that no flag can waive: the deploy itself would fail on them. */
const ALWAYS_BLOCKING = new Set(["parse-error", "prisma-semicolon-split"]);

export async function lintPending(input: {
  databaseUrl: string;
  prisma: PrismaCli;
  /** prisma.config's `engine`, as Prisma's loader evaluates it. */
  engine: "js" | "classic" | undefined;
  production: Pick<ProductionStatus, "tables" | "serverVersionNum">;
  pending: LocalMigration[];
}): Promise<LintResult> {
  const columnTypes = await withConnection(
    input.databaseUrl,
    async (client) => {
      const result = await client.query<{ key: string; type: string }>(
        `SELECT lower(n.nspname || '.' || c.relname || '.' || a.attname) AS key, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
      );
      return new Map(result.rows.map((row) => [row.key, row.type]));
    },
    { applicationName: "dbship lint" },
  );
  // Loaded here, not at start-up: libpg-query's WebAssembly is only needed when something is pending.
  const { lintMigrations } = await import("../lint/index.js");
  return lintMigrations(
    input.pending.map((migration) => ({ name: migration.name, sql: migration.sql })),
    {
      existingTables: input.production.tables,
      serverVersionNum: input.production.serverVersionNum,
      executionMode: projectExecutionMode(input.prisma, input.engine),
      columnTypes,
    },
  );
}

/** The findings that stop the deploy: errors not acknowledged, unless --allow-destructive. */
export function blockingFindings(result: LintResult, allowDestructive: boolean): LintFinding[] {
  return result.findings.filter(
    (finding) => finding.severity === "error" && !finding.acknowledged && (!allowDestructive || ALWAYS_BLOCKING.has(finding.rule)),
  );
}

export async function lintError(blocking: LintFinding[]): Promise<DbshipError> {
  const { formatFinding } = await import("../lint/index.js");
  return new DbshipError("LINT_ERRORS", `lint found ${blocking.length} blocking problem(s) in the pending migrations:\n${blocking.map((f) => indent(formatFinding(f))).join("\n")}`, {
    hint: "Make the migration safe as suggested, or acknowledge one finding with `-- dbship:allow <rule> <reason>` on the line above its statement, or pass --allow-destructive (parse errors and `;` that Prisma would split always block).",
    details: { findings: blocking },
  });
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}
