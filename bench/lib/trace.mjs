// BENCH-ONLY instrumentation: an instrumented copy of the built CLI (dist/) in a temp folder,
// whose bin/dbship.js records how long a few of dbship's own functions take, so the pipeline
// benchmark can split a deploy into dbship's own work and the parts that run Prisma or copy
// databases. Recorded: the deploy pipeline as a whole, the schema.prisma ↔ migrations check,
// every Prisma run (with its subcommand), lint, the deploy lock, the production read, and the
// Neon client's operation waits.
//
// The copy is plain source text rewriting of the listed exported async functions (or class
// method): `export async function f(` becomes a private function and a timed `f` is exported in
// its place. If a name is no longer there the benchmark fails loudly rather than reporting
// nothing. A copy (rather than a module loader hook) keeps the instrumented process as fast as
// the real one: Node 20's off-thread loader hooks added ~200 ms to the start of `dbship deploy`.
// The instrumented dist/ is then bundled like the real one (scripts/bundle.mjs), so the process
// loads its code the way bin/dbship.js does. Only the dbship process is instrumented; Prisma's
// processes run exactly as the baseline's do.
import { cp, mkdtemp, readFile, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bundleCli } from "../../scripts/bundle.mjs";
import { repoRoot } from "./proc.mjs";

export const TARGETS = [
  { file: "pipeline/deploy.js", fn: "runDeploy", label: "runDeploy" },
  { file: "schema-sync/check-schema-sync.js", fn: "checkSchemaSync", label: "schemaCheck" },
  { file: "prisma/run-prisma.js", fn: "runPrisma", label: "prisma", detail: "Array.isArray(a[1]) ? a[1].slice(0, 2).join(' ') : ''" },
  { file: "lint/lint-check.js", fn: "lintPending", label: "lint" },
  { file: "migrations/deploy-lock.js", fn: "acquireDeployLock", label: "lock" },
  { file: "migrations/production-status.js", fn: "readProductionStatus", label: "readProduction" },
  { file: "status/status-report.js", fn: "runStatus", label: "runStatus" },
  { file: "verify/schema-model.js", fn: "readSchemaModel", label: "readSchemaModel" },
  { file: "providers/neon-client.js", method: "NeonClient.waitForOperations", label: "neonWait", detail: "String(a[1] ?? '')" },
];

const RECORDER = `// Written by bench/lib/trace.mjs: collects the instrumented functions' timings.
import { writeFileSync } from "node:fs";
const records = [];
globalThis.__dbshipBench = { record(label, start, end, detail) { records.push({ label, start, end, ms: end - start, detail }); } };
process.on("exit", () => { if (process.env.DBSHIP_BENCH_TRACE) writeFileSync(process.env.DBSHIP_BENCH_TRACE, JSON.stringify({ records })); });
`;

const record = (target) =>
  `globalThis.__dbshipBench?.record(${JSON.stringify(target.label)}, __s, performance.now(), ${target.detail ?? "undefined"})`;

function wrapFunction(source, target) {
  const declaration = `export async function ${target.fn}(`;
  if (!source.includes(declaration)) throw new Error(`bench trace: dist/${target.file} no longer declares "${declaration}": update bench/lib/trace.mjs`);
  return (
    source.replace(declaration, `async function __bench_${target.fn}(`) +
    `\nexport async function ${target.fn}(...a) { const __s = performance.now(); try { return await __bench_${target.fn}(...a); } finally { ${record(target)}; } }\n`
  );
}

function wrapMethod(source, target) {
  const [cls, method] = target.method.split(".");
  if (!source.includes(`class ${cls} `) || !source.includes(`async ${method}(`)) {
    throw new Error(`bench trace: dist/${target.file} no longer has ${target.method}: update bench/lib/trace.mjs`);
  }
  return (
    source +
    `\n{ const __o = ${cls}.prototype.${method}; ${cls}.prototype.${method} = async function (...a) { const __s = performance.now(); try { return await __o.apply(this, a); } finally { ${record(target)}; } }; }\n`
  );
}

/** Builds the instrumented copy; returns the path of its bin/dbship.js and a cleanup. */
export async function createInstrumentedCli() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-bench-cli-"));
  await cp(path.join(repoRoot, "dist"), path.join(dir, "dist"), { recursive: true });
  await cp(path.join(repoRoot, "package.json"), path.join(dir, "package.json"));
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  for (const target of TARGETS) {
    const file = path.join(dir, "dist", target.file);
    const source = await readFile(file, "utf8");
    await writeFile(file, target.fn ? wrapFunction(source, target) : wrapMethod(source, target));
  }
  await bundleCli(path.join(dir, "dist"));
  await mkdir(path.join(dir, "bin"));
  await writeFile(path.join(dir, "bin", "trace-recorder.js"), RECORDER);
  await writeFile(path.join(dir, "bin", "dbship.js"), `#!/usr/bin/env node\nimport "./trace-recorder.js";\nimport "../dist/bundle/cli.js";\n`);
  return { bin: path.join(dir, "bin", "dbship.js"), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function readTrace(file) {
  return JSON.parse(await readFile(file, "utf8")).records;
}
