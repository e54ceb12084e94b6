// A Neon "production" for end-to-end tests: the emulator (real databases behind Neon's HTTP API),
// its production branch migrated by the real Prisma CLI to the example's first N migrations (or,
// with `pushed`, as `prisma db push` leaves it: no _prisma_migrations, as before a baseline), with
// rows, and a project configured for the neon provider. DATABASE_URL is the connection
// string Neon's API gives for the production branch, as a user would copy it.
import { createApiClient, type Branch } from "@neondatabase/api-client";
import { randomBytes } from "node:crypto";
import { runDbship, runPrisma, type CliResult } from "./cli.js";
import { pushSchema } from "./db-push.js";
import { startNeonEmulator, type NeonEmulator, type NeonEmulatorOptions } from "./neon-emulator/index.js";
import { adminUrl, query } from "./postgres.js";
import { createProject, type ProjectOptions, type TestProject } from "./project.js";

export type NeonProduction = {
  neon: NeonEmulator;
  project: TestProject;
  url: string;
  prefix: string;
  dbship(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  moments(): Promise<Array<{ id: string; title: string }>>;
  ledger(url?: string): Promise<Array<Record<string, unknown>>>;
  branchNames(): Promise<string[]>;
  /** The project's branches, as the API lists them. */
  branches(): Promise<Branch[]>;
  cleanup(): Promise<void>;
};

export async function createNeonProduction(
  options: ProjectOptions & {
    applied?: number;
    /** Build production as `prisma db push` leaves it (see pushSchema): the schema, no ledger. */
    pushed?: boolean;
    titles?: string[];
    emulator?: Partial<NeonEmulatorOptions>;
  } = {},
): Promise<NeonProduction> {
  const neon = await startNeonEmulator({ adminUrl: adminUrl(), defaultBranchName: "production", operationDelayMs: 50, ...options.emulator });
  const api = createApiClient({ apiKey: neon.apiKey, baseURL: neon.baseURL });
  const { data } = await api.getConnectionUri({ projectId: neon.projectId, branch_id: neon.defaultBranchId, database_name: "neondb", role_name: "neondb_owner" });
  const url = data.uri;
  const builder = await createProject({ migrations: options.applied ?? 1 });
  try {
    if (options.pushed) await pushSchema(builder.dir, url);
    else {
      const built = await runPrisma(["migrate", "deploy"], { cwd: builder.dir, databaseUrl: url });
      if (built.exitCode !== 0) throw new Error(`building production failed: ${built.stderr}${built.stdout}`);
    }
  } finally {
    await builder.cleanup();
  }
  for (const title of options.titles ?? ["first moment", "second moment"]) {
    await query(url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [title]);
  }
  const prefix = `pm${randomBytes(3).toString("hex")}-`;
  const project = await createProject({ ...options, config: { provider: "neon", neon: { projectId: neon.projectId }, snapshot: { prefix }, ...options.config } });
  return {
    neon,
    project,
    url,
    prefix,
    dbship: (args, env = {}) =>
      runDbship(args, {
        cwd: project.dir,
        // A failed operation is re-read for 30 s by default (Neon may retry it); tests need less.
        env: { DATABASE_URL: url, NEON_API_KEY: neon.apiKey, NEON_API_HOST: neon.baseURL, DBSHIP_NEON_TIMEOUTS: JSON.stringify({ failedGraceMs: 500 }), ...env },
      }),
    moments: () => query(url, "SELECT id::text, title FROM moments ORDER BY title, id"),
    ledger: (target = url) =>
      query(target, "SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY started_at, id"),
    async branches() {
      return (await api.listProjectBranches({ projectId: neon.projectId })).data.branches;
    },
    async branchNames() {
      const { data: list } = await api.listProjectBranches({ projectId: neon.projectId });
      return list.branches.map((branch) => branch.name).sort();
    },
    async cleanup() {
      await project.cleanup();
      await neon.close();
    },
  };
}

