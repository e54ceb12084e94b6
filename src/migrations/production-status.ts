// Everything preflight and `dbship status` need to know about production, read in one session
// that is closed again before anything copies the database.
import { withConnection, describeTarget } from "../infra/pg.js";
import { classifyMigrations, type MigrationStatus } from "./classify.js";
import { migrationsSchema, readLedger, type Ledger } from "./ledger.js";
import { readLocalMigrations, type LocalMigration } from "./local-migrations.js";
import { findRunningPrisma, markRunning, type RunningPrisma } from "./running-migrations.js";

export type ProductionStatus = {
  target: string;
  local: LocalMigration[];
  ledger: Ledger;
  status: MigrationStatus;
  serverVersionNum: number;
  /** schema.table (lower-case) of every table production has now. */
  tables: Set<string>;
  /** `prisma migrate deploy` sessions still working on production (e.g. after dbship was killed). */
  running: RunningPrisma[];
};

export async function readProductionStatus(databaseUrl: string, migrationsDir: string): Promise<ProductionStatus> {
  const local = await readLocalMigrations(migrationsDir);
  return withConnection(
    databaseUrl,
    async (client) => {
      const ledger = await readLedger(client, migrationsSchema(databaseUrl));
      const version = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      const tables = await client.query<{ name: string }>(
        `SELECT lower(schemaname || '.' || tablename) AS name FROM pg_tables
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      const running = await findRunningPrisma(client);
      return {
        target: describeTarget(databaseUrl),
        local,
        ledger,
        status: markRunning(classifyMigrations(local, ledger.rows), running),
        running,
        serverVersionNum: Number(version.rows[0]?.v ?? 0),
        tables: new Set(tables.rows.map((row) => row.name)),
      };
    },
    { applicationName: "dbship preflight" },
  );
}

export type { MigrationStatus };
