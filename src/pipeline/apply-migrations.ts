// Runs `prisma migrate deploy` against one database and reads back what it really did: Prisma's
// exit code and text say little (the 6.x adapter path prints no P3018), the ledger says it all.
import { withConnection } from "../infra/pg.js";
import { classifyMigrations, type MigrationStatus } from "../migrations/classify.js";
import { databaseError } from "../migrations/history-checks.js";
import { migrationsSchema, readLedger } from "../migrations/ledger.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import { migrateDeploy } from "../prisma/commands.js";
import { prismaErrorLine, runPrisma, type PrismaRun } from "../prisma/run-prisma.js";
import type { DeployContext } from "./types.js";

export type ApplyResult = {
  run: PrismaRun;
  status: MigrationStatus;
  /** The migration that failed and the database's own error, if one failed. */
  failure?: { migration: string; error: string };
  /** Prisma's own error line when it failed without recording a failed migration. */
  prismaError?: string;
};

export async function applyMigrations(
  ctx: Pick<DeployContext, "config" | "prisma" | "signal" | "progress">,
  targetUrl: string,
  local: LocalMigration[],
  options: { timeoutMs?: number } = {},
): Promise<ApplyResult> {
  const run = await runPrisma(ctx.prisma, migrateDeploy(ctx.config.schemaPath), {
    cwd: ctx.config.root,
    databaseUrlEnv: ctx.config.databaseUrlEnv,
    databaseUrl: targetUrl,
    timeoutMs: options.timeoutMs,
    signal: ctx.signal,
  });
  ctx.progress.verbose(`$ prisma ${run.args.join(" ")} (exit ${run.exitCode}, ${run.durationMs} ms)\n${run.stdout}\n${run.stderr}`);
  const status = await readStatus(targetUrl, local);
  const failedEntry = status.entries.find((entry) => entry.state === "failed");
  const result: ApplyResult = { run, status };
  if (failedEntry) result.failure = { migration: failedEntry.name, error: failedEntry.logs ? databaseError(failedEntry.logs) : prismaErrorLine(run) };
  if (run.exitCode !== 0 && !failedEntry) result.prismaError = prismaErrorLine(run);
  return result;
}

export async function readStatus(url: string, local: LocalMigration[]): Promise<MigrationStatus> {
  return withConnection(url, async (client) => classifyMigrations(local, (await readLedger(client, migrationsSchema(url))).rows), {
    applicationName: "dbship verify",
  });
}
