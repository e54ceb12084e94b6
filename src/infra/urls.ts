// Connection-string helpers with no dependency on the pg driver, so the CLI can load them cheaply.
// Which database a URL reaches, and which parts of it are secret, are decided here: see
// docs/connection-strings.md for how each client reads a URL and where that comes from.
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

/** The database named in the URL's path, or undefined when the path names none. */
export function pathDatabase(url: string): string | undefined {
  const name = parseUrl(url).pathname.replace(/^\//, "");
  return name ? decodeURIComponent(name) : undefined;
}

/**
 * The database a URL names in its path. Production's URL has been through resolveDatabaseUrl
 * (which writes the name into the path) before anything calls this: a URL that names no
 * database is never guessed at (clients disagree on the default, see docs/connection-strings.md).
 */
export function databaseName(url: string): string {
  const name = pathDatabase(url);
  if (name === undefined) {
    throw new DbshipError("DATABASE_URL_AMBIGUOUS", `the connection string names no database (${describeTarget(url)})`, {
      hint: "Write the database name in the URL: postgresql://user:password@host:5432/database",
    });
  }
  return name;
}

/**
 * The same server and credentials, another database; query parameters are kept, except libpq's
 * `dbname`, which would take precedence over the path for libpq clients (psql, pg_dump).
 */
export function withDatabase(url: string, database: string): string {
  const parsed = parseUrl(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  // Removed from the raw query: re-serialising it would turn %20 into +, which libpq does not decode.
  if (parsed.searchParams.has("dbname")) {
    const kept = parsed.search.slice(1).split("&").filter((pair) => safeDecode(pair.split("=")[0] ?? "") !== "dbname");
    parsed.search = kept.length ? `?${kept.join("&")}` : "";
  }
  return parsed.toString();
}

/** host:port/database, never the credentials: safe for any log. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const name = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || parsed.searchParams.get("dbname") || "(no database named)";
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}/${name}`;
  } catch {
    return "(unparseable URL)";
  }
}

const MASK = "****";

/**
 * Query parameters that hold a secret. `password` is read by node-postgres (over the user part)
 * and libpq; `sslpassword` unlocks the client key. `passfile`, `sslkey` and `sslcert` are paths,
 * not secrets, and are shown.
 */
function isSecretParam(name: string): boolean {
  return /pass(word)?$/i.test(name) || /password|secret|token/i.test(name);
}

/** `options` carries server settings (`-c name=value`, `--name=value`): mask the secret-looking ones. */
function maskOptions(options: string): string {
  return options.replace(/((?:^|\s)(?:-c\s*|--)([A-Za-z0-9_.-]+)=)((?:\\.|[^\s\\])*)/g, (whole, head: string, name: string) =>
    isSecretParam(name) ? `${head}${MASK}` : whole,
  );
}

/**
 * A connection string with every secret replaced by ****: the password of the user part, the
 * `password`/`sslpassword` (and any *password*, *secret*, *token*) query parameters, and such
 * settings inside `options`. The rest is kept as written.
 */
export function maskUrl(url: string): string {
  const schemeEnd = url.indexOf("://");
  if (schemeEnd === -1) return url;
  const authorityStart = schemeEnd + 3;
  const authorityLength = url.slice(authorityStart).search(/[/?#]/);
  const authorityEnd = authorityLength === -1 ? url.length : authorityStart + authorityLength;
  // The user part ends at the authority's last @; in a string no parser accepts (a password
  // with a raw / or #), at the string's last @, so that nothing of it shows.
  const parses = URL.canParse(url);
  const at = parses ? url.lastIndexOf("@", authorityEnd - 1) : url.lastIndexOf("@");
  const headEnd = Math.max(authorityEnd, at + 1);
  let head = url.slice(0, headEnd);
  let rest = url.slice(headEnd);
  if (at >= authorityStart) {
    const colon = url.indexOf(":", authorityStart);
    if (colon !== -1 && colon < at) head = `${url.slice(0, colon + 1)}${MASK}${url.slice(at, headEnd)}`;
  }
  const queryAt = rest.indexOf("?");
  if (queryAt === -1) return head + rest;
  const hashAt = rest.indexOf("#", queryAt);
  const query = rest.slice(queryAt + 1, hashAt === -1 ? undefined : hashAt);
  const maskedQuery = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      const name = safeDecode(pair.slice(0, eq));
      if (isSecretParam(name)) return `${pair.slice(0, eq)}=${MASK}`;
      if (name === "options") {
        const value = safeDecode(pair.slice(eq + 1).replace(/\+/g, " "));
        const masked = maskOptions(value);
        return masked === value ? pair : `${pair.slice(0, eq)}=${encodeURIComponent(masked)}`;
      }
      return pair;
    })
    .join("&");
  rest = `${rest.slice(0, queryAt)}?${maskedQuery}${hashAt === -1 ? "" : rest.slice(hashAt)}`;
  return head + rest;
}

/**
 * Every secret a connection string holds, decoded, for the masks of CI runners and for
 * scrubbing text that might quote them (an error message).
 */
export function urlSecrets(url: string): string[] {
  const secrets: string[] = [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)@/i.exec(url)?.[1];
    const colon = userinfo?.indexOf(":") ?? -1;
    if (userinfo && colon !== -1) secrets.push(safeDecode(userinfo.slice(colon + 1)));
    return secrets.filter(Boolean);
  }
  if (parsed.password) secrets.push(safeDecode(parsed.password), parsed.password);
  for (const [name, value] of parsed.searchParams) {
    if (isSecretParam(name)) secrets.push(value);
    if (name === "options") {
      for (const match of value.matchAll(/(?:^|\s)(?:-c\s*|--)([A-Za-z0-9_.-]+)=((?:\\.|[^\s\\])*)/g)) {
        if (isSecretParam(match[1]!)) secrets.push(match[2]!);
      }
    }
  }
  const raw = url.split("?")[1]?.split("#")[0];
  for (const pair of raw?.split("&") ?? []) {
    const eq = pair.indexOf("=");
    if (eq !== -1 && isSecretParam(safeDecode(pair.slice(0, eq)))) secrets.push(pair.slice(eq + 1));
  }
  return [...new Set(secrets.filter((secret) => secret.length > 0))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
