// `pipeline`: dbship deploy --no-rehearsal (postgres provider) vs bare `prisma migrate deploy`,
// on fresh copies of the same production, with 1, 20 and 200 pending migrations. The deploy is
// split with an instrumented copy of the CLI (lib/trace.mjs) into:
//   - dbship's own work = wall time − snapshot step − schema check − the Prisma runs on production
//     (migrate deploy in the deploy step, migrate status in post-verify). It holds process start,
//     config, deploy lock, production read, the ledger re-reads, verify queries, rendering, and
//     whatever part of lint does not overlap the schema check (they run side by side).
//     Targets: < 300 ms and < 25 % of the bare deploy at 20 migrations.
//   - the snapshot step, against its floor: a bare CREATE DATABASE … TEMPLATE of the same database;
//   - the schema.prisma ↔ migrations check, against its floor: the Prisma calls it makes, run bare
//     (migrate deploy on an empty database + migrate diff --from-empty).
// Every process (dbship, its Prisma children, bare Prisma) runs with the test-only preload
// test/support/unref-long-timers.cjs, which skips Prisma 6.19's 10 s idle wait after its work.
import { appendFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ident, query, startBenchPostgres, withClient } from "./lib/pg.mjs";
import { benchEnv, dbshipBin, mustRun, prismaEntry } from "./lib/proc.mjs";
import { benchMigrations, createProject } from "./lib/project.mjs";
import { fmtMs, fmtPct, LoadWatch, noiseVerdict, summarize, table, TIME_HEADER, timeRow } from "./lib/stats.mjs";
import { createInstrumentedCli, readTrace } from "./lib/trace.mjs";

const PREFIX = "benchsnap-";

