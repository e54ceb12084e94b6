// A "production" for end-to-end tests: a real database migrated by the real Prisma CLI up to the
// example project's first N migrations, with rows, and a project copy whose dbship.config.json
// gives this test its own snapshot prefix (tests share one server and run in parallel).
import { randomBytes } from "node:crypto";
import { runDbship, runPrisma, type CliResult } from "./cli.js";
import { createProject, type ProjectOptions, type TestProject } from "./project.js";
import { adminUrl, createTestDatabase, query, type TestDatabase } from "./postgres.js";

export type Production = {
  project: TestProject;
  db: TestDatabase;
  prefix: string;
  /** Runs dbship in the project with DATABASE_URL = production. */
  dbship(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  moments(): Promise<Array<{ id: string; title: string }>>;
  ledger(): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
};

export type ProductionOptions = ProjectOptions & {
  /** How many of the example's migrations production has applied (default 1: the baseline). */
  applied?: number;
  /** Moment titles to insert once production is built. */
  titles?: string[];
  /** Extra dbship.config.json fields. */
  config?: Record<string, unknown>;
};

export async function createProduction(options: ProductionOptions = {}): Promise<Production> {
  const prefix = `pm${randomBytes(3).toString("hex")}-`;
  const db = await createTestDatabase("prod");
  const builder = await createProject({ migrations: options.applied ?? 1 });
  try {
    const built = await runPrisma(["migrate", "deploy"], { cwd: builder.dir, databaseUrl: db.url });
    if (built.exitCode !== 0) throw new Error(`building production failed: ${built.stderr}${built.stdout}`);
  } finally {
    await builder.cleanup();
  }
  for (const title of options.titles ?? ["first moment", "second moment"]) {
    await query(db.url, `INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())`, [title]);
  }
  const project = await createProject({ ...options, config: { snapshot: { prefix }, ...options.config } });
  return {
    project,
    db,
    prefix,
    dbship: (args, env = {}) => runDbship(args, { cwd: project.dir, env: { DATABASE_URL: db.url, ...env } }),
    moments: () => query(db.url, "SELECT id::text, title FROM moments ORDER BY title, id"),
    ledger: () =>
      query(db.url, "SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations ORDER BY started_at, id"),
    async cleanup() {
      await project.cleanup();
      await db.drop();
      // Snapshots, rehearsal copies and pre-rollback backups of this production.
      const leftovers = await query<{ datname: string }>(
        adminUrl(),
        `SELECT datname FROM pg_database
          WHERE starts_with(datname, $1) OR starts_with(datname, $2)
             OR shobj_description(oid, 'pg_database') LIKE $3`,
        [prefix, `dbship-scratch-${db.name}`, `%"source":"${db.name}"%`],
      );
      for (const { datname } of leftovers) await query(adminUrl(), `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    },
  };
}
