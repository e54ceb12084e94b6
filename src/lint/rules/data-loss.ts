// Statements that destroy production data. A snapshot can bring the data back, but only by
// rolling back every write made since: so these block a deploy until acknowledged.
import type { Node } from "libpg-query";
import { as, qualify, relationName, strings } from "../ast.js";
import { ident, label, labelParts, type RuleGroup, type RuleInfo } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const dataLossRules: RuleInfo[] = [
  { id: "ban-drop-database", severity: "error", summary: "DROP DATABASE" },
  { id: "ban-drop-schema", severity: "error", summary: "DROP SCHEMA drops every object in it" },
  { id: "ban-drop-table", severity: "error", summary: "DROP TABLE on a production table" },
  { id: "ban-drop-column", severity: "error", summary: "DROP COLUMN on a production table" },
  { id: "ban-truncate", severity: "error", summary: "TRUNCATE of a production table" },
  {
    id: "ban-drop-cascade",
    severity: "error",
    summary: "DROP TYPE/DOMAIN/EXTENSION/FUNCTION/PROCEDURE/SEQUENCE … CASCADE (drops dependent columns, defaults, indexes)",
  },
  {
    id: "require-where-on-update-delete",
    severity: "error",
    summary: "UPDATE or DELETE without WHERE on a production table",
  },
];

/** What CASCADE takes with each kind of object (PostgreSQL's dependency rules, docs/lint.md). */
const CASCADE_EFFECTS: Record<string, { kind: string; effect: string; type?: boolean }> = {
  OBJECT_TYPE: { kind: "TYPE", type: true, effect: "every column of that type, with its data, in every table" },
  OBJECT_DOMAIN: { kind: "DOMAIN", type: true, effect: "every column of that domain, with its data, in every table" },
  OBJECT_EXTENSION: {
    kind: "EXTENSION",
    effect: "every column of a type the extension defines (citext, geometry, vector, …) with its data, and every index, default and view using its functions",
  },
  OBJECT_FUNCTION: { kind: "FUNCTION", effect: "every index, trigger, default, generated column and view that uses it" },
  OBJECT_PROCEDURE: { kind: "PROCEDURE", effect: "everything that depends on it" },
  OBJECT_SEQUENCE: { kind: "SEQUENCE", effect: "every column DEFAULT nextval() on it, so inserts that relied on the default start failing" },
};

/** A dropped object's name as written ("schema.name" or "name"). */
function objectName(object: Node): string {
  const parts = strings(as(object, "TypeName")?.names);
  if (parts.length > 0) return parts.join(".");
  const fn = strings(as(object, "ObjectWithArgs")?.objname);
  if (fn.length > 0) return fn.join(".");
  const list = strings(as(object, "List")?.items);
  if (list.length > 0) return list.join(".");
  return as(object, "String")?.sval ?? "?";
}