export async function run({ runs, sizes = [1, 20, 200] }) {
  const watch = new LoadWatch();
  const server = await startBenchPostgres();
  const cli = await createInstrumentedCli();
  const projects = [];
  console.log(`server: ${server.describe}; runs per size: ${runs ?? "7 (5 for 200+)"}\n`);
  try {
    // Production before the deploy: the example project's two migrations, applied by Prisma, and rows.
    const base = await createProject();
    projects.push(base);
    await query(server.adminUrl, "CREATE DATABASE bench_base");
    await mustRun("building the base database", [prismaEntry, "migrate", "deploy"], { cwd: base.dir, env: benchEnv({ DATABASE_URL: server.url("bench_base") }) });
    await query(server.url("bench_base"), "INSERT INTO moments (id, title, updated_at) SELECT gen_random_uuid(), 'moment ' || i, now() FROM generate_series(1, 1000) i");

    await instrumentationCheck(cli, watch);

    const verdictSeries = {};
    const summaryRows = [];
    for (const size of sizes) {
      const project = await createProject({ config: { snapshot: { prefix: PREFIX } } });
      projects.push(project);
      const { migrations, schemaAddition } = benchMigrations(size);
      for (const migration of migrations) await project.addMigration(migration.name, migration.sql);
      await appendFile(project.schemaPath, `\n${schemaAddition}`);

      const count = runs ?? (size >= 200 ? 5 : 7);
      const samples = [];
      for (let i = 0; i < count; i++) {
        const sample = {};
        const order = i % 2 === 0 ? ["dbship", "bare", "floors"] : ["floors", "bare", "dbship"];
        for (const part of order) {
          if (part === "dbship") Object.assign(sample, await dbshipRun(server, project, cli));
          if (part === "bare") sample.bare = await bareDeploy(server, project);
          if (part === "floors") Object.assign(sample, await floors(server, project));
        }
        watch.sample();
        samples.push(sample);
        process.stderr.write(`  ${size} pending, run ${i + 1}/${count}: dbship ${fmtMs(sample.wall)} (own ${fmtMs(sample.own)}), bare ${fmtMs(sample.bare)}\n`);
      }
      const s = (key) => summarize(samples.map((sample) => sample[key]));
      const series = {
        bare: s("bare"),
        wall: s("wall"),
        own: s("own"),
        startup: s("startup"),
        render: s("render"),
        inProcessOwn: s("inProcessOwn"),
        preflightOwn: s("preflightOwn"),
        lint: s("lint"),
        lintAlongside: s("lintAlongside"),
        deployOwn: s("deployOwn"),
        postVerifyOwn: s("postVerifyOwn"),
        otherOwn: s("otherOwn"),
        prismaDeploy: s("prismaDeploy"),
        prismaStatus: s("prismaStatus"),
        snapshot: s("snapshot"),
        snapshotFloor: s("snapshotFloor"),
        schemaCheck: s("schemaCheck"),
        schemaCheckPrisma: s("schemaCheckPrisma"),
        schemaCheckModels: s("schemaCheckModels"),
        schemaCheckRest: s("schemaCheckRest"),
        schemaFloor: s("schemaFloor"),
        scratchDbs: s("scratchDbs"),
        ownRatio: summarize(samples.map((sample) => sample.own / sample.bare)),
      };
      for (const [key, value] of Object.entries(series)) verdictSeries[`${size}:${key}`] = value;
      printSize(size, series);
      summaryRows.push([
        size,
        fmtMs(series.bare.median),
        fmtMs(series.wall.median),
        `${(series.wall.median / series.bare.median).toFixed(2)}x`,
        fmtMs(series.own.median),
        fmtPct(series.own.median / series.bare.median),
        fmtMs(series.inProcessOwn.median),
        `${fmtMs(series.snapshot.median)} / ${fmtMs(series.snapshotFloor.median)}`,
        `${fmtMs(series.schemaCheck.median)} / ${fmtMs(series.schemaFloor.median)}`,
      ]);
    }
    console.log(`\nSummary (medians)\n${table(["pending", "bare deploy", "dbship", "ratio", "own work", "own/bare", "own in-process", "snapshot / floor", "schema check / floor"], summaryRows)}`);
    if (sizes.includes(20)) {
      const bare20 = verdictSeries["20:bare"].median;
      const verdict = (label, ms) =>
        `${label} ${fmtMs(ms)}: < 300 ms ${ms < 300 ? "MET" : "MISSED"}, < 25 % of the bare deploy ${ms / bare20 < 0.25 ? "MET" : "MISSED"} (${fmtPct(ms / bare20)})`;
      console.log(`\nTargets at 20 migrations (bare deploy ${fmtMs(bare20)}):`);
      console.log(`  ${verdict("own work, as the user waits for it (with Node start and module loading):", verdictSeries["20:own"].median)}`);
      console.log(`  ${verdict("own work in-process (without Node start and module loading):", verdictSeries["20:inProcessOwn"].median)}`);
    }
    console.log("");
    // Only the series that decide the verdicts: wall-clock parts of a few ms are naturally jumpy.
    noiseVerdict(watch, Object.fromEntries(Object.entries(verdictSeries).filter(([key]) => /:(bare|wall|own|schemaCheck|schemaFloor)$/.test(key))));
  } finally {
    for (const project of projects) await project.cleanup();
    await cli.cleanup();
    await server.stop();
  }
}

/** The instrumented copy must start as fast as the real CLI: time both loading the deploy path. */
async function instrumentationCheck(cli, watch) {
  const env = benchEnv({ DATABASE_URL: undefined });
  const plain = [];
  const instrumented = [];
  for (let i = 0; i < 7; i++) {
    plain.push((await mustRun("dbship deploy (no URL)", [dbshipBin, "deploy", "--json"], { cwd: os.tmpdir(), env }, [2])).ms);
    instrumented.push((await mustRun("instrumented dbship deploy (no URL)", [cli.bin, "deploy", "--json"], { cwd: os.tmpdir(), env }, [2])).ms);
  }
  watch.sample();
  console.log(
    `Instrumentation check: \`dbship deploy\` without DATABASE_URL (loads the deploy path, exits 2): ` +
      `real CLI ${fmtMs(summarize(plain).median)}, instrumented copy ${fmtMs(summarize(instrumented).median)} (medians of 7)\n`,
  );
}

async function freshProduction(server, name) {
  await query(server.adminUrl, `CREATE DATABASE ${ident(name)} TEMPLATE bench_base`);
  return server.url(name);
}

