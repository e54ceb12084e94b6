// Applies pending migrations to a throwaway copy of production statement by statement, with
// dbship's own session, and measures each one: its duration, the table locks it took (read from
// pg_locks by the session itself before commit, and sampled by a second session while it runs),
// what it rewrote (relfilenode before/after), the indexes it built and their size, the rows it
// changed, and, when it fails on the data, the rows that made it fail. See README.md here.
import type pg from "pg";
import { connect } from "../infra/pg.js";
import type { ExecutionMode } from "../lint/types.js";
import { blocks, sqlName, strength, type Blocks, type LockMode } from "./lock-modes.js";
import { readLocks, sampleLocks, type HeldLock, type Sample } from "./lock-sampler.js";
import { compareRelations, readRelations, type IndexBuild, type Relations, type Rewrite } from "./relations.js";
import { findViolation, type Violation } from "./violations.js";

export type MeasuredLock = {
  /** The table, as in relations.ts (`orders`, `billing.orders`). */
  relation: string;
  /** The strongest mode the statement held on it, as PostgreSQL spells it ("ACCESS EXCLUSIVE"). */
  mode: string;
  blocks: Blocks;
  /**
   * How long production's application would wait on it: from the statement's start to the end
   * of the transaction Prisma runs it in (its own statement, or the rest of the migration:
   * see lockHoldTimes).
   */
  heldMs: number;
  /** "commit": read by the statement's own session before commit; "sampled": seen by the second session. */
  seen: Array<"commit" | "sampled">;
};

export type StatementMeasure = {
  /** 1-based position in the migration. */
  index: number;
  /** 1-based line of the statement's first token in migration.sql. */
  line: number;
  sql: string;
  /** "own": dbship wrapped it in a transaction of its own; "none": it cannot run in one (CONCURRENTLY). */
  transaction: "own" | "none" | "file";
  durationMs: number;
  locks: MeasuredLock[];
  rewrites: Rewrite[];
  indexesBuilt: IndexBuild[];
  /** Rows changed (INSERT/UPDATE/DELETE: exact), or rewritten/indexed (the catalog's estimate). */
  rows: { count: number; how: "changed" | "estimated" } | null;
  error?: { code: string | null; message: string };
  violation?: Violation;
};

export type MigrationMeasure = {
  name: string;
  durationMs: number;
  statements: StatementMeasure[];
  /** False when a statement failed: the ones after it were not run. */
  completed: boolean;
};

export type MeasureOptions = {
  executionMode: ExecutionMode | undefined;
  /** Lock sampling interval of the second session. */
  sampleEveryMs?: number;
  signal?: AbortSignal | undefined;
};

type Parsed = { sql: string; line: number; transactionControl: boolean };

/**
 * Applies `migrations` in order on `url` (a throwaway copy: it is changed). Stops at the first
 * statement that fails, as Prisma would; the migrations after it are not in the result.
 */
