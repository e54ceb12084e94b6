// Reads tables, columns, keys, indexes and enums from pg_catalog: the part of a schema that a
// Prisma schema can express. Objects that belong to an extension (PostGIS's spatial_ref_sys,
// an extension's enum) are the extension's, not the project's, and are left out.
import type pg from "pg";
import type { CatalogScope, ColumnModel, EnumModel, ForeignKeyModel, IndexModel, ReferentialAction, TableModel } from "./schema-types.js";
import { ident, normaliseDefault, qualified } from "./sql-text.js";

/** Byte-order comparison: the model must sort the same under every locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQL condition: the object (an OID expression in `catalog`) is not part of an extension. */
export const NOT_AN_EXTENSION_MEMBER = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`;

const ACTIONS: Record<string, ReferentialAction> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

type TableRow = { oid: string; schema: string; name: string };
type ColumnRow = {
  oid: string;
  name: string;
  type: string;
  not_null: boolean;
  identity: string;
  generated: string;
  expression: string | null;
  collation: string | null;
};
type ConstraintRow = {
  oid: string;
  name: string;
  type: "p" | "u" | "f" | "x";
  index_oid: string;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
  on_update: string;
  on_delete: string;
  match: string;
  ref_schema: string | null;
  ref_table: string | null;
  columns: string[];
  ref_columns: string[];
};
type IndexRow = {
  oid: string;
  index_oid: string;
  name: string;
  unique: boolean;
  valid: boolean;
  method: string;
  definition: string;
  include: string[];
  predicate: string | null;
  nulls_not_distinct: boolean;
};

function deferrability(row: ConstraintRow): string {
  if (!row.deferrable) return "";
  return row.deferred ? "DEFERRABLE INITIALLY DEFERRED" : "DEFERRABLE";
}

function columnModel(row: ColumnRow): ColumnModel {
  const generated = row.generated === "s" || row.generated === "v";
  return {
    name: row.name,
    type: row.type,
    notNull: row.not_null,
    default: row.expression !== null && !generated ? normaliseDefault(row.expression, row.type) : null,
    identity: row.identity === "a" ? "always" : row.identity === "d" ? "by default" : null,
    // For a generated column pg_attrdef holds the generation expression, not a default.
    generated: generated && row.expression !== null ? { expression: row.expression, stored: row.generated === "s" } : null,
    collation: row.collation,
  };
}

/**
 * The key list of pg_get_indexdef's `… USING <method> (<keys>) …`, split at top-level commas.
 * PostgreSQL decides there what to show (a collation or operator class only when it is not the
 * default for the key, ASC/NULLS only when not the default order), so equal indexes read equal.
 */
export function indexKeys(definition: string, method: string): string[] {
  const marker = ` USING ${method} (`;
  const start = definition.indexOf(marker);
  if (start < 0) return [definition];
  const keys: string[] = [];
  let current = "";
  let depth = 0;
  let quote: string | null = null;
  for (const ch of definition.slice(start + marker.length)) {
    if (quote) {
      if (ch === quote) quote = null; // a doubled quote closes and reopens: same result
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && depth-- === 0) break;
    else if (ch === "," && depth === 0) {
      keys.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  keys.push(current.trim());
  return keys;
}

function indexModel(row: IndexRow, constraint: string | null): IndexModel {
  return {
    name: row.name,
    unique: row.unique,
    constraint,
    method: row.method,
    keys: indexKeys(row.definition, row.method),
    include: row.include.map(ident),
    predicate: row.predicate,
    nullsNotDistinct: row.nulls_not_distinct,
    valid: row.valid,
  };
}

function foreignKeyModel(row: ConstraintRow): ForeignKeyModel {
  const options = [
    row.match === "f" ? "MATCH FULL" : row.match === "p" ? "MATCH PARTIAL" : "",
    deferrability(row),
    row.validated ? "" : "NOT VALID",
  ];
  return {
    name: row.name,
    columns: row.columns,
    referencedTable: qualified(row.ref_schema ?? "?", row.ref_table ?? "?", true),
    referencedColumns: row.ref_columns,
    onDelete: ACTIONS[row.on_delete] ?? "NO ACTION",
    onUpdate: ACTIONS[row.on_update] ?? "NO ACTION",
    options: options.filter(Boolean).join(" "),
  };
}

function isExcluded(exclude: Set<string>, schema: string, name: string): boolean {
  return exclude.has(name) || exclude.has(`${schema}.${name}`);
}

export async function readTables(
  client: pg.ClientBase,
  schemas: string[],
  exclude: Set<string>,
  serverVersion: number,
): Promise<{ tables: TableModel[]; oids: string[] }> {
  const tableRows = (
    await client.query<TableRow>(
      `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) AND ${NOT_AN_EXTENSION_MEMBER("pg_class", "c.oid")}`,
      [schemas],
    )
  ).rows.filter((row) => !isExcluded(exclude, row.schema, row.name));
  const oids = tableRows.map((row) => row.oid);

  const columns = await client.query<ColumnRow>(
    `SELECT a.attrelid::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
            pg_get_expr(d.adbin, d.adrelid) AS expression,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [oids],
  );

  const constraints = await client.query<ConstraintRow>(
    `SELECT con.conrelid::text AS oid, con.conname AS name, con.contype AS type, con.conindid::text AS index_oid,
            con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated,
            con.confupdtype AS on_update, con.confdeltype AS on_delete, con.confmatchtype AS match,
            fn.nspname AS ref_schema, fc.relname AS ref_table,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS ref_columns
       FROM pg_constraint con
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid
       LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f', 'x')`,
    [oids],
  );

  const indexes = await client.query<IndexRow>(
    `SELECT i.indrelid::text AS oid, i.indexrelid::text AS index_oid, ic.relname AS name,
            i.indisunique AS unique, i.indisvalid AS valid, am.amname AS method,
            pg_get_indexdef(i.indexrelid) AS definition,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                   WHERE k.n > i.indnkeyatts ORDER BY k.n) AS include,
            pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
            ${serverVersion >= 150000 ? "i.indnullsnotdistinct" : "false"} AS nulls_not_distinct
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = ANY($1::oid[])`,
    [oids],
  );

  const constraintByIndex = new Map<string, ConstraintRow>();
  for (const row of constraints.rows) if (row.type !== "f") constraintByIndex.set(row.index_oid, row);

  const byTable = <T extends { oid: string }>(rows: T[]) => {
    const grouped = new Map<string, T[]>();
    for (const row of rows) {
      const list = grouped.get(row.oid);
      if (list) list.push(row);
      else grouped.set(row.oid, [row]);
    }
    return (table: TableRow) => grouped.get(table.oid) ?? [];
  };
  const columnsOf = byTable(columns.rows);
  const constraintsOf = byTable(constraints.rows);
  const indexesOf = byTable(indexes.rows);
  const tables = tableRows.map((table): TableModel => {
    const pk = constraintsOf(table).find((row) => row.type === "p");
    const tableIndexes: IndexModel[] = [];
    for (const row of indexesOf(table)) {
      const constraint = constraintByIndex.get(row.index_oid);
      // The primary key is modelled on its own; an exclusion constraint is not something Prisma models.
      if (constraint?.type === "p" || constraint?.type === "x") continue;
      const unique = constraint?.type === "u" ? ["UNIQUE", deferrability(constraint)].filter(Boolean).join(" ") : null;
      tableIndexes.push(indexModel(row, unique));
    }
    return {
      schema: table.schema,
      name: table.name,
      columns: columnsOf(table).map(columnModel).sort((a, b) => byText(a.name, b.name)),
      primaryKey: pk ? { name: pk.name, columns: pk.columns } : null,
      indexes: tableIndexes.sort((a, b) => byText(a.name, b.name)),
      foreignKeys: constraintsOf(table)
        .filter((row) => row.type === "f")
        .map(foreignKeyModel)
        .sort((a, b) => byText(a.name, b.name)),
    };
  });
  tables.sort((a, b) => byText(a.schema, b.schema) || byText(a.name, b.name));
  return { tables, oids };
}

export async function readEnums(client: pg.ClientBase, scope: CatalogScope): Promise<EnumModel[]> {
  const rows = await client.query<{ schema: string; name: string; labels: string[] }>(
    `SELECT n.nspname AS schema, t.typname AS name,
            COALESCE(array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FILTER (WHERE e.enumlabel IS NOT NULL), '{}') AS labels
       FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typtype = 'e' AND n.nspname = ANY($1::text[]) AND ${NOT_AN_EXTENSION_MEMBER("pg_type", "t.oid")}
      GROUP BY n.nspname, t.typname`,
    [scope.schemas],
  );
  return rows.rows.sort((a, b) => byText(a.schema, b.schema) || byText(a.name, b.name));
}
