// A throwaway copy of the example project (prisma/ + prisma.config.ts, node_modules linked) with
// generated migrations and the matching schema.prisma, as test/support/project.ts does for tests.
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./proc.mjs";

export async function createProject({ keepExample = 2, config } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-bench-project-"));
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  await cp(path.join(repoRoot, "prisma.config.ts"), path.join(dir, "prisma.config.ts"));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "bench-fixture", private: true, type: "module" }, null, 2));
  await cp(path.join(repoRoot, "prisma"), path.join(dir, "prisma"), { recursive: true });
  const migrationsDir = path.join(dir, "prisma", "migrations");
  const names = (await readdir(migrationsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));
  for (const name of names.slice(keepExample)) await rm(path.join(migrationsDir, name), { recursive: true });
  if (config) await writeFile(path.join(dir, "dbship.config.json"), JSON.stringify(config, null, 2));
  return {
    dir,
    migrationsDir,
    schemaPath: path.join(dir, "prisma", "schema.prisma"),
    async addMigration(name, sql) {
      await mkdir(path.join(migrationsDir, name), { recursive: true });
      await writeFile(path.join(migrationsDir, name, "migration.sql"), sql);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * N migrations as Prisma writes them, and the models schema.prisma needs to agree with them:
 * odd migrations create a table, even ones add a nullable column and an index to the table the
 * previous one created. Names sort after the example's 0002.
 */
export function benchMigrations(count) {
  const migrations = [];
  const models = new Map();
  for (let k = 1; k <= count; k++) {
    const name = `${String(1000 + k).padStart(5, "0")}_bench_${k}`;
    if (k % 2 === 1) {
      const model = `Bench${k}`;
      models.set(model, { extra: false });
      migrations.push({
        name,
        sql: `-- CreateTable\nCREATE TABLE "${model}" (\n    "id" TEXT NOT NULL,\n    "label" TEXT,\n\n    CONSTRAINT "${model}_pkey" PRIMARY KEY ("id")\n);\n`,
      });
    } else {
      const model = `Bench${k - 1}`;
      models.get(model).extra = true;
      migrations.push({
        name,
        sql: `-- AlterTable\nALTER TABLE "${model}" ADD COLUMN     "extra" INTEGER;\n\n-- CreateIndex\nCREATE INDEX "${model}_extra_idx" ON "${model}"("extra");\n`,
      });
    }
  }
  const schema = [...models].map(([model, { extra }]) =>
    extra
      ? `model ${model} {\n  id    String  @id\n  label String?\n  extra Int?\n\n  @@index([extra])\n}\n`
      : `model ${model} {\n  id    String  @id\n  label String?\n}\n`,
  );
  return { migrations, schemaAddition: schema.join("\n") };
}
