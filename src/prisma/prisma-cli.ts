// Finds the project's own Prisma CLI (dbship runs the user's version, never a bundled one) and
// says which flags that version speaks.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { DbshipError } from "../errors.js";

export type PrismaCli = {
  version: string;
  major: number;
  minor: number;
  /** The CLI's JavaScript entry point, run with the current node. */
  entry: string;
  /** The CLI's package.json: its own dependencies (@prisma/config) resolve from there. */
  packageJson: string;
};

/** Prisma 6.6 moved migration reading to Node (checksums as dbship computes them). */
export const MIN_PRISMA = { major: 6, minor: 6 };

export function findPrismaCli(root: string): PrismaCli {
  const require = createRequire(path.join(root, "package.json"));
  let packageJsonPath: string;
  try {
    packageJsonPath = require.resolve("prisma/package.json");
  } catch {
    throw new DbshipError("PRISMA_NOT_FOUND", `the prisma package is not installed in ${root}`, {
      hint: "Install the Prisma CLI in the project (npm install --save-dev prisma), then run dbship from the project's folder.",
    });
  }
  const pkg = JSON.parse(readFileSync(packageJsonPath, "utf8")) as { version: string; bin?: string | Record<string, string> };
  const cli = parsePrismaVersion(pkg.version);
  const bin = typeof pkg.bin === "string" ? pkg.bin : (pkg.bin?.prisma ?? "build/index.js");
  const entry = path.join(path.dirname(packageJsonPath), bin);
  if (!existsSync(entry)) {
    throw new DbshipError("PRISMA_NOT_FOUND", `the prisma package in ${path.dirname(packageJsonPath)} has no CLI entry (${bin})`, {
      hint: "Reinstall it: npm install --save-dev prisma",
    });
  }
  return { ...cli, entry, packageJson: packageJsonPath };
}

export function parsePrismaVersion(version: string): Omit<PrismaCli, "entry" | "packageJson"> {
  const match = /^(\d+)\.(\d+)\./.exec(version);
  if (!match) {
    throw new DbshipError("PRISMA_VERSION_UNSUPPORTED", `cannot read the Prisma version "${version}"`, {
      hint: "dbship supports Prisma 6.6 to 7.x.",
    });
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major < MIN_PRISMA.major || (major === MIN_PRISMA.major && minor < MIN_PRISMA.minor) || major > 7) {
    throw new DbshipError("PRISMA_VERSION_UNSUPPORTED", `Prisma ${version} is not supported`, {
      hint: "dbship supports Prisma 6.6 to 7.x: upgrade with npm install --save-dev prisma@6 (or @7).",
    });
  }
  return { version, major, minor };
}
