// Adding columns and changing their nullability on production tables: what makes PostgreSQL
// rewrite or scan the whole table under ACCESS EXCLUSIVE, and what fails on existing rows.
import type { ColumnDef, Constraint, Node } from "libpg-query";
import { as, strings, walk } from "../ast.js";
import { ident, label, type RuleGroup, type RuleInfo, type RuleReport } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const columnRules: RuleInfo[] = [
  {
    id: "adding-required-field",
    severity: "error",
    summary: "ADD COLUMN … NOT NULL without a default on a production table",
  },
  {
    id: "adding-field-with-default",
    severity: "error",
    summary: "ADD COLUMN with a volatile default (rewrite); warning when volatility is unknown",
  },
  {
    id: "add-generated-or-identity-column",
    severity: "error",
    summary: "ADD COLUMN serial / identity / GENERATED … STORED on a production table (rewrite)",
  },
  { id: "set-not-null", severity: "error", summary: "ALTER COLUMN … SET NOT NULL on a production table" },
  { id: "ban-drop-not-null", severity: "warning", summary: "ALTER COLUMN … DROP NOT NULL on a production table" },
];

const SERIAL_TYPES = new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);

/** Functions whose value differs per row: as a default they force a rewrite. */
const VOLATILE_FUNCTIONS = new Set([
  "random",
  "random_normal",
  "gen_random_uuid",
  "gen_random_bytes",
  "uuid_generate_v1",
  "uuid_generate_v1mc",
  "uuid_generate_v4",
  "uuidv4",
  "uuidv7",
  "clock_timestamp",
  "timeofday",
  "nextval",
]);

/** Functions known to be stable or immutable: evaluated once, stored as the column's fast default. */
const STABLE_FUNCTIONS = new Set([
  "now",
  "transaction_timestamp",
  "statement_timestamp",
  "current_setting",
  "lower",
  "upper",
  "concat",
  "to_json",
  "to_jsonb",
  "json_build_object",
  "jsonb_build_object",
  "json_build_array",
  "jsonb_build_array",
  "make_date",
  "make_interval",
  "make_timestamp",
  "make_timestamptz",
]);

type Volatility = "constant" | "volatile" | "unknown";

export function defaultVolatility(expr: Node | undefined): { volatility: Volatility; functions: string[] } {
  let volatility: Volatility = "constant";
  const functions: string[] = [];
  walk(expr, (tag, value) => {
    if (tag !== "FuncCall") return;
    const names = strings((value as { funcname?: Node[] }).funcname);
    const name = (names[names.length - 1] ?? "").toLowerCase();
    if (VOLATILE_FUNCTIONS.has(name)) {
      volatility = "volatile";
      functions.push(name);
    } else if (!STABLE_FUNCTIONS.has(name) && volatility === "constant") {
      volatility = "unknown";
      functions.push(name);
    }
  });
  return { volatility, functions };
}

export const columns: RuleGroup = (scope) => {
  const { catalog, context } = scope;
  return {
    statement(statement) {
      const alter = alterTable(statement.node, catalog.defaultSchema);
      if (!alter || !catalog.isExistingTable(alter.table)) return;
      const table = label(alter.relation);
      for (const cmd of alter.cmds) {
        if (cmd.subtype === "AT_AddColumn") {
          const column = as(cmd.def, "ColumnDef");
          if (column) {
            checkAddColumn(column, table, context.serverVersionNum, (finding) => scope.report(statement, { ...finding, table: alter.table }));
          }
        } else if (cmd.subtype === "AT_SetNotNull" && cmd.name) {
          const pg12 = context.serverVersionNum === undefined || context.serverVersionNum >= 120000;
          if (pg12 && catalog.hasValidatedNotNullCheck(alter.table, cmd.name)) continue;
          scope.report(statement, {
            rule: "set-not-null",
            severity: "error",
            table: alter.table,
            message: `SET NOT NULL on ${ident(cmd.name)} of ${table} scans the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait), and fails if any row holds NULL.`,
            safeAlternative: `ADD CONSTRAINT … CHECK (${ident(cmd.name)} IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT in a later migration; then SET NOT NULL (PostgreSQL 12+ uses the valid CHECK and skips the scan) and drop the CHECK.`,
          });
        } else if (cmd.subtype === "AT_DropNotNull" && cmd.name) {
          scope.report(statement, {
            rule: "ban-drop-not-null",
            severity: "warning",
            message: `DROP NOT NULL on ${ident(cmd.name)} of ${table}: running app versions may not expect NULL there and fail when they read one.`,
            safeAlternative: "Ship code that handles NULL first, then relax the column in a later release.",
          });
        }
      }
    },
  };
};

