// The corpus of real projects (test/fixtures/real/): each is either an npm package, a
// devDependency of this repository, that ships a real Prisma schema and migration history, or a
// folder of test/fixtures/real/ that holds a public project's schema and migrations as committed
// in its repository. A test never runs on either: it copies the schema and the migrations into a
// throwaway project with the project's own layout, and adds what the offline Prisma path needs
// (see the README there).
import { readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SchemaModel } from "../../src/verify/schema-model.js";
import { readSchemaModel } from "../../src/verify/schema-model.js";
import { execa } from "execa";
import { testEnv } from "../support/cli.js";
import { afterEach, expect } from "vitest";
import { adminUrl, createTestDatabase, databaseUrl, query, uniqueName, withClient, type TestDatabase } from "../support/postgres.js";
import { repoRoot } from "../support/project.js";

export type CorpusEntry = {
  id: string;
  name: string;
  /** An npm package (with `version`), or `folder`: one of the two. */
  package?: string;
  version?: string;
  /** The project's root in this repository (where its own Prisma config sits), from the repository root. */
  folder?: string;
  repository: string;
  commit: string | null;
  commitNote: string;
  license: string;
  provider: string;
  /** Paths inside the package or folder: schema.prisma, or a folder of .prisma files; the migrations. */
  schema: string;
  migrations: string;
  /**
   * What the project's own Prisma config names (kept in the folder as a record): our config in
   * the throwaway project names the same schema and migrations path, and the migrations are
   * copied there (formbricks' runner copies its SQL migrations into that folder before `prisma
   * migrate deploy`). Absent: the schema path above, Prisma's default migrations folder.
   */
  prismaConfig?: { file: string; schema: string; migrations?: string };
  /**
   * An extension the history needs that the embedded PostgreSQL does not ship, and the edits of
   * the throwaway copy (paths in it) that leave it out, for the cases that cannot run with it.
   */
  withoutUnavailableExtension?: {
    extension: string;
    reason: string;
    edits: Array<{ file: string; from: string; to: string; count: number }>;
  };
  /** Folders with a migration.sql: what Prisma applies. */
  migrationCount: number;
  /** Folders without a migration.sql (the project's own data-migration tool runs them). */
  dataMigrationFolders: number;
  /** The variables the schema's datasource reads: `url = env(…)` and `directUrl = env(…)`. */
  urlEnv: string;
  directUrlEnv: string | null;
};

export const corpus: CorpusEntry[] = JSON.parse(
  readFileSync(path.join(repoRoot, "test/fixtures/real/corpus.json"), "utf8"),
).projects;

export function corpusEntry(id: string): CorpusEntry {
  const entry = corpus.find((item) => item.id === id);
  if (!entry) throw new Error(`no project "${id}" in test/fixtures/real/corpus.json`);
  return entry;
}

/** Where the project's files are: the installed package, or its folder in test/fixtures/real/. */
export function packageDir(entry: CorpusEntry): string {
  if (entry.folder) return path.join(repoRoot, entry.folder);
  return path.join(repoRoot, "node_modules", entry.package!);
}

/** "npm-package version" or "folder of this repository": for test titles. */
export function sourceLabel(entry: CorpusEntry): string {
  return entry.folder ? `${entry.repository} at ${entry.commit?.slice(0, 12)}` : `${entry.package} ${entry.version}`;
}

/** Where the throwaway project holds the schema and migrations (what its Prisma config names). */
export function projectPaths(entry: CorpusEntry): { schema: string; migrations: string } {
  return {
    schema: entry.prismaConfig?.schema ?? entry.schema,
    migrations: entry.prismaConfig?.migrations ?? entry.migrations,
  };
}

/** The migration folders Prisma applies (those with a migration.sql), in Prisma's order. */
export async function migrationNames(entry: CorpusEntry): Promise<string[]> {
  const dir = path.join(packageDir(entry), entry.migrations);
  const names: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    if (!item.isDirectory()) continue;
    const sql = await stat(path.join(dir, item.name, "migration.sql")).catch(() => undefined);
    if (sql?.isFile()) names.push(item.name);
  }
  return names.sort();
}

