// PostgreSQL connections and connection-string helpers. Every dbship session names itself
// (application_name) so a refusal can say who is connected or who holds the deploy lock.
import pg from "pg";
import { DbshipError } from "../errors.js";
import { describeTarget, pathDatabase } from "./urls.js";

export { databaseName, describeTarget, quoteIdent, quoteLiteral, withDatabase } from "./urls.js";

export type ConnectOptions = { applicationName?: string; connectTimeoutMs?: number };

export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? "dbship",
    connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
  });
  // A dropped connection (a restore, a terminated backend) must not crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError(error, url);
  }
  return client;
}

export async function withConnection<T>(url: string, fn: (client: pg.Client) => Promise<T>, options?: ConnectOptions): Promise<T> {
  const client = await connect(url, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function connectionError(error: unknown, url: string): DbshipError {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  const target = describeTarget(url);
  if (code === "3D000") {
    return new DbshipError("DATABASE_NOT_FOUND", `database ${safePathDatabase(url) ?? "(the default one)"} does not exist (${target})`, {
      hint: "Check the database name in the connection string. dbship refuses to go on: `prisma migrate deploy` would create an empty database and migrate it, and production would not be touched.",
    });
  }
  if (code === "28P01" || code === "28000") {
    return new DbshipError("DATABASE_UNREACHABLE", `authentication failed for ${target}: ${message}`, {
      hint: "Check the user and password in the connection string.",
    });
  }
  return new DbshipError("DATABASE_UNREACHABLE", `cannot connect to ${target}: ${message}`, {
    hint: "Check the host, port and that the server is running and reachable from here.",
  });
}

/**
 * Sessions on `database` other than the caller's, for "who is connected" messages. Autovacuum
 * workers are not sessions of anyone: CREATE DATABASE … TEMPLATE, ALTER DATABASE … RENAME and
 * DROP DATABASE cancel them and wait for them to exit (PostgreSQL, procarray.c
 * CountOtherDBBackends; an anti-wraparound vacuum is the exception, and then PostgreSQL's own
 * error says the database is in use).
 */
export async function otherSessions(
  client: pg.ClientBase,
  database: string,
): Promise<{ pid: number; applicationName: string; clientAddr: string | null; state: string | null; backendStart: Date }[]> {
  const result = await client.query(
    `SELECT pid, application_name, client_addr::text AS client_addr, state, backend_start
       FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type IS DISTINCT FROM 'autovacuum worker'
      ORDER BY backend_start`,
    [database],
  );
  return result.rows.map((row) => ({
    pid: row.pid,
    applicationName: row.application_name,
    clientAddr: row.client_addr,
    state: row.state,
    backendStart: row.backend_start,
  }));
}

function safePathDatabase(url: string): string | undefined {
  try {
    return pathDatabase(url);
  } catch {
    return undefined;
  }
}
