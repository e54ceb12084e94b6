// When a statement fails on the copy because existing rows break a rule it adds (a CHECK, NOT
// NULL, UNIQUE), the rows that break it: how many, and a few of them named by their primary key.
// Only the key is shown, never the other columns: the report goes into pull-request comments and
// CI logs, and production's data must not.
import type pg from "pg";
import { quoteIdent } from "../infra/urls.js";

export type Violation = {
  kind: "check" | "not-null" | "unique";
  table: string;
  constraint?: string;
  column?: string;
  /** The condition the rows fail, as SQL. */
  rule: string;
  /** Rows that break it (unique: rows that share a key with another row). */
  rows: number;
  /** Up to SAMPLE_SIZE rows, by primary key (`id=42`), or by ctid without one. */
  sample: string[];
};

export const SAMPLE_SIZE = 5;

type DatabaseError = { code?: string; table?: string; schema?: string; column?: string; constraint?: string; detail?: string };

export async function findViolation(client: pg.ClientBase, statement: string, error: unknown): Promise<Violation | undefined> {
  const e = error as DatabaseError;
  if (!e.table) return undefined;
  const table = e.schema && e.schema !== "public" ? `${e.schema}.${e.table}` : e.table;
  const qualified = `${quoteIdent(e.schema ?? "public")}.${quoteIdent(e.table)}`;
  if (e.code === "23514") {
    const expression = e.constraint ? checkExpression(statement, e.constraint) : undefined;
    if (!expression) return undefined;
    // A CHECK passes on NULL: only rows where it is false violate it.
    const condition = `(${expression}) IS FALSE`;
    return { kind: "check", table, ...(e.constraint ? { constraint: e.constraint } : {}), rule: `CHECK (${expression})`, ...(await countAndSample(client, qualified, condition)) };
  }
  if (e.code === "23502" && e.column) {
    const condition = `${quoteIdent(e.column)} IS NULL`;
    return { kind: "not-null", table, column: e.column, rule: `${e.column} IS NOT NULL`, ...(await countAndSample(client, qualified, condition)) };
  }
  if (e.code === "23505") {
    // "Key (email)=(…) is duplicated.": the key's columns, as PostgreSQL wrote them.
    const columns = /^Key \((.+?)\)=\(/.exec(e.detail ?? "")?.[1];
    if (!columns) return undefined;
    const condition = `(${columns}) IN (SELECT ${columns} FROM ${qualified} GROUP BY ${columns} HAVING count(*) > 1)`;
    return { kind: "unique", table, ...(e.constraint ? { constraint: e.constraint } : {}), rule: `UNIQUE (${columns})`, ...(await countAndSample(client, qualified, condition)) };
  }
  return undefined;
}

async function countAndSample(client: pg.ClientBase, table: string, condition: string): Promise<{ rows: number; sample: string[] }> {
  const count = await client.query<{ n: string }>(`SELECT count(*)::int8::text AS n FROM ${table} WHERE ${condition}`);
  const key = await primaryKey(client, table);
  const columns = key.length ? key.map(quoteIdent).join(", ") : "ctid";
  const sample = await client.query<Record<string, unknown>>(`SELECT ${columns} FROM ${table} WHERE ${condition} ORDER BY ${columns} LIMIT ${SAMPLE_SIZE}`);
  const names = key.length ? key : ["ctid"];
  return {
    rows: Number(count.rows[0]?.n ?? 0),
    sample: sample.rows.map((row) => names.map((name) => `${name}=${String(row[name])}`).join(", ")),
  };
}

async function primaryKey(client: pg.ClientBase, table: string): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.position`,
    [table],
  );
  return result.rows.map((row) => row.name);
}

/**
 * The expression of the CHECK named `constraint` in `statement` (`CONSTRAINT "name" CHECK (…)`),
 * or of its only CHECK when the constraint is unnamed: the text between the balanced
 * parentheses, quotes and comments skipped.
 */
export function checkExpression(statement: string, constraint: string): string | undefined {
  const escaped = constraint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const named = new RegExp(`CONSTRAINT\\s+(?:"${escaped.replace(/"/g, '""')}"|${escaped})\\s+CHECK\\s*\\(`, "i").exec(statement);
  const checks = [...statement.matchAll(/\bCHECK\s*\(/gi)];
  const match = named ?? (checks.length === 1 ? checks[0] : undefined);
  if (!match) return undefined;
  const open = (match.index ?? 0) + match[0].length - 1;
  let depth = 0;
  for (let i = open; i < statement.length; i++) {
    const ch = statement[i];
    if (ch === "'" || ch === '"') {
      const close = statement.indexOf(ch, i + 1);
      if (close === -1) return undefined;
      i = close;
    } else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return statement.slice(open + 1, i).trim();
  }
  return undefined;
}