export async function measureMigrations(url: string, migrations: Array<{ name: string; sql: string }>, options: MeasureOptions): Promise<MigrationMeasure[]> {
  const client = await connect(url, { applicationName: "dbship plan" });
  const sampler = await connect(url, { applicationName: "dbship plan locks" }).catch(async (error: unknown) => {
    await client.end().catch(() => undefined);
    throw error;
  });
  try {
    const pid = Number((await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
    const results: MigrationMeasure[] = [];
    for (const migration of migrations) {
      options.signal?.throwIfAborted();
      const measured = await measureMigration(client, sampler, pid, migration, options);
      results.push(measured);
      if (!measured.completed) break;
    }
    return results;
  } finally {
    await sampler.end().catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

async function measureMigration(client: pg.Client, sampler: pg.Client, pid: number, migration: { name: string; sql: string }, options: MeasureOptions): Promise<MigrationMeasure> {
  const statements: StatementMeasure[] = [];
  let inFileTransaction = false;
  let completed = true;
  let parsedStatements: Parsed[];
  try {
    parsedStatements = await splitStatements(migration.sql);
  } catch (error) {
    // Lint reports the parse error with its position; here it only stops the measuring.
    const failed: StatementMeasure = { index: 1, line: 1, sql: "", transaction: "own", durationMs: 0, locks: [], rewrites: [], indexesBuilt: [], rows: null, error: { code: "parse-error", message: (error as Error).message } };
    return { name: migration.name, durationMs: 0, statements: [failed], completed: false };
  }
  for (const [position, parsed] of parsedStatements.entries()) {
    options.signal?.throwIfAborted();
    const measure = await measureStatement(client, sampler, pid, parsed, inFileTransaction ? "file" : "own", options.sampleEveryMs ?? 10);
    measure.index = position + 1;
    statements.push(measure);
    if (parsed.transactionControl) inFileTransaction = /^\s*(BEGIN|START)/i.test(parsed.sql);
    if (measure.error) {
      if (inFileTransaction) await client.query("ROLLBACK").catch(() => undefined);
      completed = false;
      break;
    }
  }
  lockHoldTimes(statements, options.executionMode);
  return { name: migration.name, durationMs: round(statements.reduce((sum, s) => sum + s.durationMs, 0)), statements, completed };
}

async function measureStatement(client: pg.Client, sampler: pg.Client, pid: number, parsed: Parsed, transaction: "own" | "file", everyMs: number): Promise<StatementMeasure> {
  const base: StatementMeasure = { index: 0, line: parsed.line, sql: parsed.sql, transaction, durationMs: 0, locks: [], rewrites: [], indexesBuilt: [], rows: null };
  if (parsed.transactionControl) {
    // BEGIN/COMMIT written in the file: run as written, nothing to measure on their own.
    const started = performance.now();
    await client.query(parsed.sql);
    return { ...base, durationMs: round(performance.now() - started) };
  }
  const before = await readRelations(client);
  let run = await timed(client, sampler, pid, parsed.sql, transaction === "own", everyMs);
  if (run.error && (run.error as { code?: string }).code === "25001" && transaction === "own") {
    // "cannot run inside a transaction block" (CREATE INDEX CONCURRENTLY, …): run it on its own;
    // then only the second session sees its locks.
    run = await timed(client, sampler, pid, parsed.sql, false, everyMs);
    base.transaction = "none";
  }
  if (run.error) {
    const error = run.error as { code?: string; message?: string };
    // Inside the file's own BEGIN, the failed transaction must end before the rows can be read.
    if (transaction === "file") await client.query("ROLLBACK").catch(() => undefined);
    const violation = await findViolation(client, parsed.sql, run.error).catch(() => undefined);
    return { ...base, durationMs: run.durationMs, error: { code: error.code ?? null, message: error.message ?? String(run.error) }, ...(violation ? { violation } : {}) };
  }
  const after = run.after ?? (await readRelations(client));
  const { rewrites, built } = compareRelations(before, after);
  return {
    ...base,
    durationMs: run.durationMs,
    locks: mergeLocks(before, run.held, run.sampled, run.durationMs),
    rewrites,
    indexesBuilt: built,
    rows: rowsTouched(run.result, before, after, rewrites, built),
  };
}

type Timed = { durationMs: number; result?: pg.QueryResult; error?: unknown; held: HeldLock[]; sampled: Sample[]; after?: Relations };

/** Runs one statement, in a transaction of its own when `wrap`, with the second session sampling. */
async function timed(client: pg.Client, sampler: pg.Client, pid: number, sql: string, wrap: boolean, everyMs: number): Promise<Timed> {
  if (wrap) await client.query("BEGIN");
  const sampling = sampleLocks(sampler, pid, everyMs);
  const started = performance.now();
  let result: pg.QueryResult | undefined;
  let error: unknown;
  try {
    result = await client.query(sql);
  } catch (caught) {
    error = caught;
  }
  const durationMs = round(performance.now() - started);
  const sampled = await sampling.stop();
  if (error !== undefined) {
    if (wrap) await client.query("ROLLBACK").catch(() => undefined);
    return { durationMs, error, held: [], sampled };
  }
  // Still inside the statement's transaction: its locks are all held, its new files visible.
  const held = wrap ? await readLocks(client, pid) : [];
  const after = wrap ? await readRelations(client) : undefined;
  if (wrap) await client.query("COMMIT");
  return { durationMs, ...(result ? { result } : {}), held, sampled, ...(after ? { after } : {}) };
}

/** The strongest mode per table that existed before the statement (a table it created has no readers yet). */
function mergeLocks(before: Relations, held: HeldLock[], sampled: Sample[], durationMs: number): MeasuredLock[] {
  const byTable = new Map<string, { mode: LockMode; seen: Set<"commit" | "sampled"> }>();
  const add = (lock: HeldLock, how: "commit" | "sampled") => {
    const relation = before.get(lock.oid);
    if (!relation || relation.kind !== "table") return;
    const current = byTable.get(relation.name);
    if (!current || strength(lock.mode) > strength(current.mode)) {
      byTable.set(relation.name, { mode: lock.mode, seen: new Set([how, ...(current && current.mode === lock.mode ? current.seen : [])]) });
    } else if (current.mode === lock.mode) current.seen.add(how);
  };
  for (const lock of held) add(lock, "commit");
  for (const lock of sampled) add(lock, "sampled");
  return [...byTable.entries()]
    .map(([relation, { mode, seen }]) => ({ relation, mode: sqlName(mode), blocks: blocks(mode), heldMs: durationMs, seen: [...seen].sort() }))
    .sort((a, b) => a.relation.localeCompare(b.relation));
}

function rowsTouched(result: pg.QueryResult | undefined, before: Relations, after: Relations, rewrites: Rewrite[], built: IndexBuild[]): StatementMeasure["rows"] {
  if (result && ["INSERT", "UPDATE", "DELETE", "MERGE", "COPY"].includes(result.command) && typeof result.rowCount === "number") {
    return { count: result.rowCount, how: "changed" };
  }
  const table = rewrites.find((r) => r.kind === "table")?.relation ?? built[0]?.table;
  if (!table) return null;
  const tuples = (relations: Relations) => [...relations.values()].find((r) => r.kind === "table" && r.name === table)?.tuples ?? -1;
  // CREATE INDEX records the exact count in reltuples; a rewrite keeps the last estimate.
  const count = Math.max(tuples(before), tuples(after));
  return count >= 0 ? { count: Math.round(count), how: "estimated" } : null;
}

/**
 * How long each lock is held under Prisma's execution mode: statement by statement (the 6.x
 * WebAssembly engine's split, 7.4+), a lock lasts as long as its statement; when the whole file
 * is one transaction (6.x native, 7.0–7.3), until the migration's last statement is done.
 */
export function lockHoldTimes(statements: StatementMeasure[], mode: ExecutionMode | undefined): void {
  const oneTransaction = mode === "single-transaction" || mode === undefined;
  let remaining = statements.reduce((sum, s) => sum + s.durationMs, 0);
  for (const statement of statements) {
    for (const lock of statement.locks) lock.heldMs = round(oneTransaction && statement.transaction !== "none" ? remaining : statement.durationMs);
    remaining -= statement.durationMs;
  }
}

/** The statements of one migration.sql, as PostgreSQL's parser cuts them, with their lines. */
export async function splitStatements(sql: string): Promise<Parsed[]> {
  const { loadModule, parseSync } = await import("libpg-query");
  await loadModule();
  const bytes = Buffer.from(sql, "utf8");
  const tree = parseSync(sql);
  return (tree.stmts ?? []).map((raw) => {
    const start = raw.stmt_location ?? 0;
    const text = bytes.subarray(start, raw.stmt_len ? start + raw.stmt_len : bytes.length).toString("utf8");
    const lead = leadingTrivia(text);
    const before = bytes.subarray(0, start).toString("utf8") + text.slice(0, lead);
    return {
      sql: text.slice(lead).trim(),
      line: before.split("\n").length,
      transactionControl: raw.stmt !== undefined && "TransactionStmt" in raw.stmt,
    };
  });
}

/** Length of the whitespace and comments before a statement's first token. */
function leadingTrivia(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (text.startsWith("--", i)) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else return i;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
