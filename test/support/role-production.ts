// A "production" owned by a login role of its own, with a password the test chooses: for tests of
// how a URL is read (a database named like the user) and of what is printed of its secrets.
import { randomBytes } from "node:crypto";
import { runDbship, runPrisma, type CliResult } from "./cli.js";
import { adminUrl, query } from "./postgres.js";
import { createProject, type TestProject } from "./project.js";

export type RoleProduction = {
  role: string;
  password: string;
  /** The role's database, named like the role. */
  database: string;
  /** postgresql://role:password@host:port (no database name). */
  serverUrl: string;
  /** The URL with the database name. */
  namedUrl: string;
  project: TestProject;
  prefix: string;
  dbship(args: string[], databaseUrl: string, env?: Record<string, string | undefined>): Promise<CliResult>;
  cleanup(): Promise<void>;
};

export async function createRoleProduction(options: { password?: string; titles?: string[]; config?: Record<string, unknown> } = {}): Promise<RoleProduction> {
  const role = `u_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const password = options.password ?? `pw-${randomBytes(4).toString("hex")}`;
  await query(adminUrl(), `CREATE ROLE "${role}" LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}'`);
  await query(adminUrl(), `CREATE DATABASE "${role}" OWNER "${role}"`);
  const server = new URL(adminUrl());
  const serverUrl = `postgresql://${encodeURIComponent(role)}:${encodeURIComponent(password)}@${server.host}`;
  const namedUrl = `${serverUrl}/${role}`;
  const builder = await createProject({ migrations: 1 });
  try {
    const built = await runPrisma(["migrate", "deploy"], { cwd: builder.dir, databaseUrl: namedUrl });
    if (built.exitCode !== 0) throw new Error(`building production failed: ${built.stderr}${built.stdout}`);
  } finally {
    await builder.cleanup();
  }
  for (const title of options.titles ?? ["ok"]) {
    await query(namedUrl, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [title]);
  }
  const prefix = `pm${randomBytes(3).toString("hex")}-`;
  const project = await createProject({ config: { snapshot: { prefix }, ...options.config } });
  return {
    role,
    password,
    database: role,
    serverUrl,
    namedUrl,
    project,
    prefix,
    dbship: (args, databaseUrl, env = {}) => runDbship(args, { cwd: project.dir, env: { DATABASE_URL: databaseUrl, ...env } }),
    async cleanup() {
      await project.cleanup();
      const rows = await query<{ datname: string }>(
        adminUrl(),
        "SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2) OR pg_get_userbyid(datdba) = $1",
        [role, prefix],
      );
      for (const { datname } of rows) await query(adminUrl(), `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      await query(adminUrl(), `DROP ROLE IF EXISTS "${role}"`);
    },
  };
}
