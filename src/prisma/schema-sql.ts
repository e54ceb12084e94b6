// The SQL that builds what schema.prisma describes, from nothing, as Prisma itself writes it.
import { DbshipError } from "../errors.js";
import type { PrismaConnections } from "../prisma-target/prisma-connections.js";
import { migrateDiffFromEmpty } from "./commands.js";
import type { PrismaCli } from "./prisma-cli.js";
import { prismaErrorLine } from "./run-prisma.js";

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
  if (run.exitCode !== 0) {
    throw new DbshipError("SCHEMA_INVALID", `Prisma cannot read ${options.schemaPath}: ${prismaErrorLine(run)}`, {
      hint: `Prisma's output:\n${(run.stderr || run.stdout).trim()}`,
    });
  }
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