function checkAddColumn(
  column: ColumnDef,
  table: string,
  serverVersionNum: number | undefined,
  report: (finding: RuleReport) => void,
): void {
  const name = ident(column.colname ?? "?");
  const constraints = (column.constraints ?? [])
    .map((item) => as(item, "Constraint"))
    .filter((c): c is Constraint => c !== undefined);
  const typeNames = strings(column.typeName?.names);
  const serial = SERIAL_TYPES.has((typeNames[typeNames.length - 1] ?? "").toLowerCase());
  const identity = constraints.some((c) => c.contype === "CONSTR_IDENTITY");
  const stored = constraints.some((c) => c.contype === "CONSTR_GENERATED" && c.generated_kind === "s");
  if (serial || identity || stored) {
    const what = serial ? "a serial column" : identity ? "an identity column" : "a stored generated column";
    report({
      rule: "add-generated-or-identity-column",
      severity: "error",
      message: `Adding ${name} to ${table} as ${what} computes a value for every existing row: a full table rewrite under an ACCESS EXCLUSIVE lock.`,
      safeAlternative:
        "Add a plain nullable column, fill it in batches (or with a trigger for new rows), then attach the default/sequence and constraints.",
    });
    return;
  }

  const defaultExpr = constraints.find((c) => c.contype === "CONSTR_DEFAULT")?.raw_expr;
  const hasDefault = defaultExpr !== undefined && as(defaultExpr, "A_Const")?.isnull !== true;
  const notNull = constraints.some((c) => c.contype === "CONSTR_NOTNULL" || c.contype === "CONSTR_PRIMARY");
  if (notNull && !hasDefault) {
    report({
      rule: "adding-required-field",
      severity: "error",
      message: `Adding ${name} to ${table} as NOT NULL without a default fails as soon as the table has a row, and inserts from running app versions (which don't set it) fail after.`,
      safeAlternative:
        "Add the column with a constant DEFAULT (no rewrite since PostgreSQL 11), or nullable; backfill; then make it NOT NULL via a NOT VALID CHECK and VALIDATE.",
    });
  }
  if (!hasDefault) return;
  const { volatility, functions } = defaultVolatility(defaultExpr);
  const oldServer = serverVersionNum !== undefined && serverVersionNum < 110000;
  if (volatility === "volatile" || oldServer) {
    report({
      rule: "adding-field-with-default",
      severity: "error",
      message: oldServer
        ? `Adding ${name} to ${table} with a DEFAULT rewrites the whole table under an ACCESS EXCLUSIVE lock on PostgreSQL before 11.`
        : `Adding ${name} to ${table} with the volatile default ${functions.join(", ")}() computes a value per row: a full table rewrite under an ACCESS EXCLUSIVE lock.`,
      safeAlternative:
        "Add the column without a default (or with a constant one), set the default for new rows, and backfill existing rows in batches.",
    });
  } else if (volatility === "unknown") {
    report({
      rule: "adding-field-with-default",
      severity: "warning",
      message: `Adding ${name} to ${table} with a default that calls ${functions.join(", ")}(): if that function is volatile, PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock.`,
      safeAlternative:
        "Use a constant or stable default, or add the column without a default and backfill it in batches.",
    });
  }
}
