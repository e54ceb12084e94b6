// The schema of a database as dbship compares it, read from pg_catalog: what post-verify,
// the schema-sync check and `dbship baseline` all compare. Everything is keyed and sorted by
// name (never by OID or position), so two databases built by the same DDL in any column order
// give deep-equal models. Names of tables and types are schema-qualified only outside `public`.
import type pg from "pg";
import { connect } from "../infra/pg.js";
import { readNotCompared } from "./not-compared.js";
import { readEnums, readTables } from "./read-tables.js";
import type { CatalogScope, ReadSchemaOptions, SchemaModel } from "./schema-types.js";

// What readSchemaModel returns, for callers that need no other type of the model.
export type { SchemaModel } from "./schema-types.js";

// pg_get_expr, format_type and friends qualify a name only when it is not visible on the
// search_path, so the path is pinned for the read: the same database then always reads the
// same, whatever the role's or the URL's search_path.
const READ_SEARCH_PATH = "public";

export async function readSchemaModel(client: pg.ClientBase, options: ReadSchemaOptions = {}): Promise<SchemaModel> {
  const previous = (await client.query<{ path: string }>("SELECT current_setting('search_path') AS path")).rows[0]!.path;
  await client.query("SELECT set_config('search_path', $1, false)", [READ_SEARCH_PATH]);
  try {
    const version = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
    const schemas =
      options.schemas ??
      (
        await client.query<{ nspname: string }>(
          "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY nspname",
        )
      ).rows.map((row) => row.nspname);
    const exclude = new Set(options.exclude ?? ["_prisma_migrations"]);
    const { tables, oids } = await readTables(client, schemas, exclude, version);
    const scope: CatalogScope = { schemas, tableOids: oids, serverVersion: version };
    const enums = await readEnums(client, scope);
    const notCompared = await readNotCompared(client, scope);
    return { tables, enums, notCompared };
  } finally {
    // A failed read inside the caller's transaction aborts it, and the rollback restores the
    // path by itself: only restore when the session still accepts commands.
    await client.query("SELECT set_config('search_path', $1, false)", [previous]).catch(() => undefined);
  }
}

/** Connects to `url`, reads its schema model, closes: for callers that hold no session of their own. */
export async function readSchemaAt(url: string, options: ReadSchemaOptions & { applicationName?: string } = {}): Promise<SchemaModel> {
  const client = await connect(url, { applicationName: options.applicationName ?? "dbship verify" });
  try {
    return await readSchemaModel(client, options);
  } finally {
    await client.end().catch(() => undefined);
  }
}
