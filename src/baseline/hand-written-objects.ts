// Objects production has that schema.prisma cannot express (CHECK constraints, triggers, views,
// functions, extensions, …) go into the baseline migration itself, before it is marked applied:
// new environments built from the migrations then get them, and the applied file is never edited
// afterwards (that would change its checksum, and `dbship status` would call it modified).
import type { NotComparedKind, NotComparedObject } from "../verify/schema-types.js";

const quote = (name: string) => name.split(".").map((part) => `"${part.replace(/"/g, '""')}"`).join(".");

// Where each kind goes relative to Prisma's SQL. Extensions and types first (columns may use
// them); functions after the tables (SQL functions are checked against them when created), then
// what uses tables and functions.
const BEFORE_PRISMA: NotComparedKind[] = ["extension", "domain", "composite-type", "range-type", "sequence"];
const AFTER_PRISMA: NotComparedKind[] = ["function", "check", "exclusion", "view", "materialized-view", "trigger", "rule", "policy", "table-option"];

/** The statement that recreates `object`, or null when dbship cannot write one (it is then left out and reported). */
export function recreateSql(object: NotComparedObject): string | null {
  const table = quote(object.table ?? "?");
  switch (object.kind) {
    case "check":
    case "exclusion":
      return `ALTER TABLE ${table} ADD CONSTRAINT ${quote(object.name)} ${object.definition};`;
    case "extension":
      return `CREATE EXTENSION IF NOT EXISTS ${quote(object.name)};`;
    case "view":
      return `CREATE VIEW ${quote(object.name)} AS\n${object.definition.replace(/;?\s*$/, ";")}`;
    case "materialized-view":
      return `CREATE MATERIALIZED VIEW ${quote(object.name)} AS\n${object.definition.replace(/;?\s*$/, ";")}`;
    case "function":
      // pg_get_functiondef: a complete CREATE OR REPLACE FUNCTION; aggregates have none.
      return object.definition.startsWith("AGGREGATE ") ? null : `${object.definition.replace(/;?\s*$/, "")};`;
    case "trigger": {
      // pg_get_triggerdef, plus the " -- DISABLED" note not-compared.ts adds for its state.
      const [statement, state] = object.definition.split(" -- ");
      const enable = { DISABLED: "DISABLE", "ENABLE REPLICA": "ENABLE REPLICA", "ENABLE ALWAYS": "ENABLE ALWAYS" }[state ?? ""];
      return `${statement!.replace(/;?\s*$/, ";")}${enable ? `\nALTER TABLE ${table} ${enable} TRIGGER ${quote(object.name)};` : ""}`;
    }
    case "rule":
      return object.definition.replace(/;?\s*$/, ";");
    case "policy":
      return `CREATE POLICY ${quote(object.name)} ON ${table} ${object.definition};`;
    case "sequence":
      return `CREATE SEQUENCE ${quote(object.name)} ${object.definition};`;
    case "domain":
      return `CREATE DOMAIN ${quote(object.name)} AS ${object.definition};`;
    case "composite-type":
      return `CREATE TYPE ${quote(object.name)} AS ${object.definition};`;
    case "range-type":
      return `CREATE TYPE ${quote(object.name)} AS ${object.definition};`;
    case "table-option": {
      // Only row-level security can be added after the fact; partitioning, inheritance and
      // UNLOGGED are part of how the table is created.
      const rest = object.definition.replace(/\bFORCE ROW LEVEL SECURITY\b/, "").replace(/\bROW LEVEL SECURITY\b/, "").trim();
      if (rest) return null;
      const statements = [`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`];
      if (object.definition.includes("FORCE ROW LEVEL SECURITY")) statements.push(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`);
      return statements.join("\n");
    }
    default:
      return null;
  }
}

export type BaselinePlan = {
  /** The whole migration.sql: the extras before Prisma's SQL, Prisma's SQL, the extras after. */
  sql: string;
  included: Array<{ object: NotComparedObject; sql: string }>;
  /** What production has that the baseline cannot recreate. */
  leftOut: NotComparedObject[];
};

export function planBaseline(prismaSql: string, handWritten: NotComparedObject[]): BaselinePlan {
  const included: BaselinePlan["included"] = [];
  const leftOut: NotComparedObject[] = [];
  for (const kinds of [BEFORE_PRISMA, AFTER_PRISMA]) {
    for (const kind of kinds) {
      for (const object of handWritten.filter((o) => o.kind === kind)) {
        const sql = recreateSql(object);
        if (sql === null) leftOut.push(object);
        else included.push({ object, sql });
      }
    }
  }
  const section = (kinds: NotComparedKind[], title: string) => {
    const items = included.filter((item) => kinds.includes(item.object.kind));
    return items.length ? `-- ${title}\n${items.map((item) => item.sql).join("\n\n")}\n` : "";
  };
  const before = section(BEFORE_PRISMA, "dbship baseline: from production, needed by the tables below (schema.prisma cannot express these)");
  const after = section(AFTER_PRISMA, "dbship baseline: from production, objects schema.prisma cannot express");
  const sql = [before, prismaSql.replace(/\s*$/, "\n"), after].filter(Boolean).join("\n");
  return { sql, included, leftOut };
}

/** Kind + table + name + definition: how two databases' hand-written objects are matched. */
export function objectKey(object: NotComparedObject): string {
  // Extension versions depend on the server, not on the baseline.
  const definition = object.kind === "extension" ? "" : object.definition;
  return `${object.kind}\u0000${object.table ?? ""}\u0000${object.name}\u0000${definition}`;
}
