// `plan`: what measuring costs. dbship plan's rehearsal (copy 1: the pending statements run one by
// one by dbship's session with lock sampling and relfilenode/size reads, its schema fingerprinted;
// copy 2: rows removed, `prisma migrate deploy`, fingerprinted) against a plain rehearsal as
// deploy runs it (one copy, `prisma migrate deploy` on production's rows). Same production, same
// pending migrations, on a 1,000,000-row table. Also, for information, the statements run
// one by one on a copy without any measuring (what the instrumentation alone adds).
// Target: plan's rehearsal ≤ 1.2 × the plain rehearsal.
// Both sides copy with CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY (what the postgres
// provider does on PostgreSQL 15+) and run bare Prisma with the unref preload (no 10 s idle wait).
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { measureMigrations } from "../dist/plan/measure-statements.js";
import { splitStatements } from "../dist/plan/measure-statements.js";
import { readSchemaModel } from "../dist/verify/schema-model.js";
import { schemaFingerprint } from "../dist/verify/fingerprint.js";
import { ident, query, startBenchPostgres, withClient } from "./lib/pg.mjs";
import { benchEnv, mustRun, prismaEntry } from "./lib/proc.mjs";
import { createProject } from "./lib/project.mjs";
import { fmtMs, fmtPct, LoadWatch, noiseVerdict, summarize, table, TIME_HEADER, timeRow } from "./lib/stats.mjs";

const ROWS = 1_000_000;

const PENDING = {
  "0003_title_index": 'CREATE INDEX "moments_title_idx" ON "moments"("title");\n',
  "0004_views": [
    'ALTER TABLE "moments" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;',
    'ALTER TABLE "moments" ADD CONSTRAINT "moments_views_nonnegative" CHECK ("views" >= 0) NOT VALID;',
    'ALTER TABLE "moments" VALIDATE CONSTRAINT "moments_views_nonnegative";',
    "",
  ].join("\n"),
  "0005_title_type": 'ALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE VARCHAR(300);\n',
};

export async function run({ runs = 3 }) {
  const watch = new LoadWatch();
  const server = await startBenchPostgres();
  const project = await createProject();
  console.log(`server: ${server.describe}; ${ROWS.toLocaleString("en-US")} rows; runs: ${runs}\n`);
  try {
    await query(server.adminUrl, "CREATE DATABASE bench_plan_prod");
    const prod = server.url("bench_plan_prod");
    await mustRun("building production", [prismaEntry, "migrate", "deploy"], { cwd: project.dir, env: benchEnv({ DATABASE_URL: prod }) });
    await query(prod, `INSERT INTO moments (id, title, body, updated_at) SELECT gen_random_uuid(), 'moment ' || g, 'body ' || g, now() FROM generate_series(1, ${ROWS}) g`);
    await query(prod, "VACUUM ANALYZE moments");
    for (const [name, sql] of Object.entries(PENDING)) await project.addMigration(name, sql);
    const pending = await Promise.all(Object.keys(PENDING).map(async (name) => ({ name, sql: await readFile(path.join(project.migrationsDir, name, "migration.sql"), "utf8") })));
    const size = (await query(prod, "SELECT pg_size_pretty(pg_database_size(current_database())) AS s"))[0].s;
    console.log(`production: ${size}\n`);

    const samples = [];
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ["plain", "plan", "bare"] : ["bare", "plan", "plain"];
      const sample = {};
      for (const part of order) {
        if (part === "plain") sample.plain = await plainRehearsal(server, project);
        if (part === "plan") Object.assign(sample, await planRehearsal(server, project, pending));
        if (part === "bare") sample.bare = await unmeasured(server, pending);
      }
      watch.sample();
      samples.push(sample);
      process.stderr.write(`  run ${i + 1}/${runs}: plain ${fmtMs(sample.plain)}, plan ${fmtMs(sample.plan)} (measured copy ${fmtMs(sample.measured)}, Prisma's copy ${fmtMs(sample.proof)}), statements unmeasured ${fmtMs(sample.bare)}\n`);
    }
    const s = (key) => summarize(samples.map((sample) => sample[key]));
    const series = { plain: s("plain"), plan: s("plan"), measured: s("measured"), measuring: s("measuring"), proof: s("proof"), bare: s("bare") };
    console.log(
      table(TIME_HEADER, [
        timeRow("plain rehearsal: copy + prisma migrate deploy (with rows)", series.plain),
        timeRow("plan's rehearsal, total", series.plan),
        timeRow("  copy 1: copy + measured statements + fingerprint", series.measured),
        timeRow("    of which the measured statements", series.measuring),
        timeRow("  copy 2: copy + remove rows + prisma migrate deploy + fingerprint", series.proof),
        timeRow("statements run one by one, unmeasured (copy + statements)", series.bare),
      ]),
    );
    const ratio = series.plan.median / series.plain.median;
    console.log(`\nplan's rehearsal / plain rehearsal: ${ratio.toFixed(2)}x (${fmtPct(ratio - 1)} over): target ≤ 20 % over ${ratio <= 1.2 ? "MET" : "MISSED"}`);
    console.log(`instrumentation alone (measured statements vs the same statements unmeasured, copy included): ${fmtPct(series.measured.median / series.bare.median - 1)}\n`);
    noiseVerdict(watch, { plain: series.plain, plan: series.plan });
  } finally {
    await project.cleanup();
    await server.stop();
  }
}

