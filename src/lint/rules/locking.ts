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

/** The first production table the statement locks ACCESS EXCLUSIVE, as written, if any. */
export function accessExclusiveTarget(node: Node, catalog: Catalog): string | undefined {
  return lockTarget(node, catalog)?.text;
}

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

type TimeoutChange = { set: boolean; local: boolean } | undefined;

/** How a statement changes lock_timeout: SET / SET LOCAL / RESET / set_config(). */
function lockTimeoutChange(node: Node): TimeoutChange {
  const set = as(node, "VariableSetStmt");
  if (set) {
    if (set.kind === "VAR_RESET_ALL") return { set: false, local: false };
    if (set.name !== "lock_timeout") return undefined;
    if (set.kind !== "VAR_SET_VALUE") return { set: false, local: Boolean(set.is_local) };
    return { set: !isZero(constantText(set.args?.[0])), local: Boolean(set.is_local) };
  }
  const select = as(node, "SelectStmt");
  for (const target of select?.targetList ?? []) {
    const call = as(as(target, "ResTarget")?.val, "FuncCall");
    const name = strings(call?.funcname).at(-1);
    if (name !== "set_config" || constantText(call?.args?.[0]) !== "lock_timeout") continue;
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

export const locking: RuleGroup = (scope) => {
  const { catalog } = scope;
  let sessionTimeout = false;
  /** Transaction in which SET LOCAL lock_timeout applies. */
  let localTimeout: number | undefined;
  let reported = false;

  const covered = (statement: Statement) =>
    sessionTimeout || (localTimeout !== undefined && localTimeout === statement.transaction);

  return {
    statement(statement) {
      const { node } = statement;
      const change = lockTimeoutChange(node);
      if (change) {
        if (!change.local) {
          sessionTimeout = change.set;
          if (!change.set) localTimeout = undefined;
        } else {
          // SET LOCAL outside a transaction block does nothing.
          localTimeout = change.set ? statement.transaction : undefined;
        }
        return;
      }

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

      if (reported || covered(statement)) return;
      const target = lockTarget(node, catalog);
      if (!target) return;
      reported = true;
      const table = target.index ? "that table" : "the table";
      scope.report(statement, {
        rule: "require-lock-timeout",
        severity: "warning",
        message: `This takes an ACCESS EXCLUSIVE lock on ${target.text} and the migration sets no lock_timeout before it: if a long transaction holds ${table}, the statement waits, and every query on ${table} queues behind it.`,
        safeAlternative:
          "Start the migration with SET lock_timeout = '5s'; and retry the deploy if it times out.",
      });
    },
  };
};
