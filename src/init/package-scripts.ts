// The package scripts dbship init adds, merged into package.json without touching anything else:
// an existing script is never replaced without --force, whatever it holds (db:push included).
import { DbshipError } from "../errors.js";
import { detectFormat, formatJson, isPlainObject, parseJsonText } from "./json-text.js";

/** The scripts of the spec's table, with dbship where it replaces a bare Prisma command. */
export const DBSHIP_SCRIPTS = {
  "db:migrate": "prisma migrate dev",
  "db:migrate:prod": "dbship deploy",
  "db:migrate:status": "dbship status",
  "db:snapshot": "dbship snapshot create",
} as const;

export type ScriptConflict = { name: string; existing: string; wanted: string };

export type ScriptsPlan = {
  added: string[];
  unchanged: string[];
  /** Different and left alone (no --force). */
  kept: ScriptConflict[];
  /** Different and overwritten (--force). */
  replaced: ScriptConflict[];
  /** The new package.json text, or null when it does not change (the file is not rewritten). */
  text: string | null;
};

export function parsePackageJson(text: string, file: string): Record<string, unknown> {
  let pkg: unknown;
  try {
    pkg = parseJsonText(text);
  } catch (error) {
    throw new DbshipError("CONFIG_INVALID", `${file} is not valid JSON: ${(error as Error).message}`, {
      hint: "Fix package.json first (npm and pnpm refuse it too), then run dbship init again.",
    });
  }
  if (!isPlainObject(pkg)) throw new DbshipError("CONFIG_INVALID", `${file} is not a JSON object`, { hint: "Fix package.json first, then run dbship init again." });
  if (pkg.scripts !== undefined && !isPlainObject(pkg.scripts)) {
    throw new DbshipError("CONFIG_INVALID", `${file}: "scripts" is not an object`, { hint: "Fix package.json first, then run dbship init again." });
  }
  return pkg;
}

export function planScripts(text: string, file: string, wanted: Record<string, string>, force: boolean): ScriptsPlan {
  const pkg = parsePackageJson(text, file);
  const scripts = { ...((pkg.scripts as Record<string, unknown> | undefined) ?? {}) };
  const plan: ScriptsPlan = { added: [], unchanged: [], kept: [], replaced: [], text: null };
  for (const [name, command] of Object.entries(wanted)) {
    const existing = scripts[name];
    if (existing === undefined) {
      scripts[name] = command;
      plan.added.push(name);
    } else if (existing === command) {
      plan.unchanged.push(name);
    } else {
      const conflict = { name, existing: typeof existing === "string" ? existing : JSON.stringify(existing), wanted: command };
      if (force) {
        // Assigning an existing key keeps its place in the object.
        scripts[name] = command;
        plan.replaced.push(conflict);
      } else {
        plan.kept.push(conflict);
      }
    }
  }
  if (plan.added.length || plan.replaced.length) plan.text = formatJson({ ...pkg, scripts }, detectFormat(text));
  return plan;
}

export function hasDependency(pkg: Record<string, unknown>, name: string): boolean {
  return ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].some((field) => {
    const deps = pkg[field];
    return isPlainObject(deps) && deps[name] !== undefined;
  });
}
