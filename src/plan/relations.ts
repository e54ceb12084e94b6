// The user relations of a database as one statement sees them: where each one's data lives
// (relfilenode), how big it is and how many rows the catalog thinks it has. Read before and after
// every measured statement, the difference says what the statement rewrote and built.
import type pg from "pg";

export type RelationKind = "table" | "index";

export type RelationState = {
  oid: string;
  /** `orders`, or `billing.orders` outside the public schema. */
  name: string;
  kind: RelationKind;
  /** Changes when PostgreSQL writes the relation anew (rewrite, index rebuild, TRUNCATE). */
  filenode: string;
  bytes: number;
  /** pg_class.reltuples: an estimate; -1 when never analyzed. */
  tuples: number;
  /** For an index, the table it is on. */
  table?: string;
};

export type Relations = Map<string, RelationState>;

// relkind r/p/m/f are tables (plain, partitioned, materialized, foreign); i/I are indexes.
const RELATIONS_SQL = `
  SELECT c.oid::int8::text AS oid,
         CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
         CASE WHEN c.relkind IN ('i', 'I') THEN 'index' ELSE 'table' END AS kind,
         c.relfilenode::text AS filenode,
         pg_relation_size(c.oid)::int8::text AS bytes,
         c.reltuples::float8 AS tuples,
         CASE WHEN tn.nspname = 'public' THEN t.relname ELSE tn.nspname || '.' || t.relname END AS "table"
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_class t ON t.oid = i.indrelid
    LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
   WHERE c.relkind IN ('r', 'p', 'm', 'f', 'i', 'I')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;

export async function readRelations(client: pg.ClientBase): Promise<Relations> {
  const result = await client.query<{ oid: string; name: string; kind: RelationKind; filenode: string; bytes: string; tuples: number; table: string | null }>(RELATIONS_SQL);
  const relations: Relations = new Map();
  for (const row of result.rows) {
    relations.set(row.oid, {
      oid: row.oid,
      name: row.name,
      kind: row.kind,
      filenode: row.filenode,
      bytes: Number(row.bytes),
      tuples: row.tuples,
      ...(row.table ? { table: row.table } : {}),
    });
  }
  return relations;
}

export type Rewrite = { relation: string; kind: RelationKind; bytesBefore: number; bytesAfter: number };
export type IndexBuild = { name: string; table: string; bytes: number };

/**
 * Relations that existed before and whose storage is new (relfilenode changed: a rewrite, an
 * index rebuilt with its table, a TRUNCATE), and the indexes that did not exist before.
 * relfilenode 0 (partitioned tables, mapped catalogs) has no storage to compare.
 */
export function compareRelations(before: Relations, after: Relations): { rewrites: Rewrite[]; built: IndexBuild[] } {
  const rewrites: Rewrite[] = [];
  const built: IndexBuild[] = [];
  for (const [oid, now] of after) {
    const was = before.get(oid);
    if (!was) {
      if (now.kind === "index") built.push({ name: now.name, table: now.table ?? "?", bytes: now.bytes });
      continue;
    }
    if (was.filenode !== now.filenode && was.filenode !== "0") rewrites.push({ relation: now.name, kind: now.kind, bytesBefore: was.bytes, bytesAfter: now.bytes });
  }
  rewrites.sort((a, b) => (a.kind === b.kind ? a.relation.localeCompare(b.relation) : a.kind === "table" ? -1 : 1));
  built.sort((a, b) => a.name.localeCompare(b.name));
  return { rewrites, built };
}
