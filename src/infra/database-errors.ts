// A PostgreSQL error that escaped a command is not a bug in dbship: it is the database refusing
// something (a privilege the role lacks, most often). It is shown as the database's own words,
// with what to do, instead of as an internal error.
import { DbshipError } from "../errors.js";

type PgError = { code: string; message: string; severity?: string; detail?: string };

/** A node-postgres DatabaseError (a five-character SQLSTATE and a severity). */
export function isDatabaseError(error: unknown): error is PgError {
  const candidate = error as Partial<PgError> | null;
  return typeof candidate?.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code) && typeof candidate.severity === "string";
}

export function fromDatabaseError(error: PgError): DbshipError {
  const detail = error.detail ? ` (${error.detail})` : "";
  if (error.code === "42501") {
    return new DbshipError("PERMISSION_DENIED", `PostgreSQL refused: ${error.message}${detail}`, {
      hint: "The role in the connection string lacks a privilege this command needs. On the postgres provider, snapshots need CREATEDB and ownership of production (CREATE DATABASE … TEMPLATE), rollback also needs to rename production; reads need CONNECT and SELECT. Use a role that has them, or ask an administrator. Nothing was changed.",
      cause: error,
    });
  }
  if (error.code === "25006") {
    return new DbshipError("PERMISSION_DENIED", `PostgreSQL refused: ${error.message} (the session is read-only)`, {
      hint: "The connection string or the role makes sessions read-only (default_transaction_read_only, a hot standby): this command needs to write. Point it at the primary, with a role that may write. Nothing was changed.",
      cause: error,
    });
  }
  return new DbshipError("DATABASE_ERROR", `PostgreSQL error ${error.code}: ${error.message}${detail}`, {
    hint: "The database refused the command; its message is above. Run `dbship status` to see production's state.",
    cause: error,
  });
}

/**
 * Whether an error's text (all a Prisma run or a replay failure passes on) says the connection
 * was lost rather than that the statement failed: PostgreSQL's messages for SQLSTATE 57P01-57P03
 * (administrator command, crash shutdown, cannot connect now) and a server shutting down or
 * starting, node-postgres's "Connection terminated", Prisma's P1001/P1002/P1017.
 */
export function saysConnectionLost(text: string): boolean {
  return /terminating connection due to (administrator command|crash of another server process)|the database system is (shutting down|starting up|in recovery mode)|server closed the connection unexpectedly|Connection terminated|Server has closed the connection|Can't reach database server|\bP10(01|02|17)\b|\b57P0[123]\b|\bECONNRESET\b|\bECONNREFUSED\b/i.test(text);
}

/** A thrown error that means the connection was lost: no SQLSTATE of a statement, 08xxx, 57P0x, or such words. */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith("08") || code.startsWith("57P");
  return saysConnectionLost(error instanceof Error ? error.message : String(error));
}
