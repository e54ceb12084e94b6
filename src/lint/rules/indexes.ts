// Index builds and drops. Without CONCURRENTLY, CREATE INDEX holds a SHARE lock (writes wait for
// the whole build) and DROP INDEX an ACCESS EXCLUSIVE one. CONCURRENTLY has its own rule: it
// must be alone in its migration (transactions.ts).
import { as, qualify, relationName, strings } from "../ast.js";
import { ident, label, labelParts, type RuleGroup, type RuleInfo } from "../rule.js";

export const indexRules: RuleInfo[] = [
  {
    id: "require-concurrent-index-creation",
    severity: "error",
    summary: "CREATE INDEX without CONCURRENTLY on a production table",
  },
  {
    id: "require-concurrent-index-deletion",
    severity: "warning",
    summary: "DROP INDEX without CONCURRENTLY on a production table",
  },
  { id: "require-concurrent-reindex", severity: "warning", summary: "REINDEX without CONCURRENTLY" },
];

export const indexes: RuleGroup = (scope) => {
  const { catalog } = scope;
  const schema = catalog.defaultSchema;
  /** An index the batch did not create may be on any table: assume a production one. */
  const onExistingTable = (index: string) => {
    const table = catalog.tableOfIndex(index);
    return table === undefined || catalog.isExistingTable(table);
  };

  return {
    statement(statement) {
      const { node } = statement;
      const create = as(node, "IndexStmt");
      if (create) {
        const table = relationName(create.relation, schema);
        if (create.concurrent || !catalog.isExistingTable(table)) return;
        const kind = create.unique ? "UNIQUE INDEX" : "INDEX";
        scope.report(statement, {
          rule: "require-concurrent-index-creation",
          severity: "error",
          table,
          message: `CREATE ${kind}${create.idxname ? ` ${ident(create.idxname)}` : ""} on ${label(create.relation)} without CONCURRENTLY blocks every write to the table for the whole build${create.unique ? ", and fails on duplicates" : ""}.`,
          safeAlternative: `CREATE ${kind} CONCURRENTLY, alone in a migration of its own (Prisma cannot run it next to other statements); if the build fails, drop the INVALID index before retrying.`,
        });
        return;
      }

      const drop = as(node, "DropStmt");
      if (drop?.removeType === "OBJECT_INDEX" && !drop.concurrent) {
        for (const object of drop.objects ?? []) {
          const parts = strings(as(object, "List")?.items);
          if (!onExistingTable(qualify(parts, schema))) continue;
          scope.report(statement, {
            rule: "require-concurrent-index-deletion",
            severity: "warning",
            message: `DROP INDEX ${labelParts(parts)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table: reads and writes wait, and queue behind any long transaction.`,
            safeAlternative:
              "DROP INDEX CONCURRENTLY, alone in a migration of its own (not possible for an index that backs a constraint: drop the constraint instead).",
          });
        }
        return;
      }

      const reindex = as(node, "ReindexStmt");
      if (reindex) {
        // REINDEX SYSTEM has no CONCURRENTLY form (system catalogs cannot be reindexed concurrently).
        if (reindex.kind === "REINDEX_OBJECT_SYSTEM") return;
        if ((reindex.params ?? []).some((p) => as(p, "DefElem")?.defname === "concurrently")) return;
        if (reindex.kind === "REINDEX_OBJECT_TABLE" && !catalog.isExistingTable(relationName(reindex.relation, schema))) return;
        if (reindex.kind === "REINDEX_OBJECT_INDEX" && !onExistingTable(relationName(reindex.relation, schema))) return;
        scope.report(statement, {
          rule: "require-concurrent-reindex",
          severity: "warning",
          table:
            reindex.kind === "REINDEX_OBJECT_TABLE"
              ? relationName(reindex.relation, schema)
              : reindex.kind === "REINDEX_OBJECT_INDEX"
                ? catalog.tableOfIndex(relationName(reindex.relation, schema))
                : undefined,
          message: "REINDEX without CONCURRENTLY blocks writes to the table, and reads that would use the index, until it finishes.",
          safeAlternative: "REINDEX … CONCURRENTLY (PostgreSQL 12+), alone in a migration of its own.",
        });
      }
    },
  };
};
