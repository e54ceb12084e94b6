// `lint`: dbship's SQL lint throughput on one ~5 MB migration.sql of varied statements (tables,
// indexes, unique indexes, column adds/type changes/renames/drops, foreign keys, enums, backfills,
// inserts, drops, comments, some non-ASCII text and allow comments), against production knowing
// half of its tables. Baseline: libpg-query's bare parseSync (what lint calls) and async parse
// of the same text. Target: > 20,000 statements/s. In-process (dist/lint/index.js), after a
// warm-up round; wall and CPU time per round. `-- --mb 5` sets the size.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./lib/proc.mjs";
import { fmtNum, fmtPct, LoadWatch, noiseVerdict, summarize, table, NOISE_SPREAD } from "./lib/stats.mjs";

const TARGET = 20_000;

/** A migration of about `megabytes` MB, in Prisma's style, with a realistic mix of statements. */
export function buildMigration(megabytes) {
  const parts = [];
  const existing = new Set();
  let size = 0;
  for (let i = 0; size < megabytes * 1_000_000; i++) {
    const t = `t_${i}`;
    if (i % 2 === 0) existing.add(`public.${t}`);
    let chunk =
      `-- CreateEnum\nCREATE TYPE "${t}_status" AS ENUM ('draft', 'published', 'archived');\n\n` +
      `-- CreateTable\nCREATE TABLE "${t}_new" (\n    "id" UUID NOT NULL,\n    "owner_id" UUID NOT NULL,\n    "title" VARCHAR(200) NOT NULL,\n    "status" "${t}_status" NOT NULL DEFAULT 'draft',\n` +
      `    "score" DECIMAL(10,2),\n    "tags" TEXT[],\n    "meta" JSONB,\n    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    "updated_at" TIMESTAMPTZ(3) NOT NULL,\n\n` +
      `    CONSTRAINT "${t}_new_pkey" PRIMARY KEY ("id")\n);\n\n` +
      `-- CreateIndex\nCREATE INDEX "${t}_new_created_at_idx" ON "${t}_new"("created_at");\n\n` +
      `-- CreateIndex\nCREATE UNIQUE INDEX "${t}_new_owner_id_title_key" ON "${t}_new"("owner_id", "title");\n\n` +
      `-- AlterTable\nALTER TABLE "${t}" ADD COLUMN     "body" TEXT,\nALTER COLUMN "title" SET DATA TYPE VARCHAR(200);\n\n` +
      `-- AlterTable\nALTER TABLE "${t}" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;\n\n` +
      `-- AddForeignKey\nALTER TABLE "${t}_new" ADD CONSTRAINT "${t}_new_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "${t}"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n\n` +
      `UPDATE "${t}" SET "body" = 'x' WHERE "id" = '${i}' AND "body" IS NULL;\n\n` +
      `INSERT INTO "${t}_new" ("id", "owner_id", "title", "updated_at") VALUES (gen_random_uuid(), gen_random_uuid(), 'seed ${i}', now());\n\n`;
    // Even tables exist in production: what is risky there is linted as such.
    if (i % 4 === 0) chunk += `-- DropIndex\nDROP INDEX "${t}_old_idx";\n\n-- AlterTable\nALTER TABLE "${t}" DROP COLUMN "legacy";\n\n-- CreateIndex\nCREATE INDEX "${t}_body_idx" ON "${t}"("body");\n\n`;
    if (i % 4 === 1) chunk += `-- AlterEnum\nALTER TYPE "${t}_status" ADD VALUE 'hidden';\n\n-- DropTable\nDROP TABLE "${t}_new";\n\n`;
    if (i % 4 === 2) chunk += `-- AlterTable\nALTER TABLE "${t}" RENAME COLUMN "label" TO "name";\n\n-- AddForeignKey\nALTER TABLE "${t}" ADD CONSTRAINT "${t}_parent_fkey" FOREIGN KEY ("parent_id") REFERENCES "${t}_new"("id") ON DELETE SET NULL ON UPDATE CASCADE;\n\n-- AlterTable\nALTER TABLE "${t}" ALTER COLUMN "title" SET NOT NULL;\n\n`;
    if (i % 4 === 3) chunk += `-- DeleteRows\nDELETE FROM "${t}_new" WHERE "status" = 'archived';\n\n`;
    if (i % 10 === 0) chunk = `-- Zoë's moments, für alle — 瞬間\n-- dbship:allow require-lock-timeout small table, checked\n${chunk}`;
    parts.push(chunk);
    size += Buffer.byteLength(chunk);
  }
  return { sql: parts.join(""), existing };
}

