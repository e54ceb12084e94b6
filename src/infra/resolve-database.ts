// Which database production is. A URL that names its database in the path reaches that database
// with every client. One that does not, or that adds libpq's `dbname` parameter, is read
// differently by each client (docs/connection-strings.md): dbship asks the server which database
// a connection made with the URL reaches, checks that every client would reach the same one,
// and from then on uses the URL with that name written in its path — or refuses.
import os from "node:os";
import { DbshipError } from "../errors.js";
import { withConnection } from "./pg.js";
import { describeTarget, parseUrl, pathDatabase, withDatabase } from "./urls.js";

export type ResolvedDatabase = {
  /** The database's name, as the server reports it. */
  name: string;
  /** The same URL with that name in its path (and no `dbname` parameter). */
  url: string;
};

export type Reading = { client: string; database: string };

/** What each client takes as the database when it connects with `url` (under `env`). */
export function clientReadings(url: string, serverReported: string | undefined, env: NodeJS.ProcessEnv = process.env): Reading[] {
  const parsed = parseUrl(url);
  const inPath = pathDatabase(url);
  const dbnameParam = parsed.searchParams.get("dbname") || undefined;
  const urlUser = decodeURIComponent(parsed.username) || undefined;
  const userParam = parsed.searchParams.get("user") || undefined;
  // node-postgres: the path, else PGDATABASE, else the user (?user=, the URL's, PGUSER, the OS user).
  const nodePostgres = inPath ?? (env.PGDATABASE || undefined) ?? userParam ?? urlUser ?? (env.PGUSER || undefined) ?? os.userInfo().username;
  // libpq: ?dbname= over the path, else the same defaults.
  const libpq = dbnameParam ?? nodePostgres;
  const readings: Reading[] = [
    { client: "node-postgres (Prisma's pg adapter, the application's pg client)", database: serverReported ?? nodePostgres },
    { client: "libpq (psql, pg_dump)", database: libpq },
  ];
  // Prisma's own engine sends the path as it is; an empty name makes the server use the login
  // user's name. It reads neither ?dbname= nor PGDATABASE.
  const prismaEngine = inPath ?? userParam ?? urlUser;
  if (prismaEngine !== undefined) readings.push({ client: "Prisma's schema engine (native)", database: prismaEngine });
  return readings;
}

export async function resolveDatabaseUrl(url: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedDatabase> {
  const parsed = parseUrl(url);
  const inPath = pathDatabase(url);
  const dbnameParam = parsed.searchParams.get("dbname");
  // Named in the path and nowhere else: every client reaches that database, no need to ask.
  if (inPath !== undefined && dbnameParam === null) return { name: inPath, url };

  const reported = await withConnection(url, async (client) => (await client.query<{ name: string }>("SELECT current_database() AS name")).rows[0]!.name, {
    applicationName: "dbship",
  });
  const readings = clientReadings(url, reported, env);
  const names = new Set(readings.map((reading) => reading.database));
  if (names.size > 1) {
    throw new DbshipError(
      "DATABASE_URL_AMBIGUOUS",
      `the connection string does not say which database production is: ${readings.map((r) => `${r.client} would use "${r.database}"`).join("; ")} (${describeTarget(url)})`,
      {
        hint: `Write production's database name in the URL's path${dbnameParam !== null ? " and remove the dbname parameter" : ""}${env.PGDATABASE && inPath === undefined ? " (PGDATABASE is set in this environment)" : ""}: postgresql://user:password@host:5432/database`,
        details: { readings },
      },
    );
  }
  return { name: reported, url: withDatabase(url, reported) };
}
