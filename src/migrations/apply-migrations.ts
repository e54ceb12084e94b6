// Runs `prisma migrate deploy` against one database and reads back what it really did: Prisma's
// exit code and text say little (the 6.x adapter path prints no P3018), the ledger says it all.
import { onForcedExit } from "../infra/interrupts.js";
import { withConnection } from "../infra/pg.js";
import { classifyMigrations, type MigrationStatus } from "./classify.js";
import { databaseError } from "./history-checks.js";
import { migrationsSchema, readLedger } from "./ledger.js";
import type { LocalMigration } from "./local-migrations.js";
import type { Config } from "../config.js";
import { migrateDeploy } from "../prisma/commands.js";
import type { PrismaConnections } from "../prisma-target/prisma-connections.js";
import { prismaErrorLine, type PrismaRun } from "../prisma/run-prisma.js";
import type { Progress } from "../ui/progress.js";

/** Production (the deploy step only) or a database that is not production (a rehearsal copy, a scratch database). */
export type ApplyTarget = { kind: "production" | "scratch"; url: string };

export type ApplyResult = {
  run: PrismaRun;
  status: MigrationStatus;
  /** The migration that failed and the database's own error, if one failed. */
  failure?: { migration: string; error: string };
  /** Prisma's own error line when it failed without recording a failed migration. */
  prismaError?: string;
};

export async function applyMigrations(
  ctx: { config: Config; signal: AbortSignal; progress: Progress; connections: PrismaConnections },
  target: ApplyTarget,
  local: LocalMigration[],
  options: { timeoutMs?: number } = {},
): Promise<ApplyResult> {
  const targetUrl = target.url;
  // Prisma's sessions carry a name of dbship's choosing, so that a run stopped half way (timeout,
  // Ctrl-C) can be finished off on the server too: killing the process does not stop a backend
  // that is waiting on a lock, and it would go on to apply its statement later.
  const tagged = tagSessions(targetUrl);
  // A second signal exits only after these sessions are ended (src/infra/interrupts.ts).
  const unregister = onForcedExit("end Prisma's database sessions", () => terminateSessions(targetUrl, tagged.applicationName));
  let run: PrismaRun;
  try {
    const args = migrateDeploy(ctx.config.schemaPath);
    const runOptions = { timeoutMs: options.timeoutMs, signal: ctx.signal };
    run =
      target.kind === "production"
        ? await ctx.connections.runOnProduction(args, { ...runOptions, url: tagged.url })
        : await ctx.connections.runOnScratch(tagged.url, args, { ...runOptions, writes: true });
    if (run.timedOut || run.interrupted) {
      const stopped = await terminateSessions(targetUrl, tagged.applicationName).catch(() => 0);
      if (stopped) ctx.progress.warn(`terminated ${stopped} database session(s) the stopped Prisma run left behind`);
    }
  } finally {
    unregister();
  }
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

/** The URL with an application_name of its own (unless the user set one). */
export function tagSessions(url: string): { url: string; applicationName: string | undefined } {
  const parsed = new URL(url);
  if (parsed.searchParams.has("application_name")) return { url, applicationName: undefined };
  const applicationName = `dbship-prisma-${process.pid}-${Date.now().toString(36)}`;
  parsed.searchParams.set("application_name", applicationName);
  return { url: parsed.toString(), applicationName };
}

/** Ends the backends of a stopped Prisma run: those with its name, and whoever holds Prisma's lock. */
async function terminateSessions(url: string, applicationName: string | undefined): Promise<number> {
  return withConnection(
    url,
    async (client) => {
      const result = await client.query(
        `SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a
          WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            AND (a.application_name = $1 OR a.pid IN (
                  SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ${PRISMA_LOCK_KEY} AND objsubid = 1))`,
        [applicationName ?? ""],
      );
      return result.rowCount ?? 0;
    },
    { applicationName: "dbship cleanup" },
  );
}

/** The advisory lock key `prisma migrate deploy` takes (never taken by dbship itself). */
export const PRISMA_LOCK_KEY = 72707369;
