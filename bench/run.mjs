// The benchmark dispatcher: `npm run bench -- <name> [options]` (npm builds dist/ first).
// Each benchmark prints the machine, its figures (median and spread over several runs, each
// against a baseline measured in the same invocation) and a warning when the machine was too
// noisy to trust. No benchmark asserts anything: they measure. See bench/README.md.
import { parseArgs } from "node:util";
import { machineSummary } from "./lib/machine.mjs";

const BENCHMARKS = {
  pipeline: { file: "./pipeline.mjs", about: "dbship deploy --no-rehearsal vs bare prisma migrate deploy (1, 20, 200 pending)" },
  "cold-start": { file: "./cold-start.mjs", about: "dbship --help / --version vs node -e 0" },
  "status-scale": { file: "./status-scale.mjs", about: "dbship status --json on 2,000 migrations vs prisma migrate status" },
  lint: { file: "./lint.mjs", about: "lint statements/s on a 5 MB migration vs libpg-query's bare parse" },
  snapshot: { file: "./snapshot.mjs", about: "postgres snapshot cost by database size vs CREATE DATABASE … TEMPLATE (WAL_LOG, FILE_COPY)" },
  "check-replay": { file: "./check-replay.mjs", about: "dbship check --shadow-url on a 160-migration history vs PostgreSQL running the same SQL" },
  plan: { file: "./plan.mjs", about: "dbship plan's measured rehearsal (two copies) vs a plain rehearsal, on a 1,000,000-row table" },
  neon: { file: "./neon.mjs", about: "Neon API calls per deploy, by route, against the emulator; time waiting on operations" },
};

const [name, ...rest] = process.argv.slice(2);
if (!name || !(name in BENCHMARKS)) {
  console.log(`usage: npm run bench -- <name> [options]\n\n${Object.entries(BENCHMARKS).map(([key, b]) => `  ${key.padEnd(13)} ${b.about}`).join("\n")}\n\nOptions: --runs <n> (every benchmark); pipeline: --sizes 1,20,200; snapshot: --sizes 10,100,1000 (MB); lint: --mb 5`);
  process.exit(name ? 2 : 0);
}

const { values: options } = parseArgs({
  args: rest,
  options: { runs: { type: "string" }, sizes: { type: "string" }, mb: { type: "string" } },
  strict: true,
});

console.log(`== bench ${name}: ${BENCHMARKS[name].about}\n${machineSummary()}\n`);
const bench = await import(BENCHMARKS[name].file);
await bench.run({
  runs: options.runs ? Number(options.runs) : undefined,
  sizes: options.sizes ? options.sizes.split(",").map(Number) : undefined,
  mb: options.mb ? Number(options.mb) : undefined,
});
