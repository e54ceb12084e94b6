// Throughput check for the linter (not a test: no timing assertions anywhere). Builds a ~5 MB
// migration.sql in the shape Prisma writes (tables, indexes, foreign keys, alters, backfills)
// and lints it as one file against a production that has half of its tables. Add "unicode" to
// put non-ASCII text and allow comments in every chunk (the slower position-mapping path).
//   npx jiti test/lint/measure-throughput.ts [megabytes] [unicode]
import { lintMigrations } from "../../src/lint/index.js";

const megabytes = Number(process.argv[2] ?? 5);
const unicode = process.argv.includes("unicode");
const parts: string[] = [];
const existing = new Set<string>();
let size = 0;
for (let i = 0; size < megabytes * 1_000_000; i++) {
  const table = `t_${i}`;
  if (i % 2 === 0) existing.add(`public.${table}`);
  const chunk =
    (unicode ? "-- Zoë's moments, für alle\n-- dbship:allow require-lock-timeout small table, checked\n" : "") +
    `-- CreateTable\nCREATE TABLE "${table}_new" (\n    "id" UUID NOT NULL,\n    "title" TEXT NOT NULL,\n` +
    `    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "${table}_new_pkey" PRIMARY KEY ("id")\n);\n\n` +
    `-- CreateIndex\nCREATE INDEX "${table}_new_created_at_idx" ON "${table}_new"("created_at");\n\n` +
    `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN "body" TEXT, ALTER COLUMN "title" SET DATA TYPE VARCHAR(200);\n\n` +
    `-- AddForeignKey\nALTER TABLE "${table}_new" ADD CONSTRAINT "${table}_new_fk" FOREIGN KEY ("id") REFERENCES "${table}"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n\n` +
    `UPDATE "${table}" SET "body" = 'x' WHERE "id" = '${i}';\n\n`;
  parts.push(chunk);
  size += chunk.length;
}
const sql = parts.join("");

await lintMigrations([{ name: "warmup", sql: "SELECT 1;" }]);
// Three rounds (the first includes JIT warm-up); CPU time is less sensitive to other load than wall time.
for (let round = 1; round <= 3; round++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await lintMigrations([{ name: "big", sql }], { existingTables: existing, executionMode: "single-transaction" });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `round ${round}: ${(sql.length / 1e6).toFixed(1)} MB, ${result.statements} statements, ${result.findings.length} findings: ` +
      `${seconds.toFixed(2)} s wall (${Math.round(result.statements / seconds)} statements/s), ` +
      `${cpuSeconds.toFixed(2)} s CPU (${Math.round(result.statements / cpuSeconds)} statements/s)`,
  );
}