export async function run({ runs = 5, mb = 5 }) {
  const watch = new LoadWatch();
  const { lintMigrations } = await import(pathToFileURL(path.join(repoRoot, "dist/lint/index.js")).href);
  const libpg = await import("libpg-query");
  await libpg.loadModule();
  const { sql, existing } = buildMigration(mb);
  const context = { existingTables: existing, executionMode: "single-transaction", serverVersionNum: 180000 };

  const lintOnce = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await lintMigrations([{ name: "big", sql }], context);
    return { ms: performance.now() - started, cpuMs: cpuMs(process.cpuUsage(cpu)), statements: result.statements, findings: result.findings.length, rules: new Set(result.findings.map((f) => f.rule)) };
  };
  const parseSyncOnce = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const parsed = libpg.parseSync(sql);
    return { ms: performance.now() - started, cpuMs: cpuMs(process.cpuUsage(cpu)), statements: parsed.stmts.length };
  };
  const parseAsyncOnce = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const parsed = await libpg.parse(sql);
    return { ms: performance.now() - started, cpuMs: cpuMs(process.cpuUsage(cpu)), statements: parsed.stmts.length };
  };

  // Warm-up (JIT, WebAssembly tier-up), not counted.
  const warm = await lintOnce();
  await parseSyncOnce();
  await parseAsyncOnce();
  console.log(
    `migration: ${(Buffer.byteLength(sql) / 1e6).toFixed(2)} MB, ${fmtNum(warm.statements)} statements, ${fmtNum(warm.findings)} findings ` +
      `(rules: ${[...warm.rules].sort().join(", ")}); ${existing.size} of its tables exist in "production"\n`,
  );

  const results = { lint: [], parseSync: [], parse: [] };
  const fns = { lint: lintOnce, parseSync: parseSyncOnce, parse: parseAsyncOnce };
  for (let i = 0; i < runs; i++) {
    const order = Object.keys(fns);
    if (i % 2) order.reverse();
    for (const key of order) {
      global.gc?.();
      results[key].push(await fns[key]());
    }
    watch.sample();
  }
  const statements = warm.statements;
  const labels = { parseSync: "libpg-query parseSync (baseline)", parse: "libpg-query parse (async)", lint: "dbship lint (lintMigrations)" };
  const series = {};
  const rows = [];
  for (const key of ["parseSync", "parse", "lint"]) {
    const wall = summarize(results[key].map((r) => r.ms));
    const cpu = summarize(results[key].map((r) => r.cpuMs));
    series[key] = wall;
    const rate = (ms) => statements / (ms / 1000);
    rows.push([
      labels[key],
      runs,
      `${fmtNum(wall.median)} ms`,
      `${fmtNum(wall.min)}–${fmtNum(wall.max)} ms`,
      `${fmtPct(wall.spread)}${wall.spread > NOISE_SPREAD ? " !" : ""}`,
      fmtNum(rate(wall.median)),
      fmtNum(rate(cpu.median)),
    ]);
  }
  console.log(table(["", "runs", "wall median", "wall min–max", "spread", "statements/s (wall)", "statements/s (CPU)"], rows));
  const lintRate = statements / (series.lint.median / 1000);
  console.log(
    `\nlint / parseSync time: ${(series.lint.median / series.parseSync.median).toFixed(2)}x (the rules, catalog and position mapping cost ` +
      `${fmtNum(series.lint.median - series.parseSync.median)} ms over the parse)\n` +
      `Target > ${fmtNum(TARGET)} statements/s: ${lintRate > TARGET ? "MET" : "MISSED"} (${fmtNum(lintRate)} statements/s wall)\n`,
  );
  noiseVerdict(watch, series);
}

function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}