// The repository's own offline path (prisma.config.ts at its root): Prisma 6.19's WebAssembly
// schema engine through the pg driver adapter, pointed at the package's schema. The adapter
// connects where Prisma Migrate would: the datasource's directUrl when it has one, else its url.
function prismaConfig(entry: CorpusEntry): string {
  const connectionEnv = entry.directUrlEnv ?? entry.urlEnv;
  const migrations = entry.prismaConfig?.migrations ? `\n  migrations: { path: ${JSON.stringify(entry.prismaConfig.migrations)} },` : "";
  return `// Written by test/real/real-project.ts: the offline Prisma path (WebAssembly engine + pg adapter).
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: ${JSON.stringify(projectPaths(entry).schema)},${migrations}
  async adapter() {
    return new PrismaPg({ connectionString: process.env.${connectionEnv}, idleTimeoutMillis: 50 });
  },
});
`;
}

/**
 * schema.prisma with `engineType = "client"` in each prisma-client-js or prisma-client generator
 * that names no engine type: without it the Prisma CLI downloads a native query engine before
 * any command (there is no network here). And, in a Prisma 7 schema whose datasource names no
 * `url` (Prisma 7 reads it from prisma.config.ts), `url = env(urlEnv)`: Prisma 6.19 on the
 * WebAssembly engine downloads a native query engine without one. Neither changes the database
 * a schema describes.
 */
export function offlineSchema(schema: string, urlEnv = "DATABASE_URL"): string {
  return viewsWithoutIds(schema)
    .replace(/generator\s+\w+\s*\{[^}]*\}/g, (block) =>
      /provider\s*=\s*"prisma-client(-js)?"/.test(block) && !/engineType\s*=/.test(block)
        ? block.replace(/(provider\s*=\s*"prisma-client(-js)?"[^\n]*\n)/, `$1  engineType = "client"\n`)
        : block,
    )
    .replace(/datasource\s+\w+\s*\{[^}]*\}/g, (block) =>
      /^\s*url\s*=/m.test(block) ? block : block.replace(/(provider\s*=\s*"[^"]*"[^\n]*\n)/, `$1  url = env(${JSON.stringify(urlEnv)})\n`),
    );
}

/**
 * Prisma 4 let a `view` have @id / @@id; Prisma 5 and later refuse it ("Views cannot have primary
 * keys", P1012) and want @unique / @@unique instead. Views are not created by Prisma Migrate, so
 * this changes nothing in the database a schema describes: it only lets Prisma 6 read the file.
 */
export function viewsWithoutIds(schema: string): string {
  return schema.replace(/^view\s+\w+\s*\{[^}]*\}/gm, (block) => block.replace(/@@id\(/g, "@@unique(").replace(/(\s)@id\b/g, "$1@unique"));
}

export type RealProject = {
  dir: string;
  entry: CorpusEntry;
  /** The migrations copied, in order. */
  migrations: string[];
  /** The migrations folder in the throwaway project, relative to it. */
  migrationsDir: string;
  readFile(relative: string): Promise<string>;
  writeFile(relative: string, content: string): Promise<void>;
  cleanup(): Promise<void>;
};

export type RealProjectOptions = {
  /** Keep only the first N migrations (default: all). 0 leaves an empty migrations folder. */
  migrations?: number;
  /** Written as dbship.config.json when given. */
  dbshipConfig?: Record<string, unknown>;
  /**
   * Apply the entry's withoutUnavailableExtension edits: all of them, or only those in the
   * migrations (schema.prisma still declares the extension).
   */
  withoutUnavailableExtension?: "everywhere" | "in-migrations";
};

/**
 * A throwaway copy of a corpus project: the package's schema and migrations at the package's own
 * paths, our prisma.config.ts and package.json, node_modules linked to this repository's (its
 * Prisma CLI and adapter). Folders without a migration.sql are not copied: they hold the
 * project's TypeScript data migrations, which its own tool runs, and Prisma refuses a migration
 * folder without SQL.
 */
