// `neon`: the Neon API calls one `dbship deploy` makes, by route, against the Neon API emulator
// (test/support/neon-emulator, loaded through jiti, as TypeScript), with the time dbship spends
// waiting on Neon operations (NeonClient.waitForOperations, timed by the instrumented CLI copy).
// Two variants: the default deploy (one throwaway branch for the schema check and then the
// rehearsal, and the snapshot) and --no-rehearsal. Each run gets a fresh emulator and production (the example's
// baseline applied, one migration pending). Calls that look unneeded are flagged: the same GET
// path read again with no mutation in between, outside operation polling.
// The emulator finishes operations after operationDelayMs (150 ms, its default); real Neon's
// timings differ, so the waits are about dbship's polling, not Neon's speed.
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { query, startBenchPostgres } from "./lib/pg.mjs";
import { benchEnv, mustRun, prismaEntry, repoRoot } from "./lib/proc.mjs";
import { createProject } from "./lib/project.mjs";
import { fmtMs, LoadWatch, noiseVerdict, summarize, table, TIME_HEADER, timeRow } from "./lib/stats.mjs";
import { createInstrumentedCli, readTrace } from "./lib/trace.mjs";

const OPERATION_DELAY_MS = 150;

export async function run({ runs = 3 }) {
  const watch = new LoadWatch();
  const { createJiti } = await import("jiti");
  const jiti = createJiti(import.meta.url);
  const { startNeonEmulator } = await jiti.import(path.join(repoRoot, "test/support/neon-emulator/index.ts"));
  const { createApiClient } = await import("@neondatabase/api-client");
  // Branch copies are the emulator's catalog-driven dumps: the test suite's fast settings will do.
  const server = await startBenchPostgres({ durable: false });
  const cli = await createInstrumentedCli();
  console.log(`server: ${server.describe}; emulator operationDelayMs ${OPERATION_DELAY_MS}; ${runs} runs per variant\n`);
  const verdictSeries = {};
  try {
    for (const variant of [{ label: "dbship deploy (with rehearsal)", args: [] }, { label: "dbship deploy --no-rehearsal", args: ["--no-rehearsal"] }]) {
      const perRun = [];
      for (let i = 0; i < runs; i++) {
        perRun.push(await oneDeploy(server, cli, startNeonEmulator, createApiClient, variant.args));
        watch.sample();
      }
      report(variant.label, perRun, verdictSeries);
    }
    noiseVerdict(watch, verdictSeries);
  } finally {
    await cli.cleanup();
    await server.stop();
  }
}

async function oneDeploy(server, cli, startNeonEmulator, createApiClient, extraArgs) {
  const neon = await startNeonEmulator({ adminUrl: server.adminUrl, defaultBranchName: "production", operationDelayMs: OPERATION_DELAY_MS });
  const projects = [];
  try {
    const api = createApiClient({ apiKey: neon.apiKey, baseURL: neon.baseURL });
    const { data } = await api.getConnectionUri({ projectId: neon.projectId, branch_id: neon.defaultBranchId, database_name: "neondb", role_name: "neondb_owner" });
    const url = data.uri;
    const builder = await createProject({ keepExample: 1 });
    projects.push(builder);
    await mustRun("building production", [prismaEntry, "migrate", "deploy"], { cwd: builder.dir, env: benchEnv({ DATABASE_URL: url }) });
    await query(url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'first', now()), (gen_random_uuid(), 'second', now())");
    const project = await createProject({ config: { provider: "neon", neon: { projectId: neon.projectId }, snapshot: { prefix: "pre-migration-" } } });
    projects.push(project);

    const traceFile = path.join(os.tmpdir(), `dbship-bench-neon-${process.pid}.json`);
    const first = neon.requests.length;
    const result = await mustRun("dbship deploy (neon)", [cli.bin, "deploy", "--json", ...extraArgs], {
      cwd: project.dir,
      env: benchEnv({ DATABASE_URL: url, NEON_API_KEY: neon.apiKey, NEON_API_HOST: neon.baseURL, DBSHIP_BENCH_TRACE: traceFile }),
    });
    const requests = neon.requests.slice(first).map((r) => ({ method: r.method, path: r.path.replace(/\?.*$/, ""), query: r.path.includes("?") ? r.path.slice(r.path.indexOf("?")) : "", route: r.route ?? "?", status: r.status, at: r.at.getTime() }));
    const records = await readTrace(traceFile);
    await rm(traceFile, { force: true });
    const reportJson = JSON.parse(result.stdout);
    return {
      wall: result.ms,
      steps: Object.fromEntries(reportJson.steps.map((s) => [s.name, s.durationMs])),
      requests,
      waits: records.filter((r) => r.label === "neonWait"),
    };
  } finally {
    for (const project of projects) await project.cleanup();
    await neon.close();
  }
}

