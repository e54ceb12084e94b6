// The extensions a scratch database needs before Prisma's SQL for schema.prisma runs on it: a
// `@db.Citext` column or a `gin_trgm_ops` index fails on a database without citext / pg_trgm.
// They come from three places: production (when it is known), the migrations (CREATE EXTENSION
// statements), and schema.prisma (`extensions = [...]` with the postgresqlExtensions preview
// feature). An extension the scratch server cannot provide is a refusal that names it.
import { readFile } from "node:fs/promises";
import { DbshipError } from "../errors.js";
import { quoteIdent, withConnection } from "../infra/pg.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import { schemaFiles } from "../prisma-target/schema-datasource.js";

/** Extensions created by the migrations' SQL, in the order they appear. */
export function extensionsInMigrations(migrations: Array<Pick<LocalMigration, "sql">>): string[] {
  const names: string[] = [];
  for (const migration of migrations) {
    const sql = migration.sql.replace(/--[^\n]*/g, "");
    for (const match of sql.matchAll(/\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w-]*)/gi)) {
      names.push(unquote(match[1]!));
    }
  }
  return unique(names);
}

/**
 * Extensions schema.prisma declares in its datasource (`extensions = [citext, pg_trgm(schema:
 * "public"), uuid_ossp(map: "uuid-ossp")]`): Prisma reads them only with the
 * postgresqlExtensions preview feature, but they name what the schema needs either way.
 */
export function extensionsInSchema(schema: string): string[] {
  const text = schema.replace(/\/\/[^\n]*/g, "");
  const datasource = /\bdatasource\s+\w+\s*\{([\s\S]*?)\n\s*\}/.exec(text)?.[1] ?? "";
  const list = /\bextensions\s*=\s*\[([\s\S]*?)\]/.exec(datasource)?.[1];
  if (!list) return [];
  const names: string[] = [];
  // Split on commas outside parentheses: `pg_trgm(schema: "x", version: "1")` is one entry.
  let depth = 0;
  let current = "";
  for (const char of `${list},`) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      const entry = current.trim();
      current = "";
      if (!entry) continue;
      const mapped = /\bmap\s*:\s*"([^"]+)"/.exec(entry)?.[1];
      names.push(mapped ?? entry.replace(/\(.*$/s, "").trim());
      continue;
    }
    current += char;
  }
  return unique(names.filter((name) => /^[\w-]+$/.test(name)));
}

/** schema.prisma, or a multi-file schema's folder: the datasource is in one of its files. */
export async function extensionsInSchemaFile(schemaPath: string): Promise<string[]> {
  const names: string[] = [];
  for (const file of schemaFiles(schemaPath)) {
    try {
      names.push(...extensionsInSchema(await readFile(file, "utf8")));
    } catch {
      // A missing or unreadable schema is reported by Prisma, with its own words.
    }
  }
  return unique(names);
}

/** Extensions installed in a database (plpgsql, in every database, left out). */
export async function installedExtensions(url: string): Promise<string[]> {
  return withConnection(
    url,
    async (client) => (await client.query<{ name: string }>("SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname")).rows.map((row) => row.name),
    { applicationName: "dbship" },
  );
}

/**
 * Installs `names` in the scratch database at `url`. PostgreSQL answers an extension its server
 * does not ship with SQLSTATE 0A000 ("extension … is not available") or 58P01 (its control file
 * is missing): that is a refusal naming the extension and the server, not an internal error.
 */
export async function prepareScratchExtensions(url: string, names: string[], serverLabel: string): Promise<void> {
  if (names.length === 0) return;
  await withConnection(
    url,
    async (client) => {
      for (const name of unique(names)) {
        try {
          await client.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)}`);
        } catch (error) {
          throw unavailable(name, serverLabel, error);
        }
      }
    },
    { applicationName: "dbship scratch" },
  );
}

function unavailable(name: string, serverLabel: string, error: unknown): DbshipError {
  const message = error instanceof Error ? error.message : String(error);
  return new DbshipError("EXTENSION_UNAVAILABLE", `the extension "${name}" cannot be installed on the scratch server (${serverLabel}): ${message}`, {
    hint: "The schema check builds scratch databases with the extensions production, the migrations and schema.prisma use. Point --shadow-url at a PostgreSQL server that has it (the same image or version as production).",
    details: { extension: name },
  });
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

export type ScratchExtensionNeeds = {
  /** For the database the migrations replay into: production's (they existed before the migrations ran there). */
  migrations: string[];
  /** For the database schema.prisma's SQL builds: production's, the migrations', schema.prisma's. */
  schema: string[];
};

/** What each of the schema check's two scratch databases needs, before anything runs on them. */
export async function scratchExtensionNeeds(input: {
  local: Array<Pick<LocalMigration, "sql">>;
  schemaPath: string;
  productionUrl?: string | undefined;
}): Promise<ScratchExtensionNeeds> {
  const production = input.productionUrl ? await installedExtensions(input.productionUrl) : [];
  const schema = await extensionsInSchemaFile(input.schemaPath);
  return { migrations: production, schema: unique([...production, ...extensionsInMigrations(input.local), ...schema]) };
}

/** Installs each database's needs; a refusal names the extension the server lacks. */
export async function prepareCheckDatabases(
  input: { local: Array<Pick<LocalMigration, "sql">>; schemaPath: string; productionUrl?: string | undefined; serverLabel: string },
  urls: { migrations: string; schema: string },
): Promise<void> {
  const needs = await scratchExtensionNeeds(input);
  await prepareScratchExtensions(urls.migrations, needs.migrations, input.serverLabel);
  await prepareScratchExtensions(urls.schema, needs.schema, input.serverLabel);
}
