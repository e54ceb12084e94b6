// Lock hygiene. A DDL statement waiting for ACCESS EXCLUSIVE (behind any open transaction on
// the table) makes every later query on that table queue behind it: without lock_timeout a
// deploy can stall production even when the DDL itself is instant.
import type { Node } from "libpg-query";
import { as, qualify, relationName, strings } from "../ast.js";
import type { Catalog } from "../catalog.js";
import { label, labelParts, type RuleGroup, type RuleInfo, type Statement } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const lockingRules: RuleInfo[] = [
  {
    id: "require-lock-timeout",
    severity: "warning",
    summary: "ACCESS EXCLUSIVE lock on a production table with no lock_timeout set before it",
  },
  {
    id: "require-statement-timeout",
    severity: "warning",
    summary: "lock_timeout set but no statement_timeout before a statement that scans, rewrites or indexes a production table",
  },
  { id: "prefer-repack", severity: "error", summary: "VACUUM FULL or CLUSTER on a production table" },
];

/** ALTER TABLE forms that take less than ACCESS EXCLUSIVE. */
const WEAKER_ALTERS = new Set([
  "AT_ValidateConstraint",
  "AT_SetStatistics",
  "AT_SetOptions",
  "AT_ResetOptions",
  "AT_ClusterOn",
  "AT_DropCluster",
  "AT_AttachPartition",
  "AT_SetRelOptions",
  "AT_ResetRelOptions",
  "AT_EnableTrig",
  "AT_EnableAlwaysTrig",
  "AT_EnableReplicaTrig",
  "AT_DisableTrig",
  "AT_EnableTrigAll",
  "AT_DisableTrigAll",
  "AT_EnableTrigUser",
  "AT_DisableTrigUser",
]);

const ACCESS_EXCLUSIVE_LOCK_MODE = 8;

/**
 * What the statement locks ACCESS EXCLUSIVE, for messages: "table X", or "the table of index X"
 * (DROP INDEX locks the index's table too, and that is what every query waits on).
 */
function lockTarget(node: Node, catalog: Catalog): { text: string; index: boolean } | undefined {
  const target = tableTarget(node, catalog);
  if (target === undefined) return undefined;
  return typeof target === "string" ? { text: target, index: false } : target;
}

function tableTarget(node: Node, catalog: Catalog): string | { text: string; index: boolean } | undefined {
  const schema = catalog.defaultSchema;
  const existing = (relation: Parameters<typeof relationName>[0]) =>
    catalog.isExistingTable(relationName(relation, schema));

  const alter = alterTable(node, schema);
  if (alter) {
    if (!catalog.isExistingTable(alter.table)) return undefined;
    const strong = alter.cmds.some((cmd) => {
      if (cmd.subtype === "AT_AddConstraint") return as(cmd.def, "Constraint")?.contype !== "CONSTR_FOREIGN";
      if (cmd.subtype === "AT_DetachPartition") return !as(cmd.def, "PartitionCmd")?.concurrent;
      return !WEAKER_ALTERS.has(cmd.subtype ?? "");
    });
    return strong ? label(alter.relation) : undefined;
  }
  const drop = as(node, "DropStmt");
  if (drop && (drop.removeType === "OBJECT_TABLE" || (drop.removeType === "OBJECT_INDEX" && !drop.concurrent))) {
    for (const object of drop.objects ?? []) {
      const parts = strings(as(object, "List")?.items);
      const name = qualify(parts, schema);
      if (drop.removeType === "OBJECT_TABLE") {
        if (catalog.isExistingTable(name)) return labelParts(parts);
        continue;
      }
      // An index the batch did not create may sit on any table: assume a production one.
      const table = catalog.tableOfIndex(name);
      if (table === undefined || catalog.isExistingTable(table)) return { text: `the table of index ${labelParts(parts)}`, index: true };
    }
    return undefined;
  }
  const rename = as(node, "RenameStmt");
  if (
    rename &&
    (rename.renameType === "OBJECT_TABLE" ||
      rename.renameType === "OBJECT_COLUMN" ||
      rename.renameType === "OBJECT_TABCONSTRAINT")
  ) {
    return existing(rename.relation) ? label(rename.relation) : undefined;
  }
  const truncate = as(node, "TruncateStmt");
  const lock = as(node, "LockStmt");
  const relations = truncate?.relations ?? (lock?.mode === ACCESS_EXCLUSIVE_LOCK_MODE ? lock.relations : undefined);
  for (const item of relations ?? []) {
    const relation = as(item, "RangeVar");
    if (existing(relation)) return label(relation);
  }
  return rewriteTarget(node, catalog)?.text;
}

