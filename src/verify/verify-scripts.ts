// A migration may ship a verify.sql next to its migration.sql: read-only checks that must pass on
// production after the deploy (and on the rehearsal copy before it). It passes when every
// statement runs without error and no returned row has `false` in its first column.
//
// "Read-only" is enforced, not trusted. A READ ONLY transaction alone is not enough: a script
// is sent as one multi-statement query, so `COMMIT; DELETE …` ends the transaction and writes.
// So, in this order:
//   1. the script is parsed with PostgreSQL's parser (libpg-query) and accepted only if every
//      statement is a plain query (SELECT, WITH, VALUES, TABLE) with no data-modifying CTE, no
//      SELECT INTO, no row locks — nothing that can end the transaction, set anything or write;
//   2. every function it calls must be one PostgreSQL declares non-volatile (immutable or
//      stable: PL/pgSQL and SQL functions so declared cannot write), or one of a few volatile
//      built-ins that read only (READ_ONLY_VOLATILE);
//   3. it runs in a READ ONLY transaction, on a session whose default_transaction_read_only is
//      on, and the transaction is rolled back.
// preflight applies 1 and 2 to the pending migrations' scripts, so an unsafe script is refused
// before production is touched. Limits: a function is trusted by its declaration (a STABLE
// function that calls dblink_exec would write through another session), and functions run by
// operators, casts or views are not inspected — layer 3 still stops every write they make on
// this session.
import type pg from "pg";
import { DbshipError } from "../errors.js";
import { withConnection } from "../infra/pg.js";
import type { LocalMigration } from "../migrations/local-migrations.js";

export type VerifyScriptResult = { migration: string; ok: boolean; message: string };

type FunctionName = { schema: string | undefined; name: string };

/**
 * Volatile built-ins that only read (sizes, clocks, random numbers) or only wait (pg_sleep and
 * its SQL wrappers pg_sleep_for/pg_sleep_until: volatile so that they are not folded away; they
 * touch no data: PostgreSQL's "Delaying Execution" documentation).
 */
const READ_ONLY_VOLATILE = new Set([
  "clock_timestamp",
  "timeofday",
  "random",
  "random_normal",
  "gen_random_uuid",
  "pg_relation_size",
  "pg_table_size",
  "pg_indexes_size",
  "pg_total_relation_size",
  "pg_database_size",
  "pg_sleep",
  "pg_sleep_for",
  "pg_sleep_until",
]);

/** Statement-level problems in `sql` (empty when it only reads), and the functions it calls. */
export async function inspectVerifySql(sql: string): Promise<{ problems: string[]; functions: FunctionName[] }> {
  const { parse } = await import("libpg-query");
  let tree: { stmts?: Array<{ stmt?: Record<string, unknown> }> };
  try {
    tree = (await parse(sql)) as typeof tree;
  } catch (error) {
    return { problems: [`it does not parse: ${(error as Error).message}`], functions: [] };
  }
  const problems: string[] = [];
  const functions: FunctionName[] = [];
  for (const [index, raw] of (tree.stmts ?? []).entries()) {
    const stmt = raw.stmt ?? {};
    const tag = Object.keys(stmt)[0] ?? "(empty)";
    const where = `statement ${index + 1}`;
    if (tag !== "SelectStmt") {
      problems.push(`${where} is ${describeTag(tag)}: only queries (SELECT, WITH, VALUES, TABLE) are allowed`);
      continue;
    }
    visit(stmt, (key, value) => {
      if (key === "InsertStmt" || key === "UpdateStmt" || key === "DeleteStmt" || key === "MergeStmt") {
        problems.push(`${where} holds ${describeTag(key)} (a data-modifying WITH)`);
      } else if (key === "intoClause" && value) {
        problems.push(`${where} is SELECT INTO, which creates a table`);
      } else if (key === "lockingClause" && Array.isArray(value) && value.length > 0) {
        problems.push(`${where} locks rows (FOR UPDATE/SHARE)`);
      } else if (key === "FuncCall") {
        const parts = ((value as { funcname?: Array<{ String?: { sval?: string } }> }).funcname ?? []).map((part) => part.String?.sval ?? "");
        const name = parts[parts.length - 1] ?? "";
        functions.push({ schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name });
      }
    });
  }
  return { problems: [...new Set(problems)], functions };
}

/** Functions called by name that PostgreSQL does not declare read-only (any overload counts). */
async function unprovenFunctions(client: pg.ClientBase, functions: FunctionName[]): Promise<string[]> {
  const names = [...new Set(functions.map((f) => f.name))];
  if (names.length === 0) return [];
  const result = await client.query<{ nspname: string; proname: string }>(
    `SELECT DISTINCT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proname = ANY($1) AND (p.provolatile = 'v' OR p.prokind = 'p')`,
    [names],
  );
  const unsafe = result.rows.filter((row) => !(row.nspname === "pg_catalog" && READ_ONLY_VOLATILE.has(row.proname)));
  return functions
    .filter((f) => unsafe.some((row) => row.proname === f.name && (f.schema === undefined || f.schema === row.nspname)))
    .map((f) => (f.schema ? `${f.schema}.${f.name}` : f.name))
    .filter((name, index, all) => all.indexOf(name) === index);
}

