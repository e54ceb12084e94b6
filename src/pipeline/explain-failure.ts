// Ties a failed rehearsal back to the data that made it fail, where SQL alone could not know:
// the CHECK constraint that existing rows violate, the NOT NULL column that holds nulls. It
// counts the offending rows on the rehearsal copy (production's data, never production itself)
// and names the statement (with its line in migration.sql).
import { withConnection } from "../infra/pg.js";
import { quoteIdent } from "../infra/urls.js";
import type { LocalMigration } from "../migrations/local-migrations.js";

export type FailureExplanation = {
  summary: string;
  kind: "check" | "not-null";
  table: string;
  constraint?: string;
  column?: string;
  violatingRows: number;
  statement?: string;
  line?: number;
};

const CHECK_VIOLATED = /check constraint "([^"]+)" of relation "([^"]+)" is violated by some row/;
const NULLS_FOUND = /column "([^"]+)" of relation "([^"]+)" contains null values/;

export async function explainRehearsalFailure(
  url: string,
  local: LocalMigration[],
  failure: { migration: string; error: string },
): Promise<FailureExplanation | undefined> {
  const sql = local.find((migration) => migration.name === failure.migration)?.sql ?? "";
  try {
    const check = CHECK_VIOLATED.exec(failure.error);
    if (check) {
      const [, constraint, table] = check as unknown as [string, string, string];
      const found = findCheckExpression(sql, constraint);
      if (!found) return undefined;
      const rows = await countRows(url, table, `(${found.expression}) IS FALSE`);
      return {
        summary: `${rows} row(s) of ${table} violate ${constraint}: CHECK (${found.expression}), at ${failure.migration}/migration.sql line ${found.line}`,
        kind: "check",
        table,
        constraint,
        violatingRows: rows,
        statement: found.statement,
        line: found.line,
      };
    }
    // The 6.x adapter path reports a NOT NULL failure as "Null constraint failed:" without the
    // column: look at the columns the migration makes NOT NULL and find the one holding nulls.
    const nulls = NULLS_FOUND.exec(failure.error);
    if (nulls || /Null constraint failed/i.test(failure.error)) {
      const candidates = (await notNullTargets(sql)).filter((target) => !nulls || (target.column === nulls[1] && target.table === nulls[2]));
      for (const target of candidates) {
        const rows = await countRows(url, target.table, `${quoteIdent(target.column)} IS NULL`).catch(() => 0);
        if (rows === 0) continue;
        return {
          summary: `${rows} row(s) of ${target.table} have ${target.column} = NULL, which the statement at ${failure.migration}/migration.sql line ${target.line} forbids`,
          kind: "not-null",
          table: target.table,
          column: target.column,
          violatingRows: rows,
          line: target.line,
        };
      }
    }
  } catch {
    // The explanation is a bonus: the rehearsal's own error is already in the report.
  }
  return undefined;
}

async function countRows(url: string, table: string, condition: string): Promise<number> {
  return withConnection(
    url,
    async (client) => Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdent(table)} WHERE ${condition}`)).rows[0]?.n ?? 0),
    { applicationName: "dbship rehearsal" },
  );
}

/** The parenthesised expression after CHECK in the statement that adds `constraint`. */
export function findCheckExpression(sql: string, constraint: string): { expression: string; statement: string; line: number } | undefined {
  const named = new RegExp(`CONSTRAINT\\s+"?${constraint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?\\s+CHECK\\s*\\(`, "i").exec(sql);
  if (!named) return undefined;
  const open = named.index + named[0].length - 1;
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) {
      const statementStart = sql.lastIndexOf(";", named.index) + 1;
      const statementEnd = sql.indexOf(";", i);
      const statement = sql.slice(statementStart, statementEnd === -1 ? undefined : statementEnd + 1).replace(/^(\s*--[^\n]*\n|\s+)+/, "").trim();
      return { expression: sql.slice(open + 1, i).trim(), statement, line: sql.slice(0, named.index).split("\n").length };
    }
  }
  return undefined;
}

type NotNullTarget = { table: string; column: string; line: number };

// The few parse-tree fields read below (libpg-query's JSON, every field optional).
type AlterTableCmd = {
  subtype?: string;
  name?: string;
  def?: { ColumnDef?: { colname?: string; constraints?: Array<{ Constraint?: { contype?: string } }> } };
};
type ParsedStatement = { AlterTableStmt?: { relation?: { relname?: string }; cmds?: Array<{ AlterTableCmd?: AlterTableCmd }> } };

/** Columns an ALTER TABLE in `sql` makes NOT NULL (SET NOT NULL, or ADD COLUMN … NOT NULL). */
async function notNullTargets(sql: string): Promise<NotNullTarget[]> {
  const { parse } = await import("libpg-query");
  const tree = (await parse(sql)) as { stmts: Array<{ stmt: ParsedStatement; stmt_location?: number }> };
  const targets: NotNullTarget[] = [];
  for (const { stmt, stmt_location: location = 0 } of tree.stmts) {
    const alter = stmt.AlterTableStmt;
    if (!alter?.relation?.relname) continue;
    const line = sql.slice(0, location + leadingSpace(sql, location)).split("\n").length;
    for (const { AlterTableCmd: cmd } of alter.cmds ?? []) {
      if (cmd?.subtype === "AT_SetNotNull" && cmd.name) targets.push({ table: alter.relation.relname, column: cmd.name, line });
      const column = cmd?.subtype === "AT_AddColumn" ? cmd.def?.ColumnDef : undefined;
      if (column?.colname && column.constraints?.some((c) => c.Constraint?.contype === "CONSTR_NOTNULL")) targets.push({ table: alter.relation.relname, column: column.colname, line });
    }
  }
  return targets;
}

/** stmt_location points at the end of the previous statement: skip to the statement's first token. */
function leadingSpace(sql: string, location: number): number {
  const rest = sql.slice(location);
  return rest.length - rest.replace(/^(\s|;|--[^\n]*\n)+/, "").length;
}
