// A throwaway copy of the example project (prisma/ + prisma.config.ts) that a test may change:
// add a migration, edit the schema, write a dbship.config.json. node_modules is linked, so the
// copy runs the repository's own Prisma CLI and adapter.
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type TestProject = {
  dir: string;
  migrationsDir: string;
  addMigration(name: string, sql: string): Promise<void>;
  removeMigration(name: string): Promise<void>;
  writeFile(relative: string, content: string): Promise<void>;
  cleanup(): Promise<void>;
};

export type ProjectOptions = {
  /** Keep only the first N migrations of the example project (e.g. 1 = the baseline alone). */
  migrations?: number;
  /** Extra migration folders, in order: name → SQL. */
  extra?: Record<string, string>;
  /** Written as dbship.config.json when given. */
  config?: Record<string, unknown>;
  /** Another prisma/ folder to use instead of the example project's (e.g. a test fixture). */
  prismaDir?: string;
};

export async function createProject(options: ProjectOptions = {}): Promise<TestProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-project-"));
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  await cp(path.join(repoRoot, "prisma.config.ts"), path.join(dir, "prisma.config.ts"));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "fixture", private: true, type: "module" }, null, 2));
  await cp(options.prismaDir ?? path.join(repoRoot, "prisma"), path.join(dir, "prisma"), { recursive: true });
  const migrationsDir = path.join(dir, "prisma", "migrations");
  if (options.migrations !== undefined) {
    const names = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort((a, b) => a.localeCompare(b));
    for (const name of names.slice(options.migrations)) await rm(path.join(migrationsDir, name), { recursive: true });
  }
  const project: TestProject = {
    dir,
    migrationsDir,
    async addMigration(name, sql) {
      await mkdir(path.join(migrationsDir, name), { recursive: true });
      await writeFile(path.join(migrationsDir, name, "migration.sql"), sql);
    },
    async removeMigration(name) {
      await rm(path.join(migrationsDir, name), { recursive: true, force: true });
    },
    async writeFile(relative, content) {
      await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
      await writeFile(path.join(dir, relative), content);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  for (const [name, sql] of Object.entries(options.extra ?? {})) await project.addMigration(name, sql);
  if (options.config) await project.writeFile("dbship.config.json", JSON.stringify(options.config, null, 2));
  return project;
}
