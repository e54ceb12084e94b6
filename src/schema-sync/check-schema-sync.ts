// Proves that schema.prisma and the migrations agree: the migrations replayed from nothing into
// one scratch database (replay-migrations.ts), the SQL Prisma writes for schema.prisma run in another, and their schemas
// compared on what a Prisma schema can express. The classic failure it catches: a field added to
// schema.prisma without a migration — `migrate deploy` succeeds and the app breaks in production.
import type { Config } from "../config.js";
import { DbshipError } from "../errors.js";
import { saysConnectionLost } from "../infra/database-errors.js";
import { withConnection } from "../infra/pg.js";
import { settleAll } from "../infra/settle-all.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";
import type { PrismaConnections } from "../prisma-target/prisma-connections.js";
import { schemaToSql } from "../prisma/schema-sql.js";
import type { Progress } from "../ui/progress.js";
import { diffSchemas, type SchemaDifference } from "../verify/schema-diff.js";
import { readSchemaAt } from "../verify/schema-model.js";
import type { NotComparedObject, SchemaModel } from "../verify/schema-types.js";
import { replayAsPrismaWould } from "./replay-migrations.js";
import { prepareCheckDatabases } from "./scratch-extensions.js";
import type { ScratchDatabase, ScratchServer } from "./scratch-server.js";

export type SchemaSyncResult = {
  inSync: boolean;
  differences: SchemaDifference[];
  /** What the migrations create that a Prisma schema cannot express (CHECK constraints, …): not drift. */
  notCompared: NotComparedObject[];
  server: string;
};

export type SchemaSyncInput = {
  config: Config;
  prisma: PrismaCli;
  connections: PrismaConnections;
  local: LocalMigration[];
  server: ScratchServer;
  signal: AbortSignal;
  progress: Progress;
  /** Production, when known: its extensions are installed on the scratch databases. */
  productionUrl?: string | undefined;
};

export async function checkSchemaSync(input: SchemaSyncInput): Promise<SchemaSyncResult> {
  const [fromMigrations, fromSchema] = await Promise.all([
    input.server.createDatabase("check-migrations"),
    input.server.createDatabase("check-schema"),
  ]);
  const more: ScratchDatabase[] = [];
  try {
    // Extensions first: Prisma's SQL may use their types and operator classes (scratch-extensions.ts).
    const extensionInput = { ...input, schemaPath: input.config.schemaPath, serverLabel: input.server.label };
    await prepareCheckDatabases(extensionInput, { migrations: fromMigrations.url, schema: fromSchema.url });
    // Another empty database for the migrations, prepared the same way (replay-migrations.ts).
    const fresh = async () => {
      const database = await input.server.createDatabase("check-migrations");
      more.push(database);
      await prepareCheckDatabases(extensionInput, { migrations: database.url, schema: undefined });
      return database.url;
    };
    // The two sides do not depend on each other: Prisma runs both at once. Both are awaited
    // before anything is thrown, so no Prisma run outlives the databases it works on.
    const [applied, sql] = await settleAll([
      replayAsPrismaWould(input, fromMigrations.url, fresh),
      schemaToSql({
        prisma: input.prisma,
        connections: input.connections,
        schemaPath: input.config.schemaPath,
        databaseUrl: fromSchema.url,
        signal: input.signal,
      }),
    ]);
    if (applied.failure || applied.prismaError) {
      const why = applied.failure ? `${applied.failure.migration} failed: ${applied.failure.error}` : applied.prismaError;
      // A lost connection (a server restart, a terminated session) says nothing about the migrations.
      if (saysConnectionLost(why ?? "")) {
        throw new DbshipError("DATABASE_UNREACHABLE", `lost the connection to ${input.server.label} during the schema check: ${why}`, {
          hint: "The check could not finish; it found nothing wrong with the migrations. Nothing was changed in production: run dbship again once the database answers.",
        });
      }
      throw new DbshipError("SCHEMA_OUT_OF_SYNC", `the migrations do not apply to an empty database: ${why}`, {
        hint: "Every migration must replay from nothing (that is what a new environment does). Fix that migration.",
      });
    }
    await withConnection(fromSchema.url, (client) => client.query(sql), { applicationName: "dbship check" });
    const [migrated, described] = await Promise.all([readModel(applied.url ?? fromMigrations.url), readModel(fromSchema.url)]);
    const differences = diffSchemas(migrated, described, { scope: "prisma", leftLabel: "the migrations", rightLabel: "schema.prisma" });
    return { inSync: differences.length === 0, differences, notCompared: migrated.notCompared, server: input.server.label };
  } finally {
    await Promise.all([fromMigrations.drop(), fromSchema.drop(), ...more.map((database) => database.drop())]);
  }
}

export function outOfSyncError(result: SchemaSyncResult): DbshipError {
  return new DbshipError("SCHEMA_OUT_OF_SYNC", `schema.prisma and the migrations disagree (${result.differences.length} difference(s)):\n${result.differences.map((d) => `  - ${d.message}`).join("\n")}`, {
    hint: "Create the missing migration (npx prisma migrate dev --name <change>) or bring schema.prisma in line with the migrations, then commit both.",
    details: { differences: result.differences },
  });
}

function readModel(url: string): Promise<SchemaModel> {
  return readSchemaAt(url, { applicationName: "dbship check" });
}