/** VACUUM FULL / CLUSTER: the table is rewritten under ACCESS EXCLUSIVE. `table`: its catalog key. */
function rewriteTarget(node: Node, catalog: Catalog): { text: string; table?: string } | undefined {
  const schema = catalog.defaultSchema;
  const vacuum = as(node, "VacuumStmt");
  if (vacuum?.is_vacuumcmd && vacuum.options?.some(isFullOption)) {
    if (!vacuum.rels || vacuum.rels.length === 0) return { text: "every table" };
    for (const item of vacuum.rels) {
      const relation = as(item, "VacuumRelation")?.relation;
      const table = relationName(relation, schema);
      if (catalog.isExistingTable(table)) return { text: label(relation), table };
    }
    return undefined;
  }
  const cluster = as(node, "ClusterStmt");
  if (cluster) {
    if (!cluster.relation) return { text: "every clustered table" };
    const table = relationName(cluster.relation, schema);
    return catalog.isExistingTable(table) ? { text: label(cluster.relation), table } : undefined;
  }
  return undefined;
}

/** `FULL`, `FULL TRUE`, `FULL 1`, `FULL on`; not `FULL FALSE`, `FULL 0`, `FULL off` (no rewrite). */
function isFullOption(option: Node): boolean {
  const element = as(option, "DefElem");
  if (element?.defname !== "full") return false;
  if (element.arg === undefined) return true;
  const integer = as(element.arg, "Integer");
  if (integer) return (integer.ival ?? 0) !== 0;
  const text = (as(element.arg, "String")?.sval ?? as(element.arg, "Boolean")?.boolval?.toString() ?? "true").toLowerCase();
  return !["false", "off", "no", "0"].includes(text);
}

/** A statement whose duration grows with a production table: it scans, rewrites or indexes it. */
function scannedOrRewritten(node: Node, catalog: Catalog): { what: string; table: string } | undefined {
  const schema = catalog.defaultSchema;
  const alter = alterTable(node, schema);
  if (alter) {
    if (!catalog.isExistingTable(alter.table)) return undefined;
    for (const cmd of alter.cmds) {
      const constraint = as(cmd.def, "Constraint");
      if (cmd.subtype === "AT_AlterColumnType" || cmd.subtype === "AT_SetUnLogged" || cmd.subtype === "AT_SetLogged" || cmd.subtype === "AT_SetTableSpace") {
        return { what: "rewrites", table: label(alter.relation) };
      }
      if (cmd.subtype === "AT_SetNotNull" && !catalog.hasValidatedNotNullCheck(alter.table, cmd.name ?? "")) {
        return { what: "scans", table: label(alter.relation) };
      }
      if (cmd.subtype === "AT_AddConstraint" && constraint && !constraint.skip_validation && !constraint.indexname && constraint.contype !== "CONSTR_NOTNULL") {
        return { what: "scans", table: label(alter.relation) };
      }
    }
    return undefined;
  }
  const index = as(node, "IndexStmt");
  if (index && !index.concurrent && catalog.isExistingTable(relationName(index.relation, schema))) {
    return { what: "builds an index on", table: label(index.relation) };
  }
  const rewritten = rewriteTarget(node, catalog);
  if (rewritten) return { what: "rewrites", table: rewritten.text };
  return undefined;
}

type TimeoutChange = { set: boolean; local: boolean } | undefined;

/** How a statement changes `setting` (lock_timeout, statement_timeout): SET / SET LOCAL / RESET / set_config(). */
function timeoutChange(node: Node, setting: string): TimeoutChange {
  const set = as(node, "VariableSetStmt");
  if (set) {
    if (set.kind === "VAR_RESET_ALL") return { set: false, local: false };
    if (set.name !== setting) return undefined;
    if (set.kind !== "VAR_SET_VALUE") return { set: false, local: Boolean(set.is_local) };
    return { set: !isZero(constantText(set.args?.[0])), local: Boolean(set.is_local) };
  }
  const select = as(node, "SelectStmt");
  for (const target of select?.targetList ?? []) {
    const call = as(as(target, "ResTarget")?.val, "FuncCall");
    const name = strings(call?.funcname).at(-1);
    if (name !== "set_config" || constantText(call?.args?.[0]) !== setting) continue;
    const local = as(call?.args?.[2], "A_Const")?.boolval?.boolval === true;
    return { set: !isZero(constantText(call?.args?.[1])), local };
  }
  return undefined;
}

