// Builds real databases for the schema-model tests and reads their models back.
import { readSchemaModel } from "../../src/verify/schema-model.js";
import type { ReadSchemaOptions, SchemaModel } from "../../src/verify/schema-types.js";
import { runPrisma } from "../support/cli.js";
import { createProject } from "../support/project.js";
import { adminUrl, createTestDatabase, withClient, type TestDatabase } from "../support/postgres.js";

const databases: TestDatabase[] = [];

/** A new database with `sql` applied (as one simple-query script, like psql -f). Dropped by dropDatabases(). */
export async function databaseWith(sql: string): Promise<TestDatabase> {
  const db = await createTestDatabase("verify");
  databases.push(db);
  if (sql.trim()) await withClient(db.url, (client) => client.query(sql));
  return db;
}

export async function dropDatabases(): Promise<void> {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
}

export async function modelOf(sql: string, options?: ReadSchemaOptions): Promise<SchemaModel> {
  const db = await databaseWith(sql);
  return withClient(db.url, (client) => readSchemaModel(client, options));
}

/**
 * The SQL the real Prisma CLI generates for `schema` (migrate diff --from-empty). The CLI wants
 * a reachable DATABASE_URL even for this, and prints "Loaded Prisma config …" on stdout.
 */
export async function prismaSqlFor(schema: string): Promise<string> {
  const project = await createProject({ migrations: 0 });
  try {
    await project.writeFile("prisma/schema.prisma", schema);
    const result = await runPrisma(
      ["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
      { cwd: project.dir, databaseUrl: adminUrl() },
    );
    if (result.exitCode !== 0) throw new Error(`prisma migrate diff failed:\n${result.stderr}\n${result.stdout}`);
    const sql = result.stdout
      .split("\n")
      .filter((line) => !/^(Loaded Prisma config|Prisma config detected)/.test(line))
      .join("\n");
    if (!/CREATE TABLE/.test(sql)) throw new Error(`prisma migrate diff printed no CREATE TABLE:\n${result.stdout}`);
    return sql;
  } finally {
    await project.cleanup();
  }
}
