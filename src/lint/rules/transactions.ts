// Rules that depend on how the statements of one migration.sql share transactions: statements
// PostgreSQL refuses inside a transaction block, BEGIN without COMMIT, and enum values added
// and used in one transaction. The engine decides which statements share one (Statement.transaction)
// from LintContext.executionMode.
import type { Node } from "libpg-query";
import { as, qualify, strings, walk } from "../ast.js";
import { labelParts, type RuleGroup, type RuleInfo, type Statement } from "../rule.js";

export const transactionRules: RuleInfo[] = [
  {
    id: "concurrently-in-transaction",
    severity: "error",
    summary: "CONCURRENTLY (or VACUUM, …) in a transaction block or a multi-statement file Prisma sends as one",
  },
  { id: "ban-uncommitted-transaction", severity: "error", summary: "BEGIN without COMMIT" },
  {
    id: "enum-add-value-in-transaction",
    severity: "error",
    summary: "ALTER TYPE … ADD VALUE in a transaction on PostgreSQL < 12 (warning when the version is unknown)",
  },
  {
    id: "enum-value-used-in-same-transaction",
    severity: "error",
    summary: "A value added with ADD VALUE is used before its transaction commits",
  },
];

/** What PostgreSQL refuses to run inside a transaction block, in words, or undefined. */
function nonTransactional(node: Node): string | undefined {
  const index = as(node, "IndexStmt");
  if (index?.concurrent) return "CREATE INDEX CONCURRENTLY";
  const drop = as(node, "DropStmt");
  if (drop?.concurrent) return "DROP INDEX CONCURRENTLY";
  const reindex = as(node, "ReindexStmt");
  if (reindex?.params?.some((p) => as(p, "DefElem")?.defname === "concurrently")) return "REINDEX CONCURRENTLY";
  const alter = as(node, "AlterTableStmt");
  for (const item of alter?.cmds ?? []) {
    const cmd = as(item, "AlterTableCmd");
    if (cmd?.subtype === "AT_DetachPartition" && as(cmd.def, "PartitionCmd")?.concurrent) {
      return "DETACH PARTITION CONCURRENTLY";
    }
  }
  if (as(node, "VacuumStmt")?.is_vacuumcmd) return "VACUUM";
  if (as(node, "CreatedbStmt")) return "CREATE DATABASE";
  if (as(node, "AlterSystemStmt")) return "ALTER SYSTEM";
  return undefined;
}

export const transactions: RuleGroup = (scope) => {
  const { context, catalog } = scope;
  const modeKnown = context.executionMode !== undefined;
  let openBegin: Statement | undefined;
  /** Enum types created per transaction: their new values are usable at once. */
  const typesCreated = new Map<string, number>();
  /** Values added per transaction that cannot be used before it commits. */
  const pendingValues = new Map<number, Map<string, string>>();

  function whyInTransaction(statement: Statement): string {
    if (statement.explicitTransaction) return "it runs inside the file's BEGIN … COMMIT block";
    return modeKnown
      ? "this Prisma version sends the whole multi-statement file as one transaction"
      : "Prisma before 7.4 sends a multi-statement file as one transaction";
  }

  return {
    statement(statement) {
      const { node } = statement;
      const transaction = as(node, "TransactionStmt");
      if (transaction?.kind === "TRANS_STMT_BEGIN" || transaction?.kind === "TRANS_STMT_START") {
        openBegin ??= statement;
      } else if (
        transaction?.kind === "TRANS_STMT_COMMIT" ||
        transaction?.kind === "TRANS_STMT_ROLLBACK" ||
        transaction?.kind === "TRANS_STMT_PREPARE"
      ) {
        openBegin = undefined;
      }

      const refused = nonTransactional(node);
      if (refused && statement.transaction !== undefined) {
        scope.report(statement, {
          rule: "concurrently-in-transaction",
          severity: "error",
          message: `${refused} cannot run inside a transaction block, and ${whyInTransaction(statement)}: the deploy fails with "cannot run inside a transaction block" (25001) and Prisma records the migration as failed.`,
          safeAlternative: `Put the ${refused} statement alone in a migration.sql of its own, with no BEGIN/COMMIT.`,
        });
      }

      if (statement.transaction === undefined) return;
      const tx = statement.transaction;
      const createEnum = as(node, "CreateEnumStmt");
      if (createEnum) typesCreated.set(qualify(strings(createEnum.typeName), catalog.defaultSchema), tx);

      const pending = pendingValues.get(tx);
      if (pending && pending.size > 0) reportUses(statement, pending);

      const alterEnum = as(node, "AlterEnumStmt");
      if (alterEnum?.newVal === undefined || alterEnum.oldVal !== undefined) return;
      const parts = strings(alterEnum.typeName);
      if (typesCreated.get(qualify(parts, catalog.defaultSchema)) === tx) return;
      const values = pending ?? new Map<string, string>();
      values.set(alterEnum.newVal, labelParts(parts));
      pendingValues.set(tx, values);

      const version = context.serverVersionNum;
      if (version !== undefined && version >= 120000) return;
      scope.report(statement, {
        rule: "enum-add-value-in-transaction",
        severity: version === undefined ? "warning" : "error",
        message:
          `ALTER TYPE ${labelParts(parts)} ADD VALUE '${alterEnum.newVal}' cannot run inside a transaction block before PostgreSQL 12, and ${whyInTransaction(statement)}` +
          (version === undefined ? " (production's version is not known here)." : `: production runs ${version}, so the deploy fails.`),
        safeAlternative: "Put each ALTER TYPE … ADD VALUE alone in a migration.sql of its own, or upgrade to PostgreSQL 12+.",
      });
    },
    end() {
      if (!openBegin) return;
      scope.report(openBegin, {
        rule: "ban-uncommitted-transaction",
        severity: "error",
        message: "This BEGIN has no COMMIT before the end of the file: the migration can look applied while its changes are rolled back when the session ends.",
        safeAlternative: "End the block with COMMIT; (or remove BEGIN and let Prisma send the file as it does).",
      });
    },
  };

  function reportUses(statement: Statement, pending: ReadonlyMap<string, string>): void {
    const used = new Set<string>();
    walk(statement.node, (tag, value) => {
      if (tag !== "A_Const") return;
      const text = (value as { sval?: { sval?: string } }).sval?.sval;
      if (text !== undefined && pending.has(text)) used.add(text);
    });
    for (const value of used) {
      scope.report(statement, {
        rule: "enum-value-used-in-same-transaction",
        severity: "error",
        message: `'${value}' was added to enum ${pending.get(value)} earlier in this transaction; PostgreSQL refuses to use a new enum value before that transaction commits ("unsafe use of new value", 55P04).`,
        safeAlternative: "Add the enum value in one migration and use it (defaults, backfills, inserts) in a later migration.",
      });
    }
  }
};