let serial = 0;
const copyName = (kind) => `bench_plan_${kind}_${process.pid}_${serial++}`;

async function copy(server, kind) {
  const name = copyName(kind);
  await query(server.adminUrl, `CREATE DATABASE ${ident(name)} TEMPLATE bench_plan_prod STRATEGY FILE_COPY`);
  return { name, url: server.url(name), drop: () => query(server.adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`) };
}

async function prismaDeploy(project, url) {
  await mustRun("prisma migrate deploy", [prismaEntry, "migrate", "deploy"], { cwd: project.dir, env: benchEnv({ DATABASE_URL: url }) });
}

async function fingerprint(url) {
  return withClient(url, async (client) => schemaFingerprint(await readSchemaModel(client), "full"));
}

async function plainRehearsal(server, project) {
  const started = performance.now();
  const db = await copy(server, "plain");
  await prismaDeploy(project, db.url);
  await fingerprint(db.url);
  await db.drop();
  return performance.now() - started;
}

async function planRehearsal(server, project, pending) {
  const started = performance.now();
  const measuredCopy = await copy(server, "measured");
  const measuringStarted = performance.now();
  const measured = await measureMigrations(measuredCopy.url, pending, { executionMode: "split-on-semicolon" });
  const measuring = performance.now() - measuringStarted;
  if (measured.some((m) => !m.completed)) throw new Error(`a statement failed: ${JSON.stringify(measured.at(-1).statements.at(-1).error)}`);
  const a = await fingerprint(measuredCopy.url);
  await measuredCopy.drop();
  const afterMeasured = performance.now();
  const proofCopy = await copy(server, "proof");
  await withClient(proofCopy.url, async (client) => {
    const tables = await client.query("SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> '_prisma_migrations'");
    await client.query(`TRUNCATE ${tables.rows.map((row) => row.name).join(", ")}`);
  });
  await prismaDeploy(project, proofCopy.url);
  const b = await fingerprint(proofCopy.url);
  await proofCopy.drop();
  if (a !== b) throw new Error("the measured copy and Prisma's copy ended with different schemas");
  const ended = performance.now();
  return { plan: ended - started, measured: afterMeasured - started, measuring, proof: ended - afterMeasured };
}

/** The same statements, one by one in autocommit on one connection: no sampling, no catalog reads. */
async function unmeasured(server, pending) {
  const started = performance.now();
  const db = await copy(server, "bare");
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const migration of pending) for (const statement of await splitStatements(migration.sql)) await client.query(statement.sql);
  } finally {
    await client.end();
  }
  await db.drop();
  return performance.now() - started;
}