export const dataLoss: RuleGroup = (scope) => {
  const { catalog } = scope;
  const schema = catalog.defaultSchema;
  // Prisma writes a renamed field as DROP COLUMN + ADD COLUMN on the same table.
  const tablesGainingColumns = new Set<string>();
  for (const statement of scope.statements) {
    const alter = alterTable(statement.node, schema);
    if (alter?.cmds.some((cmd) => cmd.subtype === "AT_AddColumn")) tablesGainingColumns.add(alter.table);
  }

  return {
    statement(statement) {
      const { node } = statement;
      const report = (rule: string, message: string, safeAlternative: string) =>
        scope.report(statement, { rule, severity: "error", message, safeAlternative });

      const dropDatabase = as(node, "DropdbStmt");
      if (dropDatabase) {
        report(
          "ban-drop-database",
          `DROP DATABASE ${ident(dropDatabase.dbname ?? "?")} destroys every table and row in it, and cannot run inside a migration's transaction anyway.`,
          "Never drop a database from a migration; retire it by hand after a verified backup.",
        );
        return;
      }

      const drop = as(node, "DropStmt");
      if (drop?.removeType === "OBJECT_SCHEMA") {
        for (const object of drop.objects ?? []) {
          const name = as(object, "String")?.sval ?? "?";
          if (catalog.isNewSchema(name)) continue;
          report(
            "ban-drop-schema",
            `DROP SCHEMA ${ident(name)}${drop.behavior === "DROP_CASCADE" ? " CASCADE" : ""} drops every table, type and function in it, with their data.`,
            "Drop the schema's objects one by one in a later release, once nothing uses them and their data is archived.",
          );
        }
        return;
      }
      const cascaded = drop?.behavior === "DROP_CASCADE" ? CASCADE_EFFECTS[drop.removeType ?? ""] : undefined;
      if (drop && cascaded) {
        const names = (drop.objects ?? []).map(objectName).filter((name) => !(cascaded.type && catalog.isNewType(qualify(name.split("."), schema))));
        if (names.length === 0) return;
        report(
          "ban-drop-cascade",
          `DROP ${cascaded.kind} ${names.map((n) => n.split(".").map(ident).join(".")).join(", ")} CASCADE also drops everything that depends on it, without listing it: ${cascaded.effect}.`,
          `Drop without CASCADE: PostgreSQL then refuses and names each dependent object; remove or migrate those first (in an earlier release), then drop.`,
        );
        return;
      }
      if (drop?.removeType === "OBJECT_TABLE") {
        for (const object of drop.objects ?? []) {
          const parts = strings(as(object, "List")?.items);
          if (!catalog.isExistingTable(qualify(parts, schema))) continue;
          report(
            "ban-drop-table",
            `DROP TABLE ${labelParts(parts)} deletes the table and all its rows (under an ACCESS EXCLUSIVE lock); app versions still reading it start failing.`,
            "Stop reading and writing the table first and deploy that; archive or prove it empty; drop it in a later release.",
          );
        }
        return;
      }

      const truncate = as(node, "TruncateStmt");
      if (truncate) {
        const tables = (truncate.relations ?? [])
          .map((item) => as(item, "RangeVar"))
          .filter((relation) => catalog.isExistingTable(relationName(relation, schema)));
        if (tables.length === 0) return;
        const cascade = truncate.behavior === "DROP_CASCADE";
        report(
          "ban-truncate",
          `TRUNCATE ${tables.map(label).join(", ")} deletes every row${cascade ? ", and CASCADE empties every table with a foreign key to it too" : ""}, under an ACCESS EXCLUSIVE lock.`,
          "Delete the rows you mean with a WHERE clause, in batches, outside the schema migration; or do it by hand after a backup.",
        );
        return;
      }

      const del = as(node, "DeleteStmt");
      const update = as(node, "UpdateStmt");
      const dml = del ?? update;
      if (dml && !dml.whereClause && catalog.isExistingTable(relationName(dml.relation, schema))) {
        const verb = del ? "DELETE" : "UPDATE";
        report(
          "require-where-on-update-delete",
          `${verb} on ${label(dml.relation)} without WHERE ${del ? "deletes" : "rewrites"} every row in one transaction: row locks on the whole table, bloat and WAL for all of it.`,
          `Add a WHERE clause; for a backfill, ${verb} in batches by primary key outside the DDL migration.`,
        );
        return;
      }

      const alter = alterTable(node, schema);
      if (!alter || !catalog.isExistingTable(alter.table)) return;
      for (const cmd of alter.cmds) {
        if (cmd.subtype !== "AT_DropColumn" || catalog.isNewColumn(alter.table, cmd.name ?? "")) continue;
        const column = ident(cmd.name ?? "?");
        const rename = tablesGainingColumns.has(alter.table);
        report(
          "ban-drop-column",
          `Dropping column ${column} of ${label(alter.relation)} deletes its data; app versions still selecting it start failing.` +
            (rename
              ? " This migration also adds a column to the table: if this is a rename, Prisma wrote it as DROP + ADD and the data is lost."
              : ""),
          rename
            ? `For a rename, keep the data: add the new column, backfill it, switch the app, and drop ${column} in a later release (or edit the migration to RENAME COLUMN, see renaming-column).`
            : "Stop reading and writing the column first and deploy that; drop it in a later release.",
        );
      }
    },
  };
};
