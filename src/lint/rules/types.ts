// Column type changes. Most rewrite the table and every index on it under ACCESS EXCLUSIVE;
// PostgreSQL skips the rewrite only for binary-coercible changes that cannot fail, such as
// widening a varchar. Telling them apart needs the column's current type: from the batch itself
// or from LintContext.columnTypes.
import type { Node, TypeName } from "libpg-query";
import { as, columnType, formatColumnType, walk, type ColumnType } from "../ast.js";
import { ident, label, type RuleGroup, type RuleInfo } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const typeRules: RuleInfo[] = [
  {
    id: "lossy-type-change",
    severity: "error",
    summary: "ALTER COLUMN … TYPE whose conversion silently truncates or rounds existing values",
  },
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
        const using = def?.raw_default;
        const loss = target && lossyConversion(current, target, using);
        if (loss) {
          scope.report(statement, {
            rule: "lossy-type-change",
            severity: loss.certain ? "error" : "warning",
            message: `Changing ${column}${current ? ` from ${formatColumnType(current)}` : ""}${change} ${loss.what}: PostgreSQL does not fail, the values are changed without a word.`,
            safeAlternative:
              "Check first that no value changes (e.g. SELECT count(*) … WHERE col <> col::<new type>); if some do, decide what they become in an explicit UPDATE, or keep the wider type.",
          });
        }
        // Without USING the conversion is an assignment cast: a value that does not fit fails the
        // statement. In USING, an explicit cast truncates or rounds instead (lossy-type-change).
        const converts = using
          ? "and the USING expression decides each value (an explicit cast to a shorter type truncates silently)"
          : "and fails if a value does not fit the new type";
        const safeAlternative =
          "Add a new column of the new type, write both from the app, backfill in batches, switch reads, then drop the old column. Rewrite-free changes need no workaround: varchar(n) to a larger n, varchar to text, numeric(p,s) to a larger p.";
        if (current) {
          scope.report(statement, {
            rule: "changing-column-type",
            severity: "error",
            table: alter.table,
            message: `Changing ${column} from ${formatColumnType(current)}${change} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, ${converts}.`,
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
            message: `Changing ${column}${change} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock unless it only widens a varchar or numeric (the current type is not known here), ${converts}.`,
            safeAlternative,
          });
        }
      }
    },
  };
};

const TEXT_TYPES = new Set(["varchar", "bpchar", "text"]);
const TIME_TYPES = new Set(["timestamp", "timestamptz", "time", "timetz", "interval"]);
const FRACTIONAL_TYPES = new Set(["numeric", "float4", "float8", "real", "double precision"]);
const INTEGER_TYPES = new Set(["int2", "int4", "int8"]);

/**
 * Conversions that change values without an error: a shorter varchar/char through an explicit
 * cast (in USING), a smaller numeric scale, a smaller fractional-seconds precision, a fractional
 * type to an integer (all round). `certain` false: the current type is unknown, but the USING
 * expression casts to a length-limited text type, which truncates whatever is longer.
 */
export function lossyConversion(current: ColumnType | undefined, target: ColumnType, using: Node | undefined): { what: string; certain: boolean } | undefined {
  if (target.array || current?.array) return undefined;
  const castLength = using === undefined ? undefined : explicitTextCastLength(using);
  if (castLength !== undefined) {
    const from = current && TEXT_TYPES.has(current.name) ? current.mods[0] : undefined;
    if (current && TEXT_TYPES.has(current.name) && from !== undefined && from <= castLength) return undefined;
    return { what: `casts in USING to a length of ${castLength}, which silently cuts every longer value to ${castLength} characters`, certain: current !== undefined };
  }
  if (!current) return undefined;
  if (current.name === "numeric" && target.name === "numeric") {
    const fromScale = current.mods.length === 0 ? Number.POSITIVE_INFINITY : (current.mods[1] ?? 0);
    const toScale = target.mods.length === 0 ? Number.POSITIVE_INFINITY : (target.mods[1] ?? 0);
    if (toScale < fromScale) return { what: `reduces the scale to ${toScale} decimal place(s), which silently rounds every value with more`, certain: true };
  }
  if (TIME_TYPES.has(current.name) && current.name === target.name) {
    const from = current.mods[0] ?? 6;
    const to = target.mods[0] ?? 6;
    if (to < from) return { what: `reduces the fractional-seconds precision to ${to}, which silently rounds every value`, certain: true };
  }
  if (FRACTIONAL_TYPES.has(current.name) && INTEGER_TYPES.has(target.name)) {
    return { what: "converts to an integer type, which silently rounds every fractional value", certain: true };
  }
  return undefined;
}

/** The length of an explicit `::varchar(n)` / `::char(n)` cast in a USING expression. */
function explicitTextCastLength(using: Node): number | undefined {
  let length: number | undefined;
  walk(using, (tag, value) => {
    if (tag !== "TypeCast") return;
    const type = columnType((value as { typeName?: TypeName }).typeName);
    if (type && (type.name === "varchar" || type.name === "bpchar") && type.mods[0] !== undefined && !type.array) {
      length = Math.min(length ?? Number.POSITIVE_INFINITY, type.mods[0]);
    }
  });
  return length;
}

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
