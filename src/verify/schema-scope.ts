// What each comparison scope looks at. The diff and the fingerprint both work on the projected
// model, so "fingerprints equal" and "no differences" always agree.
import { byText } from "./read-tables.js";
import type { ColumnModel, SchemaModel, TableModel } from "./schema-types.js";

export type SchemaScope = "full" | "prisma";

/** Prisma writes @default(autoincrement()) for a serial's nextval() and for an identity column alike. */
function prismaColumn(column: ColumnModel): ColumnModel {
  const autoincrement = column.identity !== null || (column.default?.startsWith("nextval(") ?? false);
  return {
    ...column,
    default: autoincrement ? "autoincrement()" : column.default,
    identity: null,
    // Not expressible in a Prisma schema (generated columns, column collations): not compared.
    generated: null,
    collation: null,
  };
}

function prismaTable(table: TableModel): TableModel {
  return {
    ...table,
    columns: table.columns.map(prismaColumn),
    // @unique and @@unique are unique indexes to Prisma, whether made by CREATE UNIQUE INDEX or ADD CONSTRAINT UNIQUE.
    indexes: table.indexes.map((index) => ({ ...index, constraint: null })),
    // MATCH FULL, DEFERRABLE, NOT VALID: no Prisma syntax for them.
    foreignKeys: table.foreignKeys.map((key) => ({ ...key, options: "" })),
  };
}

function sorted(model: SchemaModel): SchemaModel {
  return {
    tables: model.tables
      .map((table) => ({
        ...table,
        columns: [...table.columns].sort((a, b) => byText(a.name, b.name)),
        indexes: [...table.indexes].sort((a, b) => byText(a.name, b.name)),
        foreignKeys: [...table.foreignKeys].sort((a, b) => byText(a.name, b.name)),
      }))
      .sort((a, b) => byText(a.schema, b.schema) || byText(a.name, b.name)),
    enums: [...model.enums].sort((a, b) => byText(a.schema, b.schema) || byText(a.name, b.name)),
    notCompared: [...model.notCompared].sort(
      (a, b) => byText(a.kind, b.kind) || byText(a.table ?? "", b.table ?? "") || byText(a.name, b.name),
    ),
  };
}

/** The model as `scope` compares it, in canonical order. */
export function projectModel(model: SchemaModel, scope: SchemaScope): SchemaModel {
  const canonical = sorted(model);
  if (scope === "full") return canonical;
  return {
    tables: canonical.tables.map(prismaTable),
    // Values added with ALTER TYPE … ADD VALUE land at the end whatever their place in
    // schema.prisma, and Prisma itself ignores the order: compare the set.
    enums: canonical.enums.map((item) => ({ ...item, labels: [...item.labels].sort(byText) })),
    notCompared: [],
  };
}
