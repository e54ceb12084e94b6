// `status-scale`: `dbship status --json` on a migrations folder of 2,000 migrations and a ledger
// of 2,000 rows (inserted directly, with the checksums dbship and Prisma compute: dist's
// checksumOf), vs `prisma migrate status` on the same data. Target: < 1 s. Both run with the
// test-only unref preload (NODE_OPTIONS), as in every benchmark that runs Prisma.
// `-- --sizes 200,2000` measures other counts.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ident, query, startBenchPostgres, withClient } from "./lib/pg.mjs";
import { benchEnv, mustRun, prismaEntry, repoRoot } from "./lib/proc.mjs";
import { createProject } from "./lib/project.mjs";
import { fmtMs, fmtPct, LoadWatch, noiseVerdict, summarize, table, TIME_HEADER, timeRow } from "./lib/stats.mjs";
import { createInstrumentedCli, readTrace } from "./lib/trace.mjs";
import { rm } from "node:fs/promises";
import os from "node:os";

const TARGET_MS = 1000;

export async function run({ runs = 10, sizes = [2000] }) {
  const { checksumOf } = await import(pathToFileURL(path.join(repoRoot, "dist/migrations/local-migrations.js")).href);
  const watch = new LoadWatch();
  const server = await startBenchPostgres();
  const cli = await createInstrumentedCli();
  const projects = [];
  console.log(`server: ${server.describe}; ${runs} runs each, interleaved\n`);
  const verdictSeries = {};
  const summary = [];
  try {
    for (const count of sizes) {
      // The folder: the example project's two migrations, then count - 2 more in Prisma's style.
      const project = await createProject();
      projects.push(project);
      for (let k = 3; k <= count; k++) {
        const table = `T${k}`;
        await project.addMigration(
          `${10000 + k}_change_${k}`,
          k % 3 === 0
            ? `-- AlterTable\nALTER TABLE "moments" ADD COLUMN     "c${k}" TEXT;\n`
            : `-- CreateTable\nCREATE TABLE "${table}" (\n    "id" TEXT NOT NULL,\n    "value" INTEGER,\n\n    CONSTRAINT "${table}_pkey" PRIMARY KEY ("id")\n);\n`,
        );
      }
      const { readLocalMigrations } = await import(pathToFileURL(path.join(repoRoot, "dist/migrations/local-migrations.js")).href);
      const local = await readLocalMigrations(project.migrationsDir);
      if (local.length !== count) throw new Error(`expected ${count} migrations, found ${local.length}`);

      // The ledger: Prisma creates the table (the baseline, applied for real), the rest inserted.
      const db = `bench_status_${count}`;
      await query(server.adminUrl, `CREATE DATABASE ${ident(db)}`);
      const url = server.url(db);
      const first = await createProject({ keepExample: 1 });
      projects.push(first);
      await mustRun("prisma migrate deploy (baseline)", [prismaEntry, "migrate", "deploy"], { cwd: first.dir, env: benchEnv({ DATABASE_URL: url }) });
      await withClient(url, async (client) => {
        const start = Date.now() - count * 60_000;
        for (let i = 1; i < local.length; i += 500) {
          const batch = local.slice(i, i + 500);
          const values = [];
          const params = [];
          batch.forEach((migration, j) => {
            const at = new Date(start + (i + j) * 60_000);
            params.push(randomUUID(), checksumOf(migration.sql), at, migration.name, new Date(at.getTime() + 150));
            const b = j * 5;
            values.push(`($${b + 1}, $${b + 2}, $${b + 5}, $${b + 4}, NULL, NULL, $${b + 3}, 1)`);
          });
          await client.query(
            `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ${values.join(", ")}`,
            params,
          );
        }
        await client.query("VACUUM ANALYZE _prisma_migrations");
      });
      const rows = (await query(url, "SELECT count(*)::int AS n FROM _prisma_migrations"))[0].n;
      const env = benchEnv({ DATABASE_URL: url });

      // Both must see the same thing: every migration applied.
      const check = await mustRun("dbship status", [cli.bin, "status", "--json"], { cwd: project.dir, env });
      const report = JSON.parse(check.stdout);
      if (report.migrations.applied.length !== count || report.exitCode !== 0) throw new Error(`dbship status does not see ${count} applied: ${check.stdout.slice(0, 500)}`);
      const prismaCheck = await mustRun("prisma migrate status", [prismaEntry, "migrate", "status"], { cwd: project.dir, env });
      if (!/up to date/i.test(prismaCheck.stdout)) throw new Error(`prisma migrate status does not say up to date: ${prismaCheck.stdout.slice(-500)}`);
      console.log(`${count} migrations in the folder, ${rows} ledger rows; both say up to date.`);

      const dbship = [];
      const inProcess = [];
      const prisma = [];
      const traceFile = path.join(os.tmpdir(), `dbship-bench-status-${process.pid}.json`);
      for (let i = 0; i < runs; i++) {
        const sides = ["dbship", "prisma"];
        if (i % 2) sides.reverse();
        for (const side of sides) {
          if (side === "dbship") {
            const result = await mustRun("dbship status", [cli.bin, "status", "--json"], { cwd: project.dir, env: { ...env, DBSHIP_BENCH_TRACE: traceFile } });
            dbship.push(result.ms);
            inProcess.push((await readTrace(traceFile)).find((r) => r.label === "runStatus").ms);
          } else {
            prisma.push((await mustRun("prisma migrate status", [prismaEntry, "migrate", "status"], { cwd: project.dir, env })).ms);
          }
        }
        watch.sample();
      }
      await rm(traceFile, { force: true });
      const series = { prisma: summarize(prisma), dbship: summarize(dbship), inProcess: summarize(inProcess) };
      verdictSeries[`${count}:dbship`] = series.dbship;
      verdictSeries[`${count}:prisma`] = series.prisma;
      console.log(
        table(TIME_HEADER, [
          timeRow("prisma migrate status (baseline)", series.prisma),
          timeRow("dbship status --json", series.dbship),
          timeRow("  of which runStatus (read folder + ledger, classify)", series.inProcess),
        ]),
      );
      const ratio = series.dbship.median / series.prisma.median;
      console.log(`ratio dbship/prisma ${ratio.toFixed(2)}x; target < ${fmtMs(TARGET_MS)}: ${series.dbship.median < TARGET_MS ? "MET" : "MISSED"} (${fmtMs(series.dbship.median)}, ${fmtPct(series.dbship.median / TARGET_MS)} of it)\n`);
      summary.push([count, fmtMs(series.prisma.median), fmtMs(series.dbship.median), fmtMs(series.inProcess.median), `${ratio.toFixed(2)}x`]);
    }
    if (sizes.length > 1) console.log(`${table(["migrations", "prisma status", "dbship status", "runStatus", "ratio"], summary)}\n`);
    noiseVerdict(watch, verdictSeries);
  } finally {
    for (const project of projects) await project.cleanup();
    await cli.cleanup();
    await server.stop();
  }
}
