// Objects a Prisma schema cannot express (CHECK constraints, triggers, views, functions,
// policies, extensions, …). The "prisma" scope only lists them: the sync check and `dbship
// baseline` warn about them rather than report drift. The "full" scope (post-verify) compares
// their definitions as PostgreSQL itself renders them.
import type pg from "pg";
import { byText, NOT_AN_EXTENSION_MEMBER } from "./read-tables.js";
import type { CatalogScope, NotComparedKind, NotComparedObject } from "./schema-types.js";
import { qualified } from "./sql-text.js";

type Row = { kind: NotComparedKind; schema: string; table: string | null; name: string; definition: string };

type Query = { params: "tables" | "schemas" | "both" | "none"; sql: string };

// $1: the compared tables' OIDs (or the schemas when a query needs only those), $2: the schemas.
const QUERIES: Query[] = [
  // CHECK and EXCLUDE constraints (NOT NULL constraints, contype 'n' since PG 18, are nullability)
  {
    params: "tables",
    sql: `SELECT CASE con.contype WHEN 'c' THEN 'check' ELSE 'exclusion' END AS kind, n.nspname AS schema, c.relname AS table,
          con.conname AS name, pg_get_constraintdef(con.oid, true) AS definition
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('c', 'x')`,
  },
  // Triggers (not the internal ones behind foreign keys), on tables and on views
  {
    params: "both",
    sql: `SELECT 'trigger' AS kind, n.nspname AS schema, c.relname AS table, t.tgname AS name,
          pg_get_triggerdef(t.oid, true) || CASE t.tgenabled WHEN 'D' THEN ' -- DISABLED' WHEN 'R' THEN ' -- ENABLE REPLICA'
                                                             WHEN 'A' THEN ' -- ENABLE ALWAYS' ELSE '' END AS definition
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal
      AND (t.tgrelid = ANY($1::oid[]) OR (c.relkind IN ('v', 'f') AND n.nspname = ANY($2::text[])))`,
  },
  {
    params: "both",
    sql: `SELECT 'rule' AS kind, n.nspname AS schema, c.relname AS table, r.rulename AS name, pg_get_ruledef(r.oid, true) AS definition
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN' AND (r.ev_class = ANY($1::oid[]) OR (c.relkind = 'v' AND n.nspname = ANY($2::text[])))`,
  },
  {
    params: "tables",
    sql: `SELECT 'policy' AS kind, n.nspname AS schema, c.relname AS table, p.polname AS name,
          'AS ' || CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END
          || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
          || ' TO ' || (SELECT string_agg(role, ', ' ORDER BY role)
                          FROM (SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.oid)) END AS role
                                  FROM unnest(p.polroles) AS r(oid)) AS roles)
          || COALESCE(' USING (' || pg_get_expr(p.polqual, p.polrelid, true) || ')', '')
          || COALESCE(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid, true) || ')', '') AS definition
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE p.polrelid = ANY($1::oid[])`,
  },
  // Table properties Prisma does not model; one row per table that has any
  {
    params: "tables",
    sql: `SELECT 'table-option' AS kind, schema, table_name AS table, table_name AS name, definition
     FROM (SELECT n.nspname AS schema, c.relname AS table_name, concat_ws(' ',
                  CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED' END,
                  CASE WHEN c.relkind = 'p' THEN 'PARTITION BY ' || pg_get_partkeydef(c.oid) END,
                  CASE WHEN c.relispartition THEN 'PARTITION OF ' || (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid)
                                                  || ' ' || pg_get_expr(c.relpartbound, c.oid) END,
                  CASE WHEN NOT c.relispartition THEN 'INHERITS (' || (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)
                                                                           FROM pg_inherits i WHERE i.inhrelid = c.oid) || ')' END,
                  CASE WHEN c.relrowsecurity THEN 'ROW LEVEL SECURITY' END,
                  CASE WHEN c.relforcerowsecurity THEN 'FORCE ROW LEVEL SECURITY' END) AS definition
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = ANY($1::oid[])) AS options
    WHERE definition <> ''`,
  },
  {
    params: "schemas",
    sql: `SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized-view' ELSE 'foreign-table' END AS kind,
          n.nspname AS schema, NULL AS table, c.relname AS name,
          CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true)
               ELSE (SELECT 'SERVER ' || quote_ident(s.srvname) FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver
                      WHERE ft.ftrelid = c.oid)
                    || ' (' || (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attname)
                                  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) || ')'
          END AS definition
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm', 'f') AND n.nspname = ANY($1::text[]) AND ${NOT_AN_EXTENSION_MEMBER("pg_class", "c.oid")}`,
  },
  // Functions and procedures by signature; an aggregate has no pg_get_functiondef
  {
    params: "schemas",
    sql: `SELECT 'function' AS kind, n.nspname AS schema, NULL AS table, p.oid::regprocedure::text AS name,
          CASE WHEN p.prokind = 'a' THEN 'AGGREGATE ' || p.oid::regprocedure::text ELSE pg_get_functiondef(p.oid) END AS definition
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1::text[]) AND ${NOT_AN_EXTENSION_MEMBER("pg_proc", "p.oid")}`,
  },
  // Sequences no column owns (serial and identity sequences belong to their column's default)
  {
    params: "schemas",
    sql: `SELECT 'sequence' AS kind, n.nspname AS schema, NULL AS table, c.relname AS name,
          'AS ' || format_type(s.seqtypid, NULL) || ' START ' || s.seqstart || ' INCREMENT ' || s.seqincrement
          || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' CACHE ' || s.seqcache
          || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END AS definition
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
    WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[]) AND ${NOT_AN_EXTENSION_MEMBER("pg_class", "c.oid")}
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))`,
  },
  {
    params: "schemas",
    sql: `SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range-type' ELSE 'composite-type' END AS kind,
          n.nspname AS schema, NULL AS table, t.typname AS name,
          CASE t.typtype
            WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)
                          || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                          || COALESCE(' DEFAULT ' || pg_get_expr(t.typdefaultbin, 0), '')
                          || COALESCE((SELECT ' ' || string_agg(pg_get_constraintdef(con.oid, true), ' ' ORDER BY con.conname)
                                         FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '')
            WHEN 'r' THEN 'RANGE (SUBTYPE = ' || (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) || ')'
            ELSE '(' || (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                           FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) || ')'
          END AS definition
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY($1::text[]) AND ${NOT_AN_EXTENSION_MEMBER("pg_type", "t.oid")}
      AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))`,
  },
  // Extensions are database-wide. plpgsql is in every database (template1), so it says nothing.
  {
    params: "none",
    sql: `SELECT 'extension' AS kind, n.nspname AS schema, NULL AS table, e.extname AS name,
          'version ' || e.extversion || ' in schema ' || quote_ident(n.nspname) AS definition
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname <> 'plpgsql'`,
  },
];

export async function readNotCompared(client: pg.ClientBase, scope: CatalogScope): Promise<NotComparedObject[]> {
  const objects: NotComparedObject[] = [];
  for (const query of QUERIES) {
    const params = { tables: [scope.tableOids], schemas: [scope.schemas], both: [scope.tableOids, scope.schemas], none: [] }[query.params];
    for (const row of (await client.query<Row>(query.sql, params)).rows) {
      const object: NotComparedObject = { kind: row.kind, name: row.name, definition: row.definition.trim() };
      if (row.table !== null) object.table = qualified(row.schema, row.table);
      else if (row.kind !== "extension" && row.kind !== "function") object.name = qualified(row.schema, row.name);
      objects.push(object);
    }
  }
  return objects.sort((a, b) => byText(a.kind, b.kind) || byText(a.table ?? "", b.table ?? "") || byText(a.name, b.name));
}
