// Recognising connection strings in environment variables and .env files, and telling whether two
// of them reach the same database. Used to take every route to production away from a Prisma run
// that must not touch it. Both forms libpq (and so most drivers) accept are handled: URLs and
// `key=value` strings.

const URL_SCHEMES = ["postgres:", "postgresql:", "prisma+postgres:"];

export type ConnectionParts = { host: string; port: string; database: string; user: string };

export function connectionForm(value: string): "url" | "keywords" | undefined {
  const trimmed = value.trim();
  if (URL_SCHEMES.some((scheme) => trimmed.toLowerCase().startsWith(`${scheme}//`))) return "url";
  if (/(^|\s)host\s*=/.test(trimmed) && /(^|\s)(dbname|user|port)\s*=/.test(trimmed)) return "keywords";
  return undefined;
}

/** Host, port, database and user a connection string names, with libpq's defaults filled in. */
export function connectionParts(value: string): ConnectionParts | undefined {
  const form = connectionForm(value);
  if (form === "url") {
    try {
      const url = new URL(value.trim());
      const user = decodeURIComponent(url.username) || url.searchParams.get("user") || "";
      const host = url.searchParams.get("host") || url.hostname;
      const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || url.searchParams.get("dbname") || user;
      return { host: normaliseHost(host), port: url.port || url.searchParams.get("port") || "5432", database, user };
    } catch {
      return undefined;
    }
  }
  if (form === "keywords") {
    const pairs = keywordPairs(value);
    const user = pairs.user ?? "";
    return { host: normaliseHost(pairs.host ?? ""), port: pairs.port ?? "5432", database: pairs.dbname ?? user, user };
  }
  return undefined;
}

/**
 * Whether two connection strings reach the same database: same host (loopback names are one host;
 * a Neon pooled host `ep-x-pooler.region…` is the same compute as `ep-x.region…`), port and
 * database. A database name left out defaults to the user's name, as libpq and node-postgres do.
 */
export function sameDatabase(a: string, b: string): boolean {
  const left = connectionParts(a);
  const right = connectionParts(b);
  if (!left || !right) return false;
  return left.host === right.host && left.port === right.port && left.database === right.database;
}

/** `target` written in the form `original` uses, so a driver that reads one form still can. */
export function inFormOf(original: string, target: string): string {
  if (connectionForm(original) !== "keywords") return target;
  const url = new URL(target);
  const pairs: Record<string, string> = {
    host: url.hostname,
    port: url.port || "5432",
    dbname: decodeURIComponent(url.pathname.replace(/^\//, "")),
    user: decodeURIComponent(url.username),
  };
  if (url.password) pairs.password = decodeURIComponent(url.password);
  return Object.entries(pairs)
    .map(([key, value]) => `${key}='${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`)
    .join(" ");
}

function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (lower === "localhost" || lower === "::1" || /^127\./.test(lower) || lower === "") return "loopback";
  // Neon: the pooler is a hostname of the same endpoint (ep-name-123-pooler.region.aws.neon.tech).
  return lower.replace(/^(ep-[a-z0-9-]+?)-pooler\./, "$1.");
}

function keywordPairs(value: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  const pattern = /(\w+)\s*=\s*(?:'((?:\\.|[^'])*)'|(\S+))/g;
  for (const match of value.matchAll(pattern)) pairs[match[1]!] = (match[2] ?? match[3] ?? "").replace(/\\(.)/g, "$1");
  return pairs;
}

/** KEY=VALUE lines of a .env file (dotenv's syntax: export prefix, quotes, # comments). */
export function parseDotenv(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)?$/.exec(line);
    if (!match) continue;
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === "`") && value.lastIndexOf(quote) > 0) value = value.slice(1, value.lastIndexOf(quote));
    else value = value.replace(/\s+#.*$/, "");
    result[match[1]!] = value;
  }
  return result;
}