function constantText(node: Node | undefined): string | undefined {
  const constant = as(node, "A_Const");
  if (!constant) return undefined;
  if (constant.sval) return constant.sval.sval ?? "";
  if (constant.ival) return String(constant.ival.ival ?? 0);
  if (constant.fval) return constant.fval.fval ?? "0";
  return undefined;
}

function isZero(value: string | undefined): boolean {
  return value === undefined || Number.parseFloat(value) === 0;
}

/** Whether a timeout setting is in force at a statement, following SET / SET LOCAL / RESET. */
class TimeoutTracker {
  private session = false;
  /** Transaction in which SET LOCAL applies. */
  private local: number | undefined;
  constructor(private readonly setting: string) {}

  /** True when the statement changed the setting (and is nothing else). */
  apply(statement: Statement): boolean {
    const change = timeoutChange(statement.node, this.setting);
    if (!change) return false;
    if (!change.local) {
      this.session = change.set;
      if (!change.set) this.local = undefined;
    } else {
      // SET LOCAL outside a transaction block does nothing.
      this.local = change.set ? statement.transaction : undefined;
    }
    return true;
  }

  covers(statement: Statement): boolean {
    return this.session || (this.local !== undefined && this.local === statement.transaction);
  }
}

export const locking: RuleGroup = (scope) => {
  const { catalog } = scope;
  const lockTimeout = new TimeoutTracker("lock_timeout");
  const statementTimeout = new TimeoutTracker("statement_timeout");
  let reported = false;
  let reportedStatementTimeout = false;

  return {
    statement(statement) {
      const { node } = statement;
      // (a RESET ALL changes both)
      const changedLock = lockTimeout.apply(statement);
      const changedStatement = statementTimeout.apply(statement);
      if (changedLock || changedStatement) return;

      const rewritten = rewriteTarget(node, catalog);
      if (rewritten) {
        scope.report(statement, {
          rule: "prefer-repack",
          severity: "error",
          table: rewritten.table,
          message: `${as(node, "ClusterStmt") ? "CLUSTER" : "VACUUM FULL"} rewrites ${rewritten.text} under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite.`,
          safeAlternative: "Use pg_repack (or REPACK CONCURRENTLY on PostgreSQL 19+) outside the migration.",
        });
      }

      if (lockTimeout.covers(statement)) {
        // lock_timeout bounds the wait for the lock, not how long it is held once granted: a
        // scan or rewrite that takes longer than planned needs statement_timeout as well.
        if (reportedStatementTimeout || statementTimeout.covers(statement)) return;
        const long = scannedOrRewritten(node, catalog);
        if (!long) return;
        reportedStatementTimeout = true;
        scope.report(statement, {
          rule: "require-statement-timeout",
          severity: "warning",
          message: `This ${long.what} ${long.table} while holding its lock, and the migration sets lock_timeout but no statement_timeout: lock_timeout only limits the wait for the lock, so if it takes longer than planned, every query on the table waits until it ends.`,
          safeAlternative: "Also SET statement_timeout (e.g. '30s', above what the statement needs at production's size) next to SET lock_timeout; retry or rethink the migration if it times out.",
        });
        return;
      }
      if (reported) return;
      const target = lockTarget(node, catalog);
      if (!target) return;
      reported = true;
      const table = target.index ? "that table" : "the table";
      scope.report(statement, {
        rule: "require-lock-timeout",
        severity: "warning",
        message: `This takes an ACCESS EXCLUSIVE lock on ${target.text} and the migration sets no lock_timeout before it: if a long transaction holds ${table}, the statement waits, and every query on ${table} queues behind it.`,
        safeAlternative:
          "Start the migration with SET lock_timeout = '5s'; and SET statement_timeout = '30s'; (the first bounds the wait for the lock, the second how long it is held), and retry the deploy if one times out.",
      });
    },
  };
};