function report(label, runs, verdictSeries) {
  const first = runs[0];
  const counts = (requests) => {
    const map = new Map();
    for (const r of requests) map.set(`${r.method} ${r.route}`, (map.get(`${r.method} ${r.route}`) ?? 0) + 1);
    return map;
  };
  const keys = [...new Set(runs.flatMap((r) => [...counts(r.requests).keys()]))].sort();
  const rows = keys.map((key) => [key, ...runs.map((r) => counts(r.requests).get(key) ?? 0)]);
  rows.push(["total", ...runs.map((r) => r.requests.length)]);
  console.log(`== ${label}\nAPI calls by route (one column per run):\n${table(["method route", ...runs.map((_, i) => `run ${i + 1}`)], rows)}`);

  // The first run's calls in order; consecutive identical calls folded.
  const lines = [];
  let previous;
  const start = first.requests[0]?.at ?? 0;
  for (const r of first.requests) {
    const text = `${r.method} ${r.path}${r.query} (${r.route}) → ${r.status}`;
    if (previous && previous.text === text) {
      previous.times++;
      continue;
    }
    previous = { text, times: 1, at: r.at - start };
    lines.push(previous);
  }
  console.log(`\nSequence (run 1; +ms from the first call):\n${lines.map((l) => `  +${String(l.at).padStart(5)}  ${l.text}${l.times > 1 ? `  ×${l.times}` : ""}`).join("\n")}`);

  // Candidates for unneeded calls: a GET of a path already read with no mutation since.
  const flagged = new Map();
  let seen = new Map();
  for (const r of first.requests) {
    if (r.method !== "GET") {
      seen = new Map();
      continue;
    }
    const key = `${r.path}${r.query}`;
    if (seen.has(key) && r.route !== "getProjectOperation") flagged.set(key, (flagged.get(key) ?? 1) + 1);
    seen.set(key, true);
  }
  console.log(
    flagged.size
      ? `\nRead again with no mutation in between (candidates for unneeded calls, run 1):\n${[...flagged].map(([key, n]) => `  GET ${key}  ×${n}`).join("\n")}`
      : "\nNo GET repeated without a mutation in between (operation polls aside).",
  );

  const wall = summarize(runs.map((r) => r.wall));
  const waiting = summarize(runs.map((r) => r.waits.reduce((t, w) => t + w.ms, 0)));
  const waitCount = summarize(runs.map((r) => r.waits.length));
  const calls = summarize(runs.map((r) => r.requests.length));
  const polls = summarize(runs.map((r) => r.requests.filter((q) => q.route === "getProjectOperation").length));
  verdictSeries[`${label}: wall`] = wall;
  const stepNames = Object.keys(first.steps);
  console.log(
    `\n${table(TIME_HEADER, [
      timeRow("deploy, wall", wall),
      ...stepNames.map((name) => timeRow(`  step ${name}`, summarize(runs.map((r) => r.steps[name] ?? 0)))),
      timeRow("waiting on Neon operations (sum)", waiting),
    ])}`,
  );
  console.log(
    `API calls per deploy: median ${calls.median} (${calls.min}–${calls.max}); operation polls ${polls.median}; operation waits ${waitCount.median} per deploy, ` +
      `${fmtMs(waiting.median / Math.max(1, waitCount.median))} each on average while the emulator finishes operations in ${OPERATION_DELAY_MS} ms ` +
      `(dbship polls first after its pollMs, 150 ms by default, then ×1.5).`,
  );
  console.log(`waits (run 1): ${first.waits.map((w) => `${w.detail} ${fmtMs(w.ms)}`).join("; ")}\n`);
}
