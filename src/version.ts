// dbship's version, read from its package.json. The file is found by walking up from this module
// rather than by a fixed relative path, because the same code runs from dist/ (tsc's output) and
// from dist/bundle/ (the bundled CLI that bin/dbship.js starts).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function dbshipVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "dbship" && pkg.version) return (cached = pkg.version);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = "0.0.0-unknown");
    dir = parent;
  }
}
