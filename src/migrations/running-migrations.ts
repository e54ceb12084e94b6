// A `prisma migrate deploy` still running on production: its session carries dbship's
// application_name (dbship-prisma-…, see apply-migrations.ts) or holds Prisma's migrate
// advisory lock 72707369. Its ledger row has started_at and no finished_at, exactly like a failed
// migration's: calling it failed would advise finishing it by hand while Prisma finishes it too,
// applying it twice. So such a row is "running" while that session lives.
import type pg from "pg";
import type { MigrationStatus } from "./classify.js";

export type RunningPrisma = { pid: number; applicationName: string; holdsMigrateLock: boolean; since: string | null; query: string };

/** Prisma's migrate advisory lock key (classid 0, objid 72707369, objsubid 1 in pg_locks). */
const PRISMA_MIGRATE_LOCK = 72707369;

export async function findRunningPrisma(client: pg.ClientBase): Promise<RunningPrisma[]> {
  const result = await client.query<{ pid: number; application_name: string; holds: boolean; since: Date | null; query: string }>(
    `SELECT a.pid, a.application_name, a.xact_start AS since, left(a.query, 200) AS query,
            EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
                      AND l.classid = 0 AND l.objid = ${PRISMA_MIGRATE_LOCK} AND l.objsubid = 1) AS holds
       FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
        AND (starts_with(a.application_name, 'dbship-prisma-')
             OR a.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = ${PRISMA_MIGRATE_LOCK} AND objsubid = 1))`,
  );
  return result.rows.map((row) => ({
    pid: row.pid,
    applicationName: row.application_name,
    holdsMigrateLock: row.holds,
    since: row.since ? row.since.toISOString() : null,
    query: row.query,
  }));
}

/** With a Prisma running, its unfinished ledger rows are "running", not "failed". */
export function markRunning(status: MigrationStatus, running: RunningPrisma[]): MigrationStatus {
  if (running.length === 0) return status;
  const entries = status.entries.map((entry) => (entry.state === "failed" && entry.finishedAt === null ? { ...entry, state: "running" as const } : entry));
  const names = (state: string) => entries.filter((entry) => entry.state === state).map((entry) => entry.name);
  return { ...status, entries, failed: names("failed"), running: names("running") };
}

export function describeRunning(running: RunningPrisma[]): string {
  return running.map((r) => `backend pid ${r.pid}${r.applicationName ? ` (${r.applicationName})` : ""}${r.holdsMigrateLock ? ", holding Prisma's migrate lock" : ""}${r.since ? `, since ${r.since}` : ""}`).join("; ");
}
