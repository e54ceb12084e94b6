// Rewrites the other rule groups do not model: a table's persistence or tablespace changed (the
// whole table is copied under ACCESS EXCLUSIVE), a materialized view refreshed without
// CONCURRENTLY (ACCESS EXCLUSIVE: reads wait), and a partition detached without CONCURRENTLY.
import { as, relationName } from "../ast.js";
import { label, type RuleGroup, type RuleInfo } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const storageRules: RuleInfo[] = [
  {
    id: "table-persistence-or-tablespace",
    severity: "error",
    summary: "ALTER TABLE … SET LOGGED / SET UNLOGGED / SET TABLESPACE on a production table (full copy under ACCESS EXCLUSIVE)",
  },
  {
    id: "refresh-materialized-view-concurrently",
    severity: "error",
    summary: "REFRESH MATERIALIZED VIEW without CONCURRENTLY on a view production reads",
  },
  {
    id: "detach-partition-concurrently",
    severity: "warning",
    summary: "DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+)",
  },
];

export const storage: RuleGroup = (scope) => {
  const { catalog, context } = scope;
  const schema = catalog.defaultSchema;
  return {
    statement(statement) {
      const { node } = statement;
      const alter = alterTable(node, schema);
      if (alter && catalog.isExistingTable(alter.table)) {
        for (const cmd of alter.cmds) {
          if (cmd.subtype === "AT_SetUnLogged" || cmd.subtype === "AT_SetLogged" || cmd.subtype === "AT_SetTableSpace") {
            const what =
              cmd.subtype === "AT_SetUnLogged"
                ? "SET UNLOGGED copies the whole table under an ACCESS EXCLUSIVE lock, and afterwards the table is emptied by a crash and is not replicated to standbys"
                : cmd.subtype === "AT_SetLogged"
                  ? "SET LOGGED copies the whole table into the WAL under an ACCESS EXCLUSIVE lock"
                  : `SET TABLESPACE ${cmd.name ?? ""} copies the whole table, file by file, under an ACCESS EXCLUSIVE lock`;
            scope.report(statement, {
              rule: "table-persistence-or-tablespace",
              severity: "error",
              table: alter.table,
              message: `On ${label(alter.relation)}, ${what}: reads and writes wait for the whole copy.`,
              safeAlternative:
                cmd.subtype === "AT_SetTableSpace"
                  ? "Move the table with pg_repack --tablespace (online), or in a maintenance window."
                  : "Create a new table with the wanted persistence, copy in batches, and swap by rename in a short migration; or do it in a maintenance window.",
            });
          } else if (cmd.subtype === "AT_DetachPartition" && !as(cmd.def, "PartitionCmd")?.concurrent) {
            const pg14 = context.serverVersionNum === undefined || context.serverVersionNum >= 140000;
            if (!pg14) continue;
            const partition = as(cmd.def, "PartitionCmd")?.name;
            scope.report(statement, {
              rule: "detach-partition-concurrently",
              severity: "warning",
              message: `DETACH PARTITION ${label(partition)} takes an ACCESS EXCLUSIVE lock on ${label(alter.relation)}: every query on the partitioned table waits, and queues behind any long transaction on it.`,
              safeAlternative:
                "ALTER TABLE … DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+), alone in a migration of its own (it cannot run in a transaction block); if interrupted, finish it with DETACH PARTITION … FINALIZE.",
            });
          }
        }
        return;
      }

      const refresh = as(node, "RefreshMatViewStmt");
      if (refresh && !refresh.concurrent && !refresh.skipData) {
        const view = relationName(refresh.relation, schema);
        if (catalog.isCreatedByBatch(view)) return;
        scope.report(statement, {
          rule: "refresh-materialized-view-concurrently",
          severity: "error",
          table: view,
          message: `REFRESH MATERIALIZED VIEW ${label(refresh.relation)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the view: every read of it waits for the whole refresh.`,
          safeAlternative:
            "REFRESH MATERIALIZED VIEW CONCURRENTLY (the view needs a unique index on plain columns), ideally from a job rather than a migration.",
        });
      }
    },
  };
};
