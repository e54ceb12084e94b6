// Prisma commands as data: pure functions return the argument list for the detected CLI version,
// so a dry run can print them and unit tests can compare them.
import type { PrismaCli } from "./prisma-cli.js";

type Version = Pick<PrismaCli, "major" | "minor">;

export function migrateDeploy(schemaPath: string): string[] {
  return ["migrate", "deploy", "--schema", schemaPath];
}

export function migrateStatus(schemaPath: string): string[] {
  return ["migrate", "status", "--schema", schemaPath];
}

export function migrateResolveApplied(schemaPath: string, migration: string): string[] {
  return ["migrate", "resolve", "--applied", migration, "--schema", schemaPath];
}

export function migrateResolveRolledBack(schemaPath: string, migration: string): string[] {
  return ["migrate", "resolve", "--rolled-back", migration, "--schema", schemaPath];
}

/** SQL that builds the schema from nothing. Prisma 7 renamed --to-schema-datamodel to --to-schema. */
export function migrateDiffFromEmpty(version: Version, schemaPath: string): string[] {
  const toSchema = version.major >= 7 ? "--to-schema" : "--to-schema-datamodel";
  return ["migrate", "diff", "--from-empty", toSchema, schemaPath, "--script"];
}

/**
 * How this CLI sends a migration.sql to PostgreSQL (src/prisma-target/README.md, "execution modes"), which decides which
 * SQL is safe: 7.4+ runs statements one by one; 6.x and 7.0–7.3 native send the file as one
 * implicit transaction; the 6.x WebAssembly engine (engine "js") splits it naively on ";".
 */
export function executionMode(version: Version, usesJsEngine: boolean): "split-on-semicolon" | "single-transaction" | "per-statement" {
  if (version.major >= 7) return version.minor >= 4 ? "per-statement" : "single-transaction";
  return usesJsEngine ? "split-on-semicolon" : "single-transaction";
}

/** The command line a user can copy, with `npx prisma` in front. */
export function displayCommand(args: string[], root: string): string {
  return ["npx", "prisma", ...args.map((arg) => relativeIfInside(arg, root))].map(shellQuote).join(" ");
}

function relativeIfInside(arg: string, root: string): string {
  return arg.startsWith(root + "/") ? arg.slice(root.length + 1) : arg;
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