async function drop(server, ...names) {
  for (const name of names) await query(server.adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
}

let serial = 0;
const name = (kind) => `bench_${kind}_${process.pid}_${serial++}`;

async function dbshipRun(server, project, cli) {
  const prod = name("prod");
  const url = await freshProduction(server, prod);
  const traceFile = path.join(os.tmpdir(), `dbship-bench-trace-${process.pid}-${serial}.json`);
  const result = await mustRun("dbship deploy", [cli.bin, "deploy", "--no-rehearsal", "--json"], {
    cwd: project.dir,
    env: benchEnv({ DATABASE_URL: url, DBSHIP_BENCH_TRACE: traceFile }),
  });
  const report = JSON.parse(result.stdout);
  const records = await readTrace(traceFile);
  await rm(traceFile, { force: true });
  await drop(server, prod, report.snapshot.name);

  const step = (stepName) => report.steps.find((s) => s.name === stepName)?.durationMs ?? 0;
  const one = (label) => records.filter((r) => r.label === label);
  const [schemaCheck] = one("schemaCheck");
  const inside = (r) => r.start >= schemaCheck.start && r.end <= schemaCheck.end;
  const overlap = (r, span) => Math.max(0, Math.min(r.end, span.end) - Math.max(r.start, span.start));
  const prisma = one("prisma");
  const sum = (list) => list.reduce((total, r) => total + r.ms, 0);
  const prismaDeploy = sum(prisma.filter((r) => r.detail === "migrate deploy" && !inside(r)));
  // Post-verify's status only: the probe's `migrate status` (src/prisma-target/prove-target.ts) runs inside the schema check.
  const prismaStatus = sum(prisma.filter((r) => r.detail === "migrate status" && !inside(r)));
  const schemaCheckPrisma = sum(prisma.filter(inside));
  const [runDeploy] = one("runDeploy");
  const steps = ["preflight", "snapshot", "rehearsal", "deploy", "post-verify"].reduce((total, s) => total + step(s), 0);
  const wall = result.ms;
  const snapshot = step("snapshot");
  const own = wall - snapshot - schemaCheck.ms - prismaDeploy - prismaStatus;
  // The child's performance.now() counts from its own start, so runDeploy.start is the time spent
  // starting Node and loading modules; what follows runDeploy is rendering and exiting.
  const startup = runDeploy.start;
  const render = wall - runDeploy.end;
  const schemaCheckModels = sum(one("readSchemaModel").filter(inside));
  return {
    wall,
    own,
    startup,
    render,
    inProcessOwn: own - startup - render,
    otherOwn: runDeploy.ms - steps,
    preflightOwn: step("preflight") - schemaCheck.ms,
    // Lint runs alongside the schema check: only the part outside it is dbship's own work.
    lint: sum(one("lint")) - sum(one("lint").map((r) => ({ ms: overlap(r, schemaCheck) }))),
    lintAlongside: sum(one("lint").map((r) => ({ ms: overlap(r, schemaCheck) }))),
    deployOwn: step("deploy") - prismaDeploy,
    postVerifyOwn: step("post-verify") - prismaStatus,
    prismaDeploy,
    prismaStatus,
    snapshot,
    schemaCheck: schemaCheck.ms,
    schemaCheckPrisma,
    schemaCheckModels,
    schemaCheckRest: schemaCheck.ms - schemaCheckPrisma - schemaCheckModels,
  };
}

async function bareDeploy(server, project) {
  const prod = name("bare");
  const url = await freshProduction(server, prod);
  const result = await mustRun("prisma migrate deploy", [prismaEntry, "migrate", "deploy", "--schema", project.schemaPath], {
    cwd: project.dir,
    env: benchEnv({ DATABASE_URL: url }),
  });
  await drop(server, prod);
  return result.ms;
}

async function floors(server, project) {
  // Snapshot floor: the copy alone, on an open admin session, of an idle production whose pages
  // are on disk (CHECKPOINT, untimed): in the pipeline the schema check's DROP DATABASEs have
  // checkpointed before the snapshot, so an unflushed copy would pay a cost dbship does not.
  const prod = name("floorprod");
  const copy = name("floorcopy");
  await freshProduction(server, prod);
  const snapshotFloor = await withClient(server.adminUrl, async (client) => {
    await client.query("CHECKPOINT");
    const started = performance.now();
    await client.query(`CREATE DATABASE ${ident(copy)} TEMPLATE ${ident(prod)}`);
    return performance.now() - started;
  });
  await drop(server, copy, prod);
  // Schema check floor: the two Prisma calls it makes, bare, on empty databases.
  const migrated = name("floormig");
  const described = name("floorschema");
  const createStarted = performance.now();
  await query(server.adminUrl, `CREATE DATABASE ${ident(migrated)}`);
  await query(server.adminUrl, `CREATE DATABASE ${ident(described)}`);
  const createMs = performance.now() - createStarted;
  const deploy = await mustRun("prisma migrate deploy (empty database)", [prismaEntry, "migrate", "deploy", "--schema", project.schemaPath], {
    cwd: project.dir,
    env: benchEnv({ DATABASE_URL: server.url(migrated) }),
  });
  const diff = await mustRun("prisma migrate diff", [prismaEntry, "migrate", "diff", "--from-empty", "--to-schema-datamodel", project.schemaPath, "--script"], {
    cwd: project.dir,
    env: benchEnv({ DATABASE_URL: server.url(described) }),
  });
  const dropStarted = performance.now();
  await drop(server, migrated, described);
  const scratchDbs = createMs + performance.now() - dropStarted;
  return { snapshotFloor, schemaFloor: deploy.ms + diff.ms, scratchDbs };
}

function printSize(size, s) {
  const rows = [
    timeRow("bare prisma migrate deploy (baseline)", s.bare),
    timeRow("dbship deploy --no-rehearsal, wall", s.wall),
    timeRow("  dbship's own work", s.own),
    timeRow("    Node start + module loading", s.startup),
    timeRow("    rendering + exit", s.render),
    timeRow("    in-process work (own minus the two above)", s.inProcessOwn),
    timeRow("    preflight minus schema check", s.preflightOwn),
    timeRow("      of which lint (outside the schema check)", s.lint),
    timeRow("    deploy step minus Prisma", s.deployOwn),
    timeRow("    post-verify minus Prisma", s.postVerifyOwn),
    timeRow("    config, provider, cleanups", s.otherOwn),
    timeRow("  Prisma migrate deploy on production", s.prismaDeploy),
    timeRow("  Prisma migrate status (post-verify)", s.prismaStatus),
    timeRow("  snapshot step", s.snapshot),
    timeRow("    floor: bare CREATE DATABASE … TEMPLATE", s.snapshotFloor),
    timeRow("  schema check", s.schemaCheck),
    timeRow("    its Prisma runs (in dbship)", s.schemaCheckPrisma),
    timeRow("    reading the two schemas", s.schemaCheckModels),
    timeRow("    the rest (< 0: its two Prisma runs overlap)", s.schemaCheckRest),
    timeRow("    lint, running alongside it", s.lintAlongside),
    timeRow("    floor: bare migrate deploy (empty) + diff", s.schemaFloor),
    timeRow("    for scale: bare create + drop of 2 empty DBs", s.scratchDbs),
  ];
  console.log(`\n-- ${size} pending migration(s)\n${table(TIME_HEADER, rows)}`);
  console.log(
    `ratios (medians): dbship/bare ${(s.wall.median / s.bare.median).toFixed(2)}x; own/bare ${fmtPct(s.own.median / s.bare.median)} ` +
      `(per run ${fmtPct(s.ownRatio.min)}–${fmtPct(s.ownRatio.max)}); snapshot/floor ${(s.snapshot.median / s.snapshotFloor.median).toFixed(2)}x ` +
      `(+${fmtMs(s.snapshot.median - s.snapshotFloor.median)}); schema check/floor ${(s.schemaCheck.median / s.schemaFloor.median).toFixed(2)}x ` +
      `(+${fmtMs(s.schemaCheck.median - s.schemaFloor.median)})`,
  );
}
