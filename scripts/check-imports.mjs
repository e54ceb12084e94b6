// The import-direction rule: every file under src/ belongs to a layer (LAYERS below, lowest
// first) and may import only from its own layer or a lower one; and no file may take part in an
// import cycle. Run by `npm run lint` (so by `npm test`); exits 1 naming each offending import.
// Type-only imports count too: an arrow pointing up is an arrow pointing up. It also refuses a
// test of which provider is configured outside src/providers/: a difference between providers is
// a member of SnapshotProvider (src/providers/types.ts).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src");

/**
 * Lowest first. A path is a folder of src/ ("infra/") or a file ("errors.ts"). Keep this table
 * and the README's Development section in step.
 */
export const LAYERS = [
  { name: "foundation", paths: ["errors.ts", "version.ts", "infra/"] },
  { name: "config and terminal", paths: ["config.ts", "ui/"] },
  { name: "core", paths: ["prisma/", "prisma-target/", "migrations/", "verify/", "providers/"] },
  { name: "checks", paths: ["lint/", "schema-sync/", "snapshots/"] },
  { name: "workflows", paths: ["pipeline/", "plan/", "rollback/", "baseline/", "status/", "init/"] },
  { name: "commands", paths: ["commands/"] },
  { name: "entry", paths: ["cli.ts"] },
];

/**
 * Imports allowed to close a cycle, each with why. Keep it empty: an entry is a debt.
 * - replay-migrations.ts takes SchemaSyncInput's type from check-schema-sync.ts, which calls it.
 *   The file is being rewritten on the replay-speed branch (issue 13); once that is merged, the
 *   type moves to a module of its own and this entry goes.
 */
const CYCLE_EXCEPTIONS = [{ from: "schema-sync/replay-migrations.ts", to: "schema-sync/check-schema-sync.ts" }];

const PROVIDER_TEST = /\b(?:provider|provider\.name)\s*[!=]==?\s*["'](?:postgres|neon)["']/;
/** init's wizard reads the `--provider` flag and writes the config's fields: a choice, not a behaviour. */
const PROVIDER_TEST_ALLOWED = ["providers/", "init/init-config.ts"];

function layerOf(file) {
  const relative = path.relative(root, file).split(path.sep).join("/");
  const index = LAYERS.findIndex((layer) => layer.paths.some((p) => (p.endsWith("/") ? relative.startsWith(p) : relative === p)));
  return index;
}

async function sourceFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return entry.name.endsWith(".ts") ? [full] : [];
    }),
  );
  return nested.flat();
}

// Static `import … from "./x.js"`, `export … from "./x.js"` and dynamic `import("./x.js")`.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

function importsOf(file, text) {
  const found = [];
  for (const match of text.matchAll(IMPORT)) {
    const target = path.resolve(path.dirname(file), match[1].replace(/\.js$/, ".ts"));
    const line = text.slice(0, match.index).split("\n").length;
    found.push({ target, line, specifier: match[1] });
  }
  return found;
}

export async function checkImports() {
  const files = await sourceFiles(root);
  const graph = new Map();
  const problems = [];
  for (const file of files) {
    const text = await readFile(file, "utf8");
    const imports = importsOf(file, text);
    const excepted = (target) => CYCLE_EXCEPTIONS.some((e) => path.join(root, e.from) === file && path.join(root, e.to) === target);
    graph.set(file, imports.map((i) => i.target).filter((target) => !excepted(target)));
    const from = layerOf(file);
    const name = path.relative(path.dirname(root), file);
    if (from < 0) {
      problems.push(`${name}: in no layer: add its folder to LAYERS in scripts/check-imports.mjs`);
      continue;
    }
    const relative = path.relative(root, file).split(path.sep).join("/");
    if (!PROVIDER_TEST_ALLOWED.some((p) => relative.startsWith(p))) {
      text.split("\n").forEach((source, i) => {
        if (PROVIDER_TEST.test(source)) problems.push(`${name}:${i + 1}: tests which provider is configured: make the difference a member of SnapshotProvider (src/providers/types.ts)`);
      });
    }
    for (const { target, line, specifier } of imports) {
      const to = layerOf(target);
      if (to > from) problems.push(`${name}:${line}: imports "${specifier}" from layer "${LAYERS[to].name}" above its own ("${LAYERS[from].name}")`);
    }
  }
  for (const cycle of cycles(graph)) {
    problems.push(`import cycle: ${[...cycle, cycle[0]].map((f) => path.relative(path.dirname(root), f)).join(" → ")}`);
  }
  return problems;
}

/** Strongly connected components of more than one file (or a file importing itself), by Tarjan. */
function cycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.reverse());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = await checkImports();
  if (problems.length) {
    console.error(`check-imports: ${problems.length} problem(s) (layers, lowest first: ${LAYERS.map((l) => l.name).join(" < ")}):`);
    for (const problem of problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  console.log(`check-imports: no upward import, no cycle (${LAYERS.length} layers), no provider test outside src/providers/`);
}
