// The deploy lock: a PostgreSQL session-level advisory lock held for the whole run, so two
// deploys on the same production cannot overlap. Its key is (dbship's class, hash of the
// production database's name) — never Prisma's own key 72707369, which `migrate deploy` takes
// and would then wait on forever.
import os from "node:os";
import type pg from "pg";
import { DbshipError } from "../errors.js";
import { connect } from "../infra/pg.js";

/** "dbsh" as a 32-bit integer: the advisory lock class dbship uses. */
export const DBSHIP_LOCK_CLASS = 0x64627368;

export type DeployLock = { release(): Promise<void> };

export type LockHolder = { pid: number; applicationName: string; clientAddr: string | null; since: Date };

/**
 * Takes the lock on a session to `lockUrl`: the provider's deployLockUrl (postgres: the server's
 * maintenance database, because production itself must have no session when it is copied as a template).
 */
export async function acquireDeployLock(lockUrl: string, productionDatabase: string, command: string): Promise<DeployLock> {
  const owner = `dbship ${command} (${os.userInfo().username}@${os.hostname()} pid ${process.pid})`.slice(0, 63);
  const client = await connect(lockUrl, { applicationName: owner });
  try {
    const result = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked",
      [DBSHIP_LOCK_CLASS, productionDatabase],
    );
    if (!result.rows[0]?.locked) {
      const holder = await lockHolder(client, productionDatabase);
      throw new DbshipError("LOCK_HELD", `another deploy is running on ${productionDatabase}${holder ? `: ${describeHolder(holder)}` : ""}`, {
        hint: "Wait for it to finish, then run dbship again. If that process is gone, its lock goes with its session; ask the database to terminate the session shown above only if you are sure it is dead.",
        details: holder ? { holder } : undefined,
      });
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // Closing the session releases the lock even if the unlock query fails.
      await client.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [DBSHIP_LOCK_CLASS, productionDatabase]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

export async function lockHolder(client: pg.ClientBase, productionDatabase: string): Promise<LockHolder | undefined> {
  const result = await client.query(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid::bigint = $1 AND l.objsubid = 2
        AND l.objid::bigint = (hashtext($2)::bigint + 4294967296) % 4294967296`,
    [DBSHIP_LOCK_CLASS, productionDatabase],
  );
  const row = result.rows[0];
  return row ? { pid: row.pid, applicationName: row.application_name, clientAddr: row.client_addr, since: row.backend_start } : undefined;
}

function describeHolder(holder: LockHolder): string {
  return `${holder.applicationName || "a session"} (backend pid ${holder.pid}${holder.clientAddr ? ` from ${holder.clientAddr}` : ""}, since ${holder.since.toISOString()})`;
}

