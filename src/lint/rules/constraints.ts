// Constraints added to production tables. Validating one scans the whole table while holding
// the lock the ADD took; NOT VALID splits that into a short lock now and a scan later under a
// lock that lets reads and writes through. Unique and primary keys build an index instead.
import type { Constraint } from "libpg-query";
import { as, strings } from "../ast.js";
import { ident, label, type RuleGroup, type RuleInfo, type RuleReport } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const constraintRules: RuleInfo[] = [
  {
    id: "constraint-missing-not-valid",
    severity: "error",
    summary: "ADD CHECK on a production table without NOT VALID",
  },
  {
    id: "adding-foreign-key-constraint",
    severity: "error",
    summary: "ADD FOREIGN KEY on a production table without NOT VALID",
  },
  {
    id: "disallowed-unique-constraint",
    severity: "error",
    summary: "ADD UNIQUE on a production table without USING INDEX",
  },
  {
    id: "adding-primary-key-constraint",
    severity: "error",
    summary: "ADD PRIMARY KEY on a production table without USING INDEX",
  },
  { id: "add-exclusion-constraint", severity: "warning", summary: "ADD EXCLUDE on a production table" },
  {
    id: "validate-in-same-transaction",
    severity: "error",
    summary: "VALIDATE CONSTRAINT in the transaction that added it NOT VALID",
  },
];

export const constraints: RuleGroup = (scope) => {
  const { catalog } = scope;
  /** "table/constraint" → transaction of its NOT VALID ADD, for constraints added in this file. */
  const addedNotValid = new Map<string, number | undefined>();
  return {
    statement(statement) {
      const alter = alterTable(statement.node, catalog.defaultSchema);
      if (!alter || !catalog.isExistingTable(alter.table)) return;
      const table = label(alter.relation);
      const report = (finding: RuleReport) => scope.report(statement, { ...finding, table: alter.table });
      for (const cmd of alter.cmds) {
        if (cmd.subtype === "AT_AddConstraint") {
          const constraint = as(cmd.def, "Constraint");
          if (!constraint) continue;
          checkConstraint(constraint, table, undefined, report);
          if (constraint.skip_validation && constraint.conname) {
            addedNotValid.set(`${alter.table}/${constraint.conname}`, statement.transaction);
          }
        } else if (cmd.subtype === "AT_AddColumn") {
          const column = as(cmd.def, "ColumnDef");
          for (const item of column?.constraints ?? []) {
            const constraint = as(item, "Constraint");
            if (constraint) checkConstraint(constraint, table, column?.colname, report);
          }
        } else if (cmd.subtype === "AT_ValidateConstraint" && cmd.name) {
          const key = `${alter.table}/${cmd.name}`;
          if (!addedNotValid.has(key)) continue;
          const transaction = addedNotValid.get(key);
          if (transaction === undefined || transaction !== statement.transaction) continue;
          report({
            rule: "validate-in-same-transaction",
            severity: "error",
            message: `VALIDATE CONSTRAINT ${ident(cmd.name)} runs in the transaction that added it, so the ADD's lock on ${table} is held through the whole validation scan: NOT VALID gains nothing.`,
            safeAlternative:
              "Move the VALIDATE CONSTRAINT into its own, later migration (it takes only a SHARE UPDATE EXCLUSIVE lock there).",
          });
        }
      }
    },
  };
};

/** `column` is set for a constraint written inline in ADD COLUMN (it cannot say NOT VALID). */
function checkConstraint(
  constraint: Constraint,
  table: string,
  column: string | undefined,
  report: (finding: RuleReport) => void,
): void {
  const name = constraint.conname
    ? `constraint ${ident(constraint.conname)}`
    : column
      ? `the inline constraint on new column ${ident(column)}`
      : "the constraint";
  switch (constraint.contype) {
    case "CONSTR_CHECK":
      if (constraint.skip_validation) return;
      report({
        rule: "constraint-missing-not-valid",
        severity: "error",
        message: `Adding CHECK ${name} to ${table} scans every row under an ACCESS EXCLUSIVE lock (reads and writes wait), and fails if a row violates it.`,
        safeAlternative: column
          ? "Add the column first, then ADD CONSTRAINT … CHECK (…) NOT VALID, and VALIDATE CONSTRAINT in a later migration."
          : "ADD CONSTRAINT … CHECK (…) NOT VALID here (new rows are checked at once), and VALIDATE CONSTRAINT in a later migration.",
      });
      return;
    case "CONSTR_FOREIGN": {
      if (constraint.skip_validation) return;
      const target = label(constraint.pktable);
      report({
        rule: "adding-foreign-key-constraint",
        severity: "error",
        message: `Adding FOREIGN KEY ${name} to ${table} scans every row while holding SHARE ROW EXCLUSIVE locks on ${table} and ${target}: writes to both wait. It fails on orphan rows.`,
        safeAlternative: column
          ? "Add the column first, then ADD CONSTRAINT … FOREIGN KEY … NOT VALID, and VALIDATE CONSTRAINT in a later migration."
          : "ADD CONSTRAINT … FOREIGN KEY … NOT VALID here (new rows are checked at once), and VALIDATE CONSTRAINT in a later migration.",
      });
      return;
    }
    case "CONSTR_UNIQUE":
      if (constraint.indexname) return;
      report({
        rule: "disallowed-unique-constraint",
        severity: "error",
        message: `Adding UNIQUE ${name} to ${table} builds its index under an ACCESS EXCLUSIVE lock (reads and writes wait for the whole build), and fails on duplicates.`,
        safeAlternative:
          "CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX in the next one.",
      });
      return;
    case "CONSTR_PRIMARY": {
      if (constraint.indexname) return;
      const keys = strings(constraint.keys);
      report({
        rule: "adding-primary-key-constraint",
        severity: "error",
        message: `Adding PRIMARY KEY ${keys.length > 0 ? `(${keys.map(ident).join(", ")}) ` : ""}to ${table} builds its index and checks NOT NULL under an ACCESS EXCLUSIVE lock, and fails on NULLs or duplicates.`,
        safeAlternative:
          "CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, make the columns NOT NULL via a validated CHECK, then ADD CONSTRAINT … PRIMARY KEY USING INDEX.",
      });
      return;
    }
    case "CONSTR_EXCLUSION":
      report({
        rule: "add-exclusion-constraint",
        severity: "warning",
        message: `Adding EXCLUDE ${name} to ${table} builds its index and checks every row under an ACCESS EXCLUSIVE lock; there is no NOT VALID form.`,
        safeAlternative: "Plan a maintenance window, or build the data in a new table that has the constraint from the start.",
      });
      return;
    default:
      return;
  }
}
