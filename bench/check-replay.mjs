// The schema check's replay on a long history: `dbship check --shadow-url` on a generated,
// Prisma-shaped 160-migration history, against the time PostgreSQL itself needs to run the same
// SQL (each migration.sql sent by the pg driver, in order, on one connection), and against what
// the check's replays themselves cost: the whole-script replay of the native-engine path
// (src/schema-sync/replay-migrations.ts, timed in process) and the replay through the project's
// driver adapter of the `engine: "js"` path (src/schema-sync/adapter-replay.ts: its child process
// included, as the check runs it), against what
// the replay was before (`prisma migrate deploy` on an empty database) and what the check still
// runs Prisma for, schema.prisma's SQL (`prisma migrate diff --from-empty`), bare. Each Prisma-running series is measured twice: as
// users run it, and with the test-only preload that removes Prisma 6.19's WebAssembly engine's
// 10 s idle wait (bench/README.md), to show how much of the time is that wait.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { databaseUrl, ident, query, startBenchPostgres, uniqueName, withClient } from "./lib/pg.mjs";
import { benchEnv, dbshipBin, mustRun, prismaEntry } from "./lib/proc.mjs";
import { createProject } from "./lib/project.mjs";
import { LoadWatch, noiseVerdict, summarize, table, TIME_HEADER, timeRow } from "./lib/stats.mjs";

/**
 * A history as Prisma writes it, 4 migrations per entity: an enum and a table (serial key,
 * defaults, timestamp); a self- or previous-entity foreign key with its index; a unique varchar
 * column; a float column with a default and a type change. Plus the schema.prisma that agrees.
 */
export function realisticHistory(count) {
  const migrations = [];
  const models = [];
  const entities = Math.ceil(count / 4);
  for (let i = 1; i <= entities; i++) {
    const e = `Entity${i}`;
    const parent = i === 1 ? e : `Entity${i - 1}`;
    const steps = [
      `-- CreateEnum\nCREATE TYPE "Status${i}" AS ENUM ('ACTIVE', 'ARCHIVED');\n\n-- CreateTable\nCREATE TABLE "${e}" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT NOT NULL,\n    "status" "Status${i}" NOT NULL DEFAULT 'ACTIVE',\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "${e}_pkey" PRIMARY KEY ("id")\n);\n`,
      `-- AlterTable\nALTER TABLE "${e}" ADD COLUMN     "parentId" INTEGER;\n\n-- CreateIndex\nCREATE INDEX "${e}_parentId_idx" ON "${e}"("parentId");\n\n-- AddForeignKey\nALTER TABLE "${e}" ADD CONSTRAINT "${e}_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "${parent}"("id") ON DELETE SET NULL ON UPDATE CASCADE;\n`,
      `-- AlterTable\nALTER TABLE "${e}" ADD COLUMN     "email" VARCHAR(255);\n\n-- CreateIndex\nCREATE UNIQUE INDEX "${e}_email_key" ON "${e}"("email");\n`,
      `-- AlterTable\nALTER TABLE "${e}" ADD COLUMN     "score" DOUBLE PRECISION NOT NULL DEFAULT 0,\nALTER COLUMN "name" SET DATA TYPE VARCHAR(100);\n`,
    ];
    steps.forEach((sql, step) => {
      if (migrations.length < count) migrations.push({ name: `${String(1000 + migrations.length).padStart(5, "0")}_entity${i}_${step + 1}`, sql });
    });
    models.push({ i, e, parent, steps: Math.min(4, count - 4 * (i - 1)) });
  }
  const backRelations = new Map();
  for (const m of models) if (m.steps >= 2) backRelations.set(m.parent, [...(backRelations.get(m.parent) ?? []), m]);
  const schema = models.map((m) => {
    const fields = [
      `enum Status${m.i} {\n  ACTIVE\n  ARCHIVED\n}\n`,
      `model ${m.e} {\n  id        Int      @id @default(autoincrement())\n  name      String${m.steps >= 4 ? " @db.VarChar(100)" : ""}\n  status    Status${m.i} @default(ACTIVE)\n  createdAt DateTime @default(now())`,
    ];
    if (m.steps >= 2) fields.push(`  parentId  Int?\n  parent    ${m.parent}? @relation("rel${m.i}", fields: [parentId], references: [id], onDelete: SetNull)`);
    if (m.steps >= 3) fields.push(`  email     String?  @unique @db.VarChar(255)`);
    if (m.steps >= 4) fields.push(`  score     Float    @default(0)`);
    for (const child of backRelations.get(m.e) ?? []) fields.push(`  children${child.i} ${child.e}[] @relation("rel${child.i}")`);
    if (m.steps >= 2) fields.push(`\n  @@index([parentId])`);
    return `${fields.join("\n")}\n}\n`;
  });
  return { migrations, schemaAddition: schema.join("\n") };
}