export async function createRealProject(entry: CorpusEntry, options: RealProjectOptions = {}): Promise<RealProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `dbship-real-${entry.id}-`));
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: `real-${entry.id}`, private: true, type: "module" }, null, 2));
  await writeFile(path.join(dir, "prisma.config.ts"), prismaConfig(entry));
  const paths = projectPaths(entry);
  for (const file of await schemaFiles(entry)) {
    const schema = await readFile(path.join(packageDir(entry), entry.schema, file), "utf8");
    await mkdir(path.dirname(path.join(dir, paths.schema, file)), { recursive: true });
    await writeFile(path.join(dir, paths.schema, file), offlineSchema(schema, entry.urlEnv));
  }
  const source = path.join(packageDir(entry), entry.migrations);
  const target = path.join(dir, paths.migrations);
  await mkdir(target, { recursive: true });
  await cp(path.join(source, "migration_lock.toml"), path.join(target, "migration_lock.toml"));
  const all = await migrationNames(entry);
  const migrations = all.slice(0, options.migrations ?? all.length);
  for (const name of migrations) {
    await mkdir(path.join(target, name));
    await cp(path.join(source, name, "migration.sql"), path.join(target, name, "migration.sql"));
  }
  const project: RealProject = {
    dir,
    entry,
    migrations,
    migrationsDir: path.normalize(paths.migrations),
    readFile: (relative) => readFile(path.join(dir, relative), "utf8"),
    async writeFile(relative, content) {
      await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
      await writeFile(path.join(dir, relative), content);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  if (options.dbshipConfig) await project.writeFile("dbship.config.json", JSON.stringify(options.dbshipConfig, null, 2));
  if (options.withoutUnavailableExtension) await leaveOutExtension(project, options.withoutUnavailableExtension);
  return project;
}

/** Applies the entry's edits; each must match exactly `count` times, so a changed fixture fails loudly. */
async function leaveOutExtension(project: RealProject, where: "everywhere" | "in-migrations"): Promise<void> {
  const change = project.entry.withoutUnavailableExtension;
  if (!change) throw new Error(`${project.entry.id} has no withoutUnavailableExtension in corpus.json`);
  for (const edit of change.edits) {
    const inMigrations = edit.file.startsWith(`${project.migrationsDir}/`);
    if (where === "in-migrations" && !inMigrations) continue;
    // A migration the copy does not hold (options.migrations) is not edited.
    if (inMigrations && !project.migrations.includes(edit.file.split("/").at(-2)!)) continue;
    const text = await project.readFile(edit.file);
    const found = text.split(edit.from).length - 1;
    if (found !== edit.count) throw new Error(`${edit.file}: expected ${edit.count} × ${JSON.stringify(edit.from)}, found ${found}`);
    await project.writeFile(edit.file, text.split(edit.from).join(edit.to));
  }
}

/** The schema's files, relative to `entry.schema`: "" for one file, else the folder's .prisma files. */
async function schemaFiles(entry: CorpusEntry): Promise<string[]> {
  const at = path.join(packageDir(entry), entry.schema);
  if (!(await stat(at)).isDirectory()) return [""];
  return (await readdir(at)).filter((name) => name.endsWith(".prisma")).sort();
}

// ---- Databases for the corpus tests: built by the real Prisma CLI, read by dbship's own catalog
// reader (readSchemaModel), never by dbship's commands.

/** The project's datasource variables (url and directUrl), all set to `url`, as a deployment would set them. */
export function projectEnv(entry: CorpusEntry, url: string | undefined): Record<string, string | undefined> {
  return { [entry.urlEnv]: url, ...(entry.directUrlEnv ? { [entry.directUrlEnv]: url } : {}) };
}

/** This repository's Prisma CLI in the project, with the project's datasource variables set to `url`. */
export async function runProjectPrisma(project: RealProject, args: string[], url: string) {
  return execa("node", [path.join(repoRoot, "node_modules/prisma/build/index.js"), ...args], {
    cwd: project.dir,
    env: testEnv(projectEnv(project.entry, url)),
    reject: false,
    timeout: 90_000,
  });
}

/** A bare `prisma migrate deploy` of the project's migrations onto `url`. */
export async function prismaMigrateDeploy(project: RealProject, url: string) {
  return runProjectPrisma(project, ["migrate", "deploy"], url);
}

/** What `prisma db push` would leave: Prisma's own SQL for schema.prisma, run on `url`. */
export async function buildFromSchema(project: RealProject, url: string): Promise<void> {
  const diff = await runProjectPrisma(project, ["migrate", "diff", "--from-empty", "--to-schema-datamodel", projectPaths(project.entry).schema, "--script"], url);
  if (diff.exitCode !== 0) throw new Error(`prisma migrate diff failed: ${diff.stderr}${diff.stdout}`);
  await query(url, diff.stdout.replace(/^Loaded Prisma config.*$/m, ""));
}

/**
 * Each migration.sql sent whole, as one simple-protocol query, the way Prisma's native schema
 * engine sends it (the WebAssembly engine's adapter path splits it on `;` instead). Stops at the
 * first failure and says which.
 */
export async function replayWholeScripts(project: RealProject, url: string): Promise<{ applied: number; failed?: { migration: string; error: string } }> {
  return withClient(url, async (client) => {
    let applied = 0;
    for (const name of project.migrations) {
      const sql = await readFile(path.join(project.dir, project.migrationsDir, name, "migration.sql"), "utf8");
      try {
        await client.query(sql);
      } catch (error) {
        return { applied, failed: { migration: name, error: (error as Error).message } };
      }
      applied++;
    }
    return { applied };
  });
}

export async function readModel(url: string): Promise<SchemaModel> {
  return withClient(url, (client) => readSchemaModel(client));
}

export type LedgerRow = { migration_name: string; finished: boolean; rolled_back: boolean };

export async function ledger(url: string): Promise<LedgerRow[]> {
  return query<LedgerRow>(
    url,
    `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations ORDER BY migration_name`,
  );
}

/** Drops what dbship made for production `database`: snapshots (`prefix`), rehearsal copies, scratch databases. */
export async function dropLeftovers(prefix: string, database: string): Promise<void> {
  const rows = await query<{ datname: string }>(
    adminUrl(),
    `SELECT datname FROM pg_database
      WHERE starts_with(datname, $1) OR starts_with(datname, $2)
         OR shobj_description(oid, 'pg_database') LIKE $3`,
    [prefix, `dbship-scratch-${database}`, `%"source":"${database}"%`],
  );
  for (const { datname } of rows) await query(adminUrl(), `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
}

/** A copy of `source` (CREATE DATABASE … TEMPLATE): a twin production without a second Prisma run. */
export async function cloneDatabase(source: TestDatabase, prefix: string): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await query(adminUrl(), `CREATE DATABASE "${name}" TEMPLATE "${source.name}"`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => query(adminUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
  };
}

/**
 * A test file's throwaway projects, databases and dbship leftovers (snapshots, copies of a
 * production), all removed after each test.
 */
export function realProjectResources(entry: CorpusEntry) {
  const projects: RealProject[] = [];
  const databases: TestDatabase[] = [];
  const leftovers: Array<[string, string]> = [];
  afterEach(async () => {
    for (const [prefix, database] of leftovers.splice(0)) await dropLeftovers(prefix, database);
    for (const db of databases.splice(0)) await db.drop();
    for (const project of projects.splice(0)) await project.cleanup();
  });
  return {
    async project(options: RealProjectOptions = {}): Promise<RealProject> {
      const created = await createRealProject(entry, options);
      projects.push(created);
      return created;
    },
    async database(prefix: string): Promise<TestDatabase> {
      const db = await createTestDatabase(prefix);
      databases.push(db);
      return db;
    },
    /** A template copy of `source` (a twin production), dropped like the others. */
    async clone(source: TestDatabase, prefix: string): Promise<TestDatabase> {
      const db = await cloneDatabase(source, prefix);
      databases.push(db);
      return db;
    },
    /** A production at `migrations` built by a bare `prisma migrate deploy`, with `seed`'s rows. */
    async productionAt(migrations: number, seed: string, prefix: string): Promise<TestDatabase> {
      const older = await this.project({ migrations });
      const db = await this.database(prefix);
      const built = await prismaMigrateDeploy(older, db.url);
      expect(built.exitCode, built.stderr).toBe(0);
      await query(db.url, seed);
      return db;
    },
    /** What dbship makes for production `database` under snapshot `prefix` goes too. */
    dropLeftoversOf(prefix: string, database: string): void {
      leftovers.push([prefix, database]);
    },
  };
}
