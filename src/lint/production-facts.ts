// What the linter may learn from production's catalog, read-only and without scanning a table:
// column types, the columns a valid CHECK (col IS NOT NULL) already covers, and estimated table
// sizes. Facts about PostgreSQL these rely on are in docs/lint.md ("What lint reads from production").
import type pg from "pg";
import type { TableSize } from "./index.js";

const USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";

/** `format_type` of every user column, keyed "schema.table.column" (lower-case). */
export async function readColumnTypes(client: pg.Client): Promise<Map<string, string>> {
  const result = await client.query<{ key: string; type: string }>(
    `SELECT lower(n.nspname || '.' || c.relname || '.' || a.attname) AS key, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS}`,
  );
  return new Map(result.rows.map((row) => [row.key, row.type]));
}

/**
 * Columns ("schema.table.column") covered by a validated one-column CHECK whose expression is
 * exactly `col IS NOT NULL`: with one, PostgreSQL 12+ runs SET NOT NULL without scanning.
 */
export async function readValidNotNullChecks(client: pg.Client): Promise<Set<string>> {
  const result = await client.query<{ key: string; expr: string; column: string }>(
    `SELECT lower(n.nspname || '.' || c.relname || '.' || a.attname) AS key, a.attname AS column,
            pg_get_expr(k.conbin, k.conrelid) AS expr
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
      WHERE k.contype = 'c' AND k.convalidated AND array_length(k.conkey, 1) = 1 AND ${USER_SCHEMAS}`,
  );
  const keys = new Set<string>();
  for (const row of result.rows) {
    // pg_get_expr prints it as `(col IS NOT NULL)`, the column quoted only when it needs to be.
    const quoted = `"${row.column.replaceAll('"', '""')}"`;
    const expr = row.expr.replace(/^\((.*)\)$/s, "$1");
    if (expr === `${row.column} IS NOT NULL` || expr === `${quoted} IS NOT NULL`) keys.add(row.key);
  }
  return keys;
}

/** Tables ("schema.table") with at least one row-level security policy. */
export async function readTablesWithPolicies(client: pg.Client): Promise<Set<string>> {
  const result = await client.query<{ key: string }>(
    `SELECT DISTINCT lower(n.nspname || '.' || c.relname) AS key
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace`,
  );
  return new Set(result.rows.map((row) => row.key));
}

/**
 * Estimated rows (pg_class.reltuples) and total size (pg_total_relation_size: heap, TOAST and
 * indexes) of the given tables, keyed like them ("schema.table", lower-case). No count(*).
 * reltuples is -1 on PostgreSQL 14+ for a table never vacuumed or analyzed: rows is then null
 * and the size alone says how big it is. A partitioned table is the sum of its partitions.
 */
export async function readTableSizes(client: pg.Client, tables: readonly string[], serverVersionNum: number | undefined): Promise<Map<string, TableSize>> {
  if (tables.length === 0) return new Map();
  // pg_partition_tree exists from PostgreSQL 12; before, a partitioned table is left unknown.
  const partitions = serverVersionNum === undefined || serverVersionNum >= 120000;
  const result = await client.query<{ key: string; name: string; rows: number | null; bytes: string }>(
    `SELECT lower(n.nspname || '.' || c.relname) AS key, c.relname AS name,
            CASE WHEN c.relkind = 'p' THEN ${
              partitions
                ? `(SELECT CASE WHEN bool_or(p.reltuples < 0) THEN NULL ELSE sum(p.reltuples) END
                      FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf)`
                : "NULL"
            }
                 WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples END::float8 AS rows,
            (CASE WHEN c.relkind = 'p' THEN ${
              partitions ? "(SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)" : "NULL"
            }
                  ELSE pg_total_relation_size(c.oid) END)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND lower(n.nspname || '.' || c.relname) = ANY($1::text[])`,
    [tables],
  );
  const sizes = new Map<string, TableSize>();
  for (const row of result.rows) {
    if (row.bytes === null) continue;
    sizes.set(row.key, { name: row.name, rows: row.rows === null ? null : Number(row.rows), bytes: Number(row.bytes) });
  }
  return sizes;
}