async function freshDatabase(server) {
  const name = uniqueName("replay");
  await query(server.adminUrl, `CREATE DATABASE ${ident(name)}`);
  return { name, url: databaseUrl(server.adminUrl, name), drop: () => query(server.adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`) };
}

/** PostgreSQL's own time for a list of scripts: one connection, each script one simple query. */
async function pgRun(url, scripts) {
  return withClient(url, async (client) => {
    const started = performance.now();
    for (const sql of scripts) await client.query(sql);
    return performance.now() - started;
  });
}

export async function run({ runs = 3, sizes = [160] } = {}) {
  const server = await startBenchPostgres();
  console.log(`${server.describe}\n`);
  const watch = new LoadWatch();
  const verdict = {};
  try {
    for (const count of sizes) {
      const project = await createProject({ keepExample: 2 });
      try {
        const { migrations, schemaAddition } = realisticHistory(count);
        for (const m of migrations) await project.addMigration(m.name, m.sql);
        const schemaFile = project.schemaPath;
        await (await import("node:fs/promises")).writeFile(schemaFile, `${await readFile(schemaFile, "utf8")}\n${schemaAddition}`);
        const scripts = [];
        for (const name of (await (await import("node:fs/promises")).readdir(project.migrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
          scripts.push(await readFile(path.join(project.migrationsDir, name, "migration.sql"), "utf8"));
        }
        const total = scripts.length;
        // The same SQL as @prisma/adapter-pg's executeScript sends it (src/schema-sync/README.md):
        // each script split on every ";", pieces trimmed, empty ones dropped, one query each.
        const pieces = scripts.flatMap((sql) => sql.split(";").map((piece) => piece.trim()).filter((piece) => piece.length > 0));
        const asUsers = benchEnv({ NODE_OPTIONS: undefined });
        const withPreload = benchEnv();
        const { replayMigrations } = await import("../dist/schema-sync/replay-migrations.js");
        const { replayThroughAdapter } = await import("../dist/schema-sync/adapter-replay.js");
        const { findPrismaCli } = await import("../dist/prisma/prisma-cli.js");
        const cli = findPrismaCli(project.dir);
        const { readLocalMigrations } = await import("../dist/migrations/local-migrations.js");
        const local = await readLocalMigrations(project.migrationsDir);
        const series = { pgReplay: [], pgPieces: [], dbshipReplay: [], adapterReplay: [], adapterFixed: [], pgSchema: [], prismaDeploy: [], prismaDeployPreload: [], prismaDiff: [], check: [], checkPreload: [] };
        let schemaSql;
        for (let r = 0; r < runs; r++) {
          // PostgreSQL alone: the migrations, and Prisma's SQL for schema.prisma.
          let db = await freshDatabase(server);
          series.pgReplay.push(await pgRun(db.url, scripts));
          await db.drop();
          db = await freshDatabase(server);
          series.pgPieces.push(await pgRun(db.url, pieces));
          await db.drop();
          // dbship's replay (what the check runs now), in this process: connect, send each script.
          db = await freshDatabase(server);
          const started = performance.now();
          const replay = await replayMigrations(db.url, local);
          series.dbshipReplay.push(performance.now() - started);
          if (replay.failure) throw new Error(`replay failed: ${JSON.stringify(replay.failure)}`);
          await db.drop();
          // The js-engine path's replay (what the check runs on this project, engine "js"): the
          // project's adapter in one child process, each script through its executeScript.
          db = await freshDatabase(server);
          const adapterStarted = performance.now();
          const adapted = await replayThroughAdapter({ cli, root: project.dir, env: { ...asUsers, DATABASE_URL: db.url }, prismaArgs: ["migrate", "deploy"], url: db.url, local });
          series.adapterReplay.push(performance.now() - adapterStarted);
          if (adapted.kind !== "done" || adapted.failure) throw new Error(`adapter replay did not apply the history: ${JSON.stringify(adapted)}`);
          await db.drop();
          // Its fixed cost: the same with no migration (process, config, adapter, identity, ledger table).
          db = await freshDatabase(server);
          const fixedStarted = performance.now();
          const none = await replayThroughAdapter({ cli, root: project.dir, env: { ...asUsers, DATABASE_URL: db.url }, prismaArgs: ["migrate", "deploy"], url: db.url, local: [] });
          series.adapterFixed.push(performance.now() - fixedStarted);
          if (none.kind !== "done") throw new Error(`adapter replay of nothing: ${JSON.stringify(none)}`);
          await db.drop();
          db = await freshDatabase(server);
          const diff = await mustRun("prisma migrate diff", [prismaEntry, "migrate", "diff", "--from-empty", "--to-schema-datamodel", schemaFile, "--script"], { cwd: project.dir, env: { ...asUsers, DATABASE_URL: db.url } });
          series.prismaDiff.push(diff.ms);
          schemaSql ??= diff.stdout.replace(/^(Loaded Prisma config from |Prisma config detected).*$/gm, "");
          series.pgSchema.push(await pgRun(db.url, [schemaSql]));
          await db.drop();
          // What the check runs for the replay, bare.
          for (const [key, env] of [["prismaDeploy", asUsers], ["prismaDeployPreload", withPreload]]) {
            db = await freshDatabase(server);
            series[key].push((await mustRun("prisma migrate deploy", [prismaEntry, "migrate", "deploy"], { cwd: project.dir, env: { ...env, DATABASE_URL: db.url } })).ms);
            await db.drop();
          }
          // The whole check.
          for (const [key, env] of [["check", asUsers], ["checkPreload", withPreload]]) {
            const result = await mustRun("dbship check", [dbshipBin, "check", "--shadow-url", server.adminUrl, "--json"], { cwd: project.dir, env: { ...env, DATABASE_URL: undefined } }, [0, 3]);
            if (result.code !== 0) console.log(`note: dbship check exited ${result.code}: ${result.stdout.slice(0, 600)}`);
            series[key].push(result.ms);
          }
          watch.sample();
        }
        const s = Object.fromEntries(Object.entries(series).map(([key, values]) => [key, summarize(values)]));
        for (const [key, value] of Object.entries(s)) verdict[`${count}:${key}`] = value;
        console.log(`${total} migrations (${count} generated + the example's 2)\n`);
        console.log(
          table(TIME_HEADER, [
            timeRow("PostgreSQL: the migrations' SQL via pg, each script whole (baseline)", s.pgReplay),
            timeRow(`PostgreSQL: the same SQL as the adapter sends it (${pieces.length} pieces, one query each)`, s.pgPieces),
            timeRow("dbship's whole-script replay (native engine path, replay-migrations.ts)", s.dbshipReplay),
            timeRow("dbship's replay through the project's adapter (engine \"js\" path, adapter-replay.ts)", s.adapterReplay),
            timeRow("  the same with no migration: its fixed cost (process, config, adapter)", s.adapterFixed),
            timeRow("PostgreSQL: schema.prisma's SQL via pg", s.pgSchema),
            timeRow("prisma migrate deploy on an empty database (the replay before; as users run it)", s.prismaDeploy),
            timeRow("prisma migrate deploy, idle wait removed (test preload)", s.prismaDeployPreload),
            timeRow("prisma migrate diff --from-empty (as users run it)", s.prismaDiff),
            timeRow("dbship check --shadow-url (as users run it)", s.check),
            timeRow("dbship check --shadow-url, idle wait removed", s.checkPreload),
          ]),
        );
        const ratio = (a) => `${(a / s.pgReplay.median).toFixed(1)}x`;
        console.log(`the check's whole-script replay / PostgreSQL: ${ratio(s.dbshipReplay.median)}; target ≤ 2x: ${s.dbshipReplay.median <= 2 * s.pgReplay.median ? "MET" : "MISSED"}`);
        console.log(`the check's adapter replay / PostgreSQL (whole scripts): ${ratio(s.adapterReplay.median)}; target ≤ 2x: ${s.adapterReplay.median <= 2 * s.pgReplay.median ? "MET" : "MISSED"}`);
        console.log(`the check's adapter replay / PostgreSQL (the adapter's pieces): ${(s.adapterReplay.median / s.pgPieces.median).toFixed(1)}x; target ≤ 2x: ${s.adapterReplay.median <= 2 * s.pgPieces.median ? "MET" : "MISSED"}`);
        console.log(`the replay before (prisma migrate deploy) / PostgreSQL: ${ratio(s.prismaDeploy.median)} as users run it, ${ratio(s.prismaDeployPreload.median)} without the idle wait`);
        console.log(`whole check / PostgreSQL (migrations + schema SQL): ${(s.check.median / (s.pgReplay.median + s.pgSchema.median)).toFixed(1)}x\n`);
      } finally {
        await project.cleanup();
      }
    }
    noiseVerdict(watch, verdict);
  } finally {
    await server.stop();
  }
}
