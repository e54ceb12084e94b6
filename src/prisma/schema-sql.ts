// The SQL that builds what schema.prisma describes, from nothing, as Prisma itself writes it.
import { DbshipError } from "../errors.js";
import type { PrismaConnections } from "../prisma-target/prisma-connections.js";
import { migrateDiffFromEmpty } from "./commands.js";
import type { PrismaCli } from "./prisma-cli.js";
import { classifyPrismaFailure } from "./prisma-failure.js";
import { prismaErrorLine, type PrismaRun } from "./run-prisma.js";

export type SchemaSqlOptions = {
  prisma: PrismaCli;
  connections: PrismaConnections;
  schemaPath: string;
  /** A scratch database: Prisma's adapter path connects even for a diff from empty (it writes nothing). */
  databaseUrl: string;
  signal?: AbortSignal;
};

export async function schemaToSql(options: SchemaSqlOptions): Promise<string> {
  const run = await options.connections.runOnScratch(options.databaseUrl, migrateDiffFromEmpty(options.prisma, options.schemaPath), {
    writes: false,
    timeoutMs: 120_000,
    signal: options.signal,
  });
  if (run.exitCode !== 0) throw schemaSqlFailure(run, options.schemaPath);
  return stripCliNotices(run.stdout);
}

/** Prisma 6 prints config notices on stdout, before the script. */
export function stripCliNotices(stdout: string): string {
  return stdout
    .split("\n")
    .filter((line) => !/^(Loaded Prisma config from |Prisma config detected, skipping environment variable loading)/.test(line))
    .join("\n")
    .replace(/^\n+/, "");
}

/** Only a validation error is blamed on schema.prisma (prisma-failure.ts tells them apart). */
function schemaSqlFailure(run: PrismaRun, schemaPath: string): DbshipError {
  const output = `Prisma's output:\n${(run.stderr || run.stdout).trim()}`;
  switch (classifyPrismaFailure(run)) {
    case "engine":
      return new DbshipError("PRISMA_ENGINE_UNAVAILABLE", `Prisma could not get its schema engine: ${prismaErrorLine(run)}`, {
        hint: `Prisma downloads its native engine on first use: allow it network access (or set PRISMA_ENGINES_MIRROR / PRISMA_SCHEMA_ENGINE_BINARY), or use engine "js" with a driver adapter in prisma.config.ts. schema.prisma itself was not the problem.\n${output}`,
      });
    case "schema":
      return new DbshipError("SCHEMA_INVALID", `Prisma cannot read ${schemaPath}: ${prismaErrorLine(run)}`, { hint: output });
    default:
      return new DbshipError("PRISMA_FAILED", `prisma migrate diff (the SQL for ${schemaPath}) failed: ${prismaErrorLine(run)}`, { hint: output });
  }
}
