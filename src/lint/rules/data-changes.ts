// Data changed by a migration (not its schema): rows deleted or rewritten in the deploy's
// transaction, a backfill that holds the lock an earlier DDL statement took on its table, and a
// column assigned twice in one statement (PostgreSQL refuses it; the parser does not).
// UPDATE/DELETE without WHERE is data-loss.ts's require-where-on-update-delete.
import type { Node } from "libpg-query";
import { as, relationName } from "../ast.js";
import { ident, label, type RuleGroup, type RuleInfo, type Statement } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const dataChangeRules: RuleInfo[] = [
  { id: "delete-in-migration", severity: "error", summary: "DELETE (with WHERE) on a production table in a migration" },
  { id: "update-in-migration", severity: "warning", summary: "UPDATE (with WHERE) on a production table in a migration" },
  {
    id: "backfill-in-ddl-transaction",
    severity: "error",
    summary: "UPDATE/DELETE/INSERT on a table after DDL on it in the same transaction: the DDL's lock is held for the whole backfill",
  },
  { id: "duplicate-column-assignment", severity: "error", summary: "The same column assigned twice in one UPDATE or INSERT (PostgreSQL refuses it)" },
];

/** The table a data-changing statement writes, and the verb. */
function dataTarget(node: Node): { relation: Parameters<typeof relationName>[0]; verb: string; where: boolean } | undefined {
  const update = as(node, "UpdateStmt");
  if (update) return { relation: update.relation, verb: "UPDATE", where: update.whereClause !== undefined };
  const del = as(node, "DeleteStmt");
  if (del) return { relation: del.relation, verb: "DELETE", where: del.whereClause !== undefined };
  const insert = as(node, "InsertStmt");
  if (insert) return { relation: insert.relation, verb: "INSERT", where: true };
  return undefined;
}

export const dataChanges: RuleGroup = (scope) => {
  const { catalog } = scope;
  const schema = catalog.defaultSchema;
  /** "transaction/table" → the DDL statement that locked the table in that transaction. */
  const lockedByDdl = new Map<string, Statement>();

  return {
    statement(statement) {
      const { node } = statement;
      const alter = alterTable(node, schema);
      if (alter && statement.transaction !== undefined && catalog.isExistingTable(alter.table)) {
        const key = `${statement.transaction}/${alter.table}`;
        if (!lockedByDdl.has(key)) lockedByDdl.set(key, statement);
        return;
      }

      const target = dataTarget(node);
      if (!target) return;
      const table = relationName(target.relation, schema);
      duplicateAssignments(node, (column) =>
        scope.report(statement, {
          rule: "duplicate-column-assignment",
          severity: "error",
          message: `${target.verb} assigns ${ident(column)} of ${label(target.relation)} twice: PostgreSQL refuses the statement ("multiple assignments to same column"), so the deploy fails here.`,
          safeAlternative: "Assign each column once; combine the two expressions into one.",
        }),
      );
      if (!catalog.isExistingTable(table)) return;

      const ddl = statement.transaction === undefined ? undefined : lockedByDdl.get(`${statement.transaction}/${table}`);
      if (ddl) {
        const { line } = scope.source.position(ddl.start);
        scope.report(statement, {
          rule: "backfill-in-ddl-transaction",
          severity: "error",
          table,
          message: `This ${target.verb} writes ${label(target.relation)} in the same transaction as the ALTER TABLE on line ${line}, so that statement's ACCESS EXCLUSIVE lock is held until the whole ${target.verb} commits: reads and writes of the table wait for the backfill.`,
          safeAlternative:
            "Ship the DDL alone; backfill in batches (by primary key, each batch its own transaction) from a later migration or a script, then add constraints.",
        });
        return;
      }
      // UPDATE/DELETE without WHERE is require-where-on-update-delete's.
      if (!target.where) return;
      if (target.verb === "DELETE") {
        scope.report(statement, {
          rule: "delete-in-migration",
          severity: "error",
          message: `DELETE from ${label(target.relation)} removes production rows in the deploy: only restoring the snapshot (and losing every write since) brings them back, and row locks are held until the migration commits.`,
          safeAlternative: "Archive the rows first (copy them to a table or a file), then delete in batches from a script you can stop; or acknowledge it if the rows are provably disposable.",
        });
      } else if (target.verb === "UPDATE") {
        scope.report(statement, {
          rule: "update-in-migration",
          severity: "warning",
          message: `UPDATE of ${label(target.relation)} rewrites production rows inside the deploy's transaction: each row stays locked until the migration commits, and a large UPDATE holds them (and bloats the table) for long.`,
          safeAlternative: "Backfill in batches by primary key, each batch its own transaction, from a script or a later migration; keep the migration for schema changes.",
        });
      }
    },
  };
};

/** Calls `report` once per column that an UPDATE SET or an INSERT column list names twice. */
function duplicateAssignments(node: Node, report: (column: string) => void): void {
  const names: string[] = [];
  const update = as(node, "UpdateStmt");
  for (const item of update?.targetList ?? []) {
    const target = as(item, "ResTarget");
    // SET (a, b) = (…) lists a, b as separate targets; a.field = … assigns a part: skip those.
    if (target?.name && (target.indirection ?? []).length === 0) names.push(target.name);
  }
  const insert = as(node, "InsertStmt");
  for (const item of insert?.cols ?? []) {
    const target = as(item, "ResTarget");
    if (target?.name && (target.indirection ?? []).length === 0) names.push(target.name);
  }
  const seen = new Set<string>();
  const reported = new Set<string>();
  for (const name of names) {
    if (seen.has(name) && !reported.has(name)) {
      reported.add(name);
      report(name);
    }
    seen.add(name);
  }
}

