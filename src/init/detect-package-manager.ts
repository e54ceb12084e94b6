// Which package manager the project uses, so the printed instructions are the ones the user
// types. The packageManager field (corepack's) is the project's own statement and wins over lock
// files; a workspace package finds them in a parent folder, up to the repository root.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isPlainObject, parseJsonText } from "./json-text.js";

export type PackageManager = "pnpm" | "npm" | "yarn";

export type DetectedPackageManager = {
  name: PackageManager;
  /** What decided it: "packageManager field", a lock file name, or "default". */
  source: string;
  /** Other lock files found beside the one that decided (a sign of a mixed setup). */
  ignored: string[];
};

// In precedence order when a folder holds more than one.
const LOCK_FILES: ReadonlyArray<readonly [string, PackageManager]> = [
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
];

export async function detectPackageManager(projectDir: string): Promise<DetectedPackageManager> {
  let dir = path.resolve(projectDir);
  for (;;) {
    const declared = await declaredPackageManager(dir);
    if (declared) return { name: declared, source: relative(projectDir, dir, "package.json packageManager field"), ignored: [] };
    const locks = LOCK_FILES.filter(([file]) => existsSync(path.join(dir, file)));
    const [first, ...rest] = locks;
    if (first) {
      return { name: first[1], source: relative(projectDir, dir, first[0]), ignored: rest.map(([file]) => relative(projectDir, dir, file)) };
    }
    const parent = path.dirname(dir);
    // Stop at the repository root: lock files above it belong to something else.
    if (parent === dir || existsSync(path.join(dir, ".git"))) break;
    dir = parent;
  }
  return { name: "npm", source: "default", ignored: [] };
}

/** How to run a package script: `pnpm db:migrate`, `npm run db:migrate`, `yarn db:migrate`. */
export function runScript(pm: PackageManager, script: string, args = ""): string {
  // npm passes arguments to the script only after `--`.
  const extra = args ? (pm === "npm" ? ` -- ${args}` : ` ${args}`) : "";
  return `${pm === "npm" ? "npm run" : pm} ${script}${extra}`;
}

export function addDevDependency(pm: PackageManager, name: string): string {
  return pm === "npm" ? `npm install --save-dev ${name}` : `${pm} add -D ${name}`;
}

async function declaredPackageManager(dir: string): Promise<PackageManager | undefined> {
  const file = path.join(dir, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    const pkg = parseJsonText(await readFile(file, "utf8"));
    const field = isPlainObject(pkg) ? pkg.packageManager : undefined;
    const name = typeof field === "string" ? field.split("@")[0] : undefined;
    return name === "pnpm" || name === "npm" || name === "yarn" ? name : undefined;
  } catch {
    // An unreadable parent package.json is not this command's business.
    return undefined;
  }
}

function relative(projectDir: string, dir: string, file: string): string {
  return path.relative(path.resolve(projectDir), path.join(dir, file)) || file;
}
