// The table locks one session holds, read two ways: by a second session that polls pg_locks while
// the statement runs (what other sessions would have met), and by the statement's own session
// just before its transaction commits (exact: PostgreSQL keeps a table lock until the end of the
// transaction that took it, so every lock the statement took is still there).
import type pg from "pg";
import { isLockMode, type LockMode } from "./lock-modes.js";

export type HeldLock = { oid: string; mode: LockMode };

const LOCKS_SQL = `SELECT relation::int8::text AS oid, mode FROM pg_locks
                    WHERE pid = $1 AND locktype = 'relation' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

export async function readLocks(client: pg.ClientBase, pid: number): Promise<HeldLock[]> {
  const result = await client.query<{ oid: string; mode: string }>(LOCKS_SQL, [pid]);
  return result.rows.flatMap((row) => (isLockMode(row.mode) ? [{ oid: row.oid, mode: row.mode }] : []));
}

const MAX_INTERVAL_MS = 100;

export type Sample = HeldLock & { firstSeenMs: number; lastSeenMs: number };

/**
 * Polls `pid`'s locks until stopped: first after `everyMs`, then backing off to MAX_INTERVAL_MS
 * (a lock is taken at a statement's start, and a long statement should not pay for hundreds of
 * polls). Locks are keyed by relation and mode, with when they were first and last seen (ms since
 * start). A statement shorter than the interval may be missed; the own session's read before
 * commit is the complete record for those.
 */
export function sampleLocks(client: pg.ClientBase, pid: number, everyMs: number): { stop(): Promise<Sample[]> } {
  let interval = everyMs;
  const seen = new Map<string, Sample>();
  const started = performance.now();
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const at = performance.now() - started;
      for (const lock of await readLocks(client, pid).catch(() => [] as HeldLock[])) {
        const key = `${lock.oid}/${lock.mode}`;
        const sample = seen.get(key);
        if (sample) sample.lastSeenMs = at;
        else seen.set(key, { ...lock, firstSeenMs: at, lastSeenMs: at });
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, interval);
      });
      interval = Math.min(MAX_INTERVAL_MS, interval * 1.5);
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return [...seen.values()];
    },
  };
}
