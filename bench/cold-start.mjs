// `cold-start`: `dbship --help` and `dbship --version` vs `node -e 0`, each a fresh process,
// interleaved. Target: < 150 ms above Node's own start. Also, informative: `dbship deploy` up to
// its first error (no DATABASE_URL, exit 2), which loads the whole deploy path, and the import
// time of each module the CLI loads at startup and of the deploy path's heavy dependencies, each
// in a fresh process (over `node --input-type=module -e 0`), to show where the time goes.
// No NODE_OPTIONS preload here: no Prisma runs.
import { readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { benchEnv, dbshipBin, repoRoot, timeNode } from "./lib/proc.mjs";
import { fmtMs, LoadWatch, noiseVerdict, summarize, table, TIME_HEADER, timeRow } from "./lib/stats.mjs";

const TARGET_MS = 150;

export async function run({ runs = 20 }) {
  const watch = new LoadWatch();
  const env = benchEnv({ NODE_OPTIONS: undefined, DATABASE_URL: undefined });
  const commands = {
    "node -e 0 (baseline)": ["-e", "0"],
    "dbship --version": [dbshipBin, "--version"],
    "dbship --help": [dbshipBin, "--help"],
    "dbship deploy, to its first error (deploy path loaded)": [dbshipBin, "deploy", "--json"],
  };
  const times = Object.fromEntries(Object.keys(commands).map((key) => [key, []]));
  for (let i = 0; i < 3; i++) for (const args of Object.values(commands)) await timeNode(args, { env, cwd: os.tmpdir() }); // warm the file cache
  for (let i = 0; i < runs; i++) {
    const order = Object.entries(commands);
    if (i % 2) order.reverse();
    for (const [label, args] of order) {
      const result = await timeNode(args, { env, cwd: os.tmpdir() });
      if (result.code !== (label.startsWith("dbship deploy") ? 2 : 0)) throw new Error(`${label} exited ${result.code}: ${result.stderr}`);
      times[label].push(result.ms);
    }
    if (i % 5 === 4) watch.sample();
  }
  const series = Object.fromEntries(Object.entries(times).map(([label, values]) => [label, summarize(values)]));
  const node = series["node -e 0 (baseline)"];
  const rows = Object.entries(series).map(([label, s]) => [...timeRow(label, s), label.startsWith("node") ? "" : `+${fmtMs(s.median - node.median)}`, label.startsWith("node") ? "" : `${(s.median / node.median).toFixed(2)}x`]);
  console.log(table([...TIME_HEADER, "above node", "ratio"], rows));
  const verdicts = ["dbship --version", "dbship --help"].map((label) => {
    const above = series[label].median - node.median;
    return { label, above, met: above < TARGET_MS };
  });
  console.log(`\nTarget: < ${TARGET_MS} ms above node's own start: ${verdicts.map((v) => `${v.label} +${fmtMs(v.above)} ${v.met ? "MET" : "MISSED"}`).join("; ")}`);

  // Where startup time goes: each import alone in a fresh process, over an empty module start.
  const cliSource = await readFile(path.join(repoRoot, "dist/cli.js"), "utf8");
  const cliImports = [...cliSource.matchAll(/^import\s+(?:[^"']+\s+from\s+)?["']([^"']+)["'];?$/gm)].map((m) => m[1]).filter((spec) => !spec.startsWith("node:"));
  // What bin/dbship.js loads for a deploy is the bundle's deploy chunk (scripts/bundle.mjs); the
  // unbundled dist/ module and the packages alone are shown to say where the time goes.
  const bundledDeploy = (await readdir(path.join(repoRoot, "dist/bundle"))).find((file) => /^deploy-\w+\.js$/.test(file));
  if (!bundledDeploy) throw new Error("dist/bundle has no deploy chunk: run npm run build");
  const deployPath = [`./bundle/${bundledDeploy}`, "./pipeline/deploy.js", "zod/mini", "pg", "execa", "libpg-query", "ora", "chalk", "commander"];
  const specs = [...new Set([...cliImports, ...deployPath])];
  const importRuns = Math.max(5, Math.round(runs / 3));
  const emptyTimes = [];
  const importTimes = Object.fromEntries(specs.map((spec) => [spec, []]));
  const distDir = path.join(repoRoot, "dist");
  for (let i = 0; i < importRuns; i++) {
    emptyTimes.push((await timeNode(["--input-type=module", "-e", "0"], { env, cwd: distDir })).ms);
    for (const spec of specs) {
      // Relative specifiers are dist/cli.js's; bare ones resolve from the repository's node_modules.
      const target = spec.startsWith(".") ? `./${path.posix.join(".", spec)}` : spec;
      const result = await timeNode(["--input-type=module", "-e", `await import(${JSON.stringify(target)})`], { env, cwd: distDir });
      if (result.code !== 0) throw new Error(`import ${spec} failed: ${result.stderr}`);
      importTimes[spec].push(result.ms);
    }
  }
  watch.sample();
  const empty = summarize(emptyTimes).median;
  const importRows = specs
    .map((spec) => ({ spec, s: summarize(importTimes[spec]) }))
    .sort((a, b) => b.s.median - a.s.median)
    .map(({ spec, s }) => [`${spec.startsWith("./bundle/") ? "bundled deploy path: " : cliImports.includes(spec) ? "cli.js → " : "unbundled: "}${spec}`, fmtMs(s.median), `+${fmtMs(s.median - empty)}`]);
  console.log(`\nImport cost, each alone in a fresh process (median of ${importRuns}; empty ESM start ${fmtMs(empty)}; nested imports overlap, so rows do not add up):`);
  console.log(table(["module", "median", "above empty"], importRows));
  if (verdicts.some((v) => !v.met)) console.log("\nOver target: the rows above marked cli.js → are the packages --help/--version load (bundled into dist/bundle/cli.js).");
  console.log("");
  noiseVerdict(watch, series);
}
