// The Neon provider's wrong-target guard, on its own: pure, so it is tested without the API.
import { DbshipError } from "../errors.js";
import { describeTarget, maskUrl, parseUrl } from "../infra/urls.js";

/**
 * Refuses a DATABASE_URL that is not production's direct connection: a pooled one (Prisma's
 * advisory lock and session settings break behind PgBouncer's transaction mode) or another
 * branch's. Host, port and database are compared with the URIs Neon gives for production.
 */
export function checkProductionUrl(
  databaseUrl: string,
  production: { branchName: string; direct: string; pooled?: string | undefined },
): void {
  const url = parseUrl(databaseUrl);
  const direct = parseUrl(production.direct);
  const pooled = production.pooled ? parseUrl(production.pooled) : undefined;
  const masked = maskUrl(production.direct);
  const viaPooler = /-pooler(\.|$)/i.test(url.hostname) || (pooled !== undefined && sameTarget(url, pooled) && !sameTarget(url, direct));
  if (viaPooler) {
    throw new DbshipError("NEON_POOLED_URL", `DATABASE_URL goes through Neon's connection pooler (${describeTarget(databaseUrl)})`, {
      hint: `Prisma's migrate engine takes a session-level advisory lock and sets session settings, which break behind the pooler (PgBouncer in transaction mode). Use production's direct connection string: ${masked}`,
    });
  }
  if (!sameTarget(url, direct)) {
    throw new DbshipError(
      "NEON_WRONG_TARGET",
      `DATABASE_URL points at ${describeTarget(databaseUrl)}, not at the Neon production branch ${production.branchName} (${describeTarget(production.direct)})`,
      { hint: `Set DATABASE_URL to production's direct connection string: ${masked} (or fix neon.productionBranch).` },
    );
  }
}

function sameTarget(a: URL, b: URL): boolean {
  const port = (url: URL) => url.port || "5432";
  const database = (url: URL) => decodeURIComponent(url.pathname.replace(/^\//, ""));
  return a.hostname.toLowerCase() === b.hostname.toLowerCase() && port(a) === port(b) && database(a) === database(b);
}
