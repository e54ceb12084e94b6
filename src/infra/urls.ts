// Connection-string helpers with no dependency on the pg driver, so the CLI can load them cheaply.
import { DbshipError } from "../errors.js";

export function parseUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") throw new Error("not a postgres URL");
    return parsed;
  } catch {
    throw new DbshipError("DATABASE_URL_INVALID", "the database URL is not a postgresql:// connection string", {
      hint: "Use the form postgresql://user:password@host:5432/database",
    });
  }
}

export function databaseName(url: string): string {
  return decodeURIComponent(parseUrl(url).pathname.replace(/^\//, "")) || "postgres";
}

/** The same server and credentials, another database; query parameters are kept. */
export function withDatabase(url: string, database: string): string {
  const parsed = parseUrl(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** host:port/database, never the credentials: safe for any log. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}/${decodeURIComponent(parsed.pathname.replace(/^\//, ""))}`;
  } catch {
    return "(unparseable URL)";
  }
}

/** A connection string with its password replaced by ****. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]*):[^@/]*@/, "://$1:****@");
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