/** Why `migration`'s verify.sql is not provably read-only, or [] when it is. */
async function scriptProblems(client: pg.ClientBase, sql: string): Promise<string[]> {
  const { problems, functions } = await inspectVerifySql(sql);
  const unproven = await unprovenFunctions(client, functions);
  if (unproven.length) problems.push(`it calls ${unproven.join(", ")}, which PostgreSQL does not declare read-only (volatile)`);
  return problems;
}

/**
 * Refuses (VERIFY_SQL_UNSAFE, exit 3) when a verify.sql of `migrations` could change anything.
 * `url` is a database whose functions are production's (production itself: catalogs only read).
 */
export async function refuseUnsafeVerifyScripts(url: string, migrations: LocalMigration[], relativeMigrationsDir: string): Promise<void> {
  const withScripts = migrations.filter((migration) => migration.verifySql !== undefined);
  if (withScripts.length === 0) return;
  const found = await withConnection(
    url,
    async (client) => {
      await makeSessionReadOnly(client);
      const out: string[] = [];
      for (const migration of withScripts) {
        for (const problem of await scriptProblems(client, migration.verifySql ?? "")) out.push(`${relativeMigrationsDir}/${migration.name}/verify.sql: ${problem}`);
      }
      return out;
    },
    { applicationName: "dbship verify" },
  );
  if (found.length) {
    throw new DbshipError("VERIFY_SQL_UNSAFE", `verify.sql must only read, and ${found.length === 1 ? "this one" : "these"} could change production: ${found.join("; ")}`, {
      hint: "Nothing was changed. A verify.sql holds queries only (SELECT, WITH, VALUES, TABLE) whose first column is true when the check passes; move anything else into a migration.",
      details: { problems: found },
    });
  }
}

export async function runVerifyScripts(url: string, migrations: LocalMigration[]): Promise<VerifyScriptResult[]> {
  const withScripts = migrations.filter((migration) => migration.verifySql !== undefined);
  if (withScripts.length === 0) return [];
  return withConnection(
    url,
    async (client) => {
      await makeSessionReadOnly(client);
      const results: VerifyScriptResult[] = [];
      for (const migration of withScripts) {
        // Checked again here, whoever called: an unsafe script is never sent.
        const problems = await scriptProblems(client, migration.verifySql ?? "");
        if (problems.length) {
          results.push({ migration: migration.name, ok: false, message: `not run, it could change the database: ${problems.join("; ")}` });
          continue;
        }
        await client.query("BEGIN READ ONLY");
        try {
          const raw = await client.query({ text: migration.verifySql ?? "", rowMode: "array" });
          const outcomes = Array.isArray(raw) ? raw : [raw];
          const falsy = outcomes.flatMap((outcome) => outcome.rows ?? []).find((row: unknown[]) => row[0] === false);
          results.push({ migration: migration.name, ok: !falsy, message: falsy ? "a check returned false" : "passed" });
        } catch (error) {
          // A lost connection or a server shutting down says nothing about the check: the caller
          // reports that it could not verify, not that the check failed.
          if (connectionLost(error)) throw error;
          results.push({ migration: migration.name, ok: false, message: (error as Error).message });
        } finally {
          await client.query("ROLLBACK").catch(() => undefined);
        }
      }
      return results;
    },
    { applicationName: "dbship verify" },
  );
}

/** No SQLSTATE (the socket closed), connection exceptions (08…), operator intervention (57P…). */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== "string" || code.startsWith("08") || code.startsWith("57P");
}

/** Every transaction of this session starts read-only, should one ever be started behind our back. */
async function makeSessionReadOnly(client: pg.ClientBase): Promise<void> {
  await client.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
}

function describeTag(tag: string): string {
  const known: Record<string, string> = {
    TransactionStmt: "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT…)",
    VariableSetStmt: "SET",
    DoStmt: "a DO block",
    CallStmt: "CALL",
    InsertStmt: "INSERT",
    UpdateStmt: "UPDATE",
    DeleteStmt: "DELETE",
    MergeStmt: "MERGE",
    CopyStmt: "COPY",
    ExplainStmt: "EXPLAIN",
  };
  return known[tag] ?? tag.replace(/Stmt$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

/** Depth-first over the parse tree's objects: `fn(key, value)` for every property. */
function visit(node: unknown, fn: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, fn);
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    fn(key, value);
    visit(value, fn);
  }
}
