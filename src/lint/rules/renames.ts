// Renames are instant but break every running app version that still uses the old name: during
// a deploy the old app keeps serving until the new one is up.
import { as, qualify, relationName, strings } from "../ast.js";
import { ident, label, labelParts, type RuleGroup, type RuleInfo } from "../rule.js";

export const renameRules: RuleInfo[] = [
  { id: "renaming-table", severity: "error", summary: "ALTER TABLE … RENAME TO on a production table" },
  { id: "renaming-column", severity: "error", summary: "RENAME COLUMN on a production table" },
  {
    id: "rename-schema-or-enum-value",
    severity: "error",
    summary: "ALTER SCHEMA … RENAME or ALTER TYPE … RENAME VALUE",
  },
];

export const renames: RuleGroup = (scope) => {
  const { catalog } = scope;
  const schema = catalog.defaultSchema;
  return {
    statement(statement) {
      const report = (rule: string, message: string, safeAlternative: string) =>
        scope.report(statement, { rule, severity: "error", message, safeAlternative });

      const enumRename = as(statement.node, "AlterEnumStmt");
      if (enumRename?.oldVal !== undefined) {
        const parts = strings(enumRename.typeName);
        if (catalog.isNewType(qualify(parts, schema))) return;
        report(
          "rename-schema-or-enum-value",
          `Renaming value '${enumRename.oldVal}' of enum ${labelParts(parts)} makes running app versions fail when they read or write the old value.`,
          "Add the new value, move the data and the code to it, and remove the old value in a later release.",
        );
        return;
      }

      const rename = as(statement.node, "RenameStmt");
      if (!rename) return;
      if (rename.renameType === "OBJECT_SCHEMA") {
        if (catalog.isNewSchema(rename.subname ?? "")) return;
        report(
          "rename-schema-or-enum-value",
          `Renaming schema ${ident(rename.subname ?? "?")} breaks every running query that names it.`,
          "Keep the schema name; create the new schema, move objects in steps, and drop the old one later.",
        );
        return;
      }
      const table = relationName(rename.relation, schema);
      if (!catalog.isExistingTable(table)) return;
      if (rename.renameType === "OBJECT_TABLE") {
        report(
          "renaming-table",
          `Renaming ${label(rename.relation)} to ${ident(rename.newname ?? "?")} breaks running app versions that still use the old name (and takes an ACCESS EXCLUSIVE lock).`,
          "Keep the SQL name and rename only in Prisma with @@map; or create the new table, dual-write, backfill, switch reads, and drop the old table later.",
        );
      } else if (
        rename.renameType === "OBJECT_COLUMN" &&
        rename.relationType === "OBJECT_TABLE" &&
        !catalog.isNewColumn(table, rename.subname ?? "")
      ) {
        report(
          "renaming-column",
          `Renaming column ${ident(rename.subname ?? "?")} of ${label(rename.relation)} to ${ident(rename.newname ?? "?")} breaks running app versions that still use the old name.`,
          "Keep the SQL name and rename only in Prisma with @map; or add the new column, dual-write, backfill, switch reads, and drop the old column later.",
        );
      }
    },
  };
};
