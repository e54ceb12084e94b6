// Column type changes. Most rewrite the table and every index on it under ACCESS EXCLUSIVE;
// PostgreSQL skips the rewrite only for binary-coercible changes that cannot fail, such as
// widening a varchar. Telling them apart needs the column's current type: from the batch itself
// or from LintContext.columnTypes.
import { as, columnType, formatColumnType, type ColumnType } from "../ast.js";
import { ident, label, type RuleGroup, type RuleInfo } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const typeRules: RuleInfo[] = [
  {
    id: "changing-column-type",
    severity: "error",
    summary: "ALTER COLUMN … TYPE that rewrites a production table (warning when it may be a widening)",
  },
];

export const types: RuleGroup = (scope) => {
  const { catalog } = scope;
  return {
    statement(statement) {
      const alter = alterTable(statement.node, catalog.defaultSchema);
      if (!alter || !catalog.isExistingTable(alter.table)) return;
      for (const cmd of alter.cmds) {
        if (cmd.subtype !== "AT_AlterColumnType" || !cmd.name) continue;
        const def = as(cmd.def, "ColumnDef");
        const target = columnType(def?.typeName);
        const current = catalog.columnType(alter.table, cmd.name);
        // A USING expression or a new collation forces a rewrite or an index rebuild.
        const plain = def?.raw_default === undefined && def?.collClause === undefined;
        if (plain && current && target && isRewriteFree(current, target)) continue;

        const column = `${ident(cmd.name)} of ${label(alter.relation)}`;
        const change = target ? ` to ${formatColumnType(target)}` : "";
        const safeAlternative =
          "Add a new column of the new type, write both from the app, backfill in batches, switch reads, then drop the old column. Rewrite-free changes need no workaround: varchar(n) to a larger n, varchar to text, numeric(p,s) to a larger p.";
        if (current) {
          scope.report(statement, {
            rule: "changing-column-type",
            severity: "error",
            table: alter.table,
            message: `Changing ${column} from ${formatColumnType(current)}${change} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, and fails if a value does not convert.`,
            safeAlternative,
          });
        } else if (plain && target && isUnboundedText(target)) {
          scope.report(statement, {
            rule: "changing-column-type",
            severity: "warning",
            table: alter.table,
            message: `Changing ${column}${change} is rewrite-free if the column is varchar today; from any other type it rewrites the table and its indexes under an ACCESS EXCLUSIVE lock.`,
            safeAlternative,
          });
        } else {
          scope.report(statement, {
            rule: "changing-column-type",
            severity: "error",
            table: alter.table,
            message: `Changing ${column}${change} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock unless it only widens a varchar or numeric (the current type is not known here), and fails if a value does not convert.`,
            safeAlternative,
          });
        }
      }
    },
  };
};

function isUnboundedText(type: ColumnType): boolean {
  return !type.array && (type.name === "text" || (type.name === "varchar" && type.mods.length === 0));
}

/** Changes PostgreSQL makes by updating the catalog only (no rewrite, no scan, cannot fail). */
export function isRewriteFree(from: ColumnType, to: ColumnType): boolean {
  if (from.array !== to.array) return false;
  if (from.name === to.name && sameMods(from.mods, to.mods)) return true;
  if (from.array) return false;
  const [fromLength] = from.mods;
  const [toLength] = to.mods;
  switch (from.name) {
    case "varchar":
      if (to.name === "text") return true;
      if (to.name !== "varchar") return false;
      return toLength === undefined || (fromLength !== undefined && toLength >= fromLength);
    case "text":
      return to.name === "varchar" && toLength === undefined;
    case "varbit":
      if (to.name !== "varbit") return false;
      return toLength === undefined || (fromLength !== undefined && toLength >= fromLength);
    case "numeric": {
      if (to.name !== "numeric") return false;
      if (to.mods.length === 0) return true;
      if (fromLength === undefined || toLength === undefined) return false;
      return toLength >= fromLength && (from.mods[1] ?? 0) === (to.mods[1] ?? 0);
    }
    case "cidr":
      return to.name === "inet";
    default:
      return false;
  }
}

function sameMods(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
