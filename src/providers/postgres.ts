// The postgres provider: any PostgreSQL server. A snapshot is a database copied from production
// with CREATE DATABASE … TEMPLATE, which PostgreSQL only allows while nobody else is connected to
// production: dbship refuses clearly, or terminates those sessions when told to.
//
// A rollback is a swap that is never half done: the snapshot is first copied under a temporary
// name (marked "rollback-copy" once complete), then production → pre-rollback-… and the copy →
// production are renamed in ONE transaction (PostgreSQL allows ALTER DATABASE … RENAME inside a
// transaction block, unlike CREATE/DROP DATABASE: see docs/rollback-swap.md). Interrupted at any
// point, production is either untouched or fully restored; an interrupted run's copy is found,
// reported, and reused by the same rollback run again.
import type pg from "pg";
import { DbshipError } from "../errors.js";
import { onForcedExit } from "../infra/interrupts.js";
import { connect, databaseName, otherSessions, quoteIdent, quoteLiteral, withDatabase } from "../infra/pg.js";
import { MAX_NAME_BYTES, uniqueCopyName } from "./database-names.js";
import { classifyDatabases, readDatabases, withSizes, type Inventory, type Marker } from "./postgres-inventory.js";
import { inventoryNotices } from "./postgres-notices.js";
import type { Housekeeping, RestoreResult, RestoreTarget, Scratch, Snapshot, SnapshotProvider } from "./types.js";

export type PostgresProviderOptions = {
  /** Production's connection string. */
  databaseUrl: string;
  /** A database on the same server to work from (never production itself). */
  maintenanceDatabase: string;
  snapshotPrefix: string;
  /** Terminate other sessions on production instead of refusing (--terminate-connections). */
  terminateConnections?: boolean;
  log?: (line: string) => void;
};

export function createPostgresProvider(options: PostgresProviderOptions): SnapshotProvider {
  const production = databaseName(options.databaseUrl);
  const adminUrl = withDatabase(options.databaseUrl, options.maintenanceDatabase);
  let admin: pg.Client | undefined;
  const client = async () => (admin ??= await connect(adminUrl, { applicationName: "dbship" }));

  async function exists(name: string): Promise<boolean> {
    const result = await (await client()).query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return result.rowCount === 1;
  }

  async function mark(name: string, marker: Marker) {
    await (await client()).query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(JSON.stringify(marker))}`);
  }

  /**
   * Makes sure nobody else is connected to `database`, as TEMPLATE copies and renames need.
   * A backend lingers a moment after its client disconnects (dbship's own preflight session,
   * a terminated one): those are waited for, briefly; anyone else is refused or terminated.
   */
  async function requireIdle(database: string, action: string) {
    const admin = await client();
    // A migration half way is never terminated, not even with --terminate-connections.
    const isMigration = (s: { applicationName: string }) => s.applicationName.startsWith("dbship-prisma-");
    let sessions = await otherSessions(admin, database);
    if (sessions.length > 0 && options.terminateConnections && sessions.some((s) => !s.applicationName.startsWith("dbship"))) {
      options.log?.(`terminating ${sessions.filter((s) => !isMigration(s)).length} session(s) on ${database} (--terminate-connections)`);
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND NOT starts_with(application_name, 'dbship-prisma-')",
        [database],
      );
    }
    const deadline = Date.now() + 5_000;
    while (sessions.length > 0 && Date.now() < deadline) {
      const exiting = options.terminateConnections || sessions.every((s) => s.applicationName.startsWith("dbship"));
      if (!exiting) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      sessions = await otherSessions(admin, database);
    }
    if (sessions.length === 0) return;
    const migrations = sessions.filter(isMigration);
    if (migrations.length) {
      throw new DbshipError("MIGRATION_RUNNING", `prisma migrate deploy started by dbship is still running on ${database} (${migrations.map((s) => `pid ${s.pid} ${s.applicationName}`).join(", ")}), so PostgreSQL cannot ${action}`, {
        hint: "dbship does not terminate a migration half way. Wait for it to finish (dbship status shows it), then run again.",
      });
    }
    throw sessionsError(database, action, sessions.map((s) => `pid ${s.pid}${s.applicationName ? ` (${s.applicationName})` : ""}${s.clientAddr ? ` from ${s.clientAddr}` : ""}`));
  }

  /**
   * CREATE DATABASE … TEMPLATE, retried briefly when a session slips in between check and copy.
   * NOTE: on PostgreSQL 15+ the FILE_COPY strategy copies files instead of writing the whole
   * database to the WAL: 1.9× faster at 1 GB here (bench/RESULTS.md), at the cost of a checkpoint.
   */
  async function copyDatabase(source: string, target: string, action: string, signal?: AbortSignal, what = "rollback") {
    const admin = await client();
    const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
    const strategy = version >= 150000 ? " STRATEGY FILE_COPY" : "";
    for (let attempt = 1; ; attempt++) {
      await requireIdle(source, action);
      if (signal?.aborted) throw copyInterrupted(target, what);
      // A killed client does not stop its backend: an interrupted copy is cancelled on the server,
      // or it would finish later as an unmarked database nobody knows about.
      const cancel = () => cancelBackend(admin);
      signal?.addEventListener("abort", cancel, { once: true });
      const unregister = onForcedExit(`cancel the copy ${target}`, cancel);
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(target)} TEMPLATE ${quoteIdent(source)}${strategy}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code === "57014" && signal?.aborted) throw copyInterrupted(target, what);
        if ((error as { code?: string }).code !== "55006" || attempt >= 3) {
          if ((error as { code?: string }).code === "55006") throw sessionsError(source, action, ["a session connected while copying"]);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      } finally {
        signal?.removeEventListener("abort", cancel);
        unregister();
      }
    }
  }

  /** pg_cancel_backend on `busy`'s server session, from a session of its own. */
  async function cancelBackend(busy: pg.Client) {
    const pid = (busy as unknown as { processID?: number }).processID;
    if (!pid) return;
    const other = await connect(adminUrl, { applicationName: "dbship cancel", connectTimeoutMs: 5_000 });
    try {
      await other.query("SELECT pg_cancel_backend($1)", [pid]);
    } finally {
      await other.end().catch(() => undefined);
    }
  }

  async function inventory(): Promise<Inventory> {
    const { role, rows } = await readDatabases(await client());
    return classifyDatabases(rows, role, production, options.snapshotPrefix);
  }

  async function dropIfIdle(name: string) {
    await (await client()).query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  }

  /**
   * The one step that changes production: both renames and both markers in one transaction.
   * Returns the backup's name. A session that connects between the idle check and the rename
   * makes PostgreSQL refuse the rename (55006) and the transaction roll back: nothing changed,
   * so it is simply retried. So is a backup name taken since it was chosen (another
   * production's rollback in the same second): with the next name (-2, -3…), inside this
   * function, so that the swap a signal lets finish is the whole swap, retries included.
   */
  async function swap(copy: string, baseName: string, snapshot: Snapshot): Promise<string> {
    const admin = await client();
    const now = new Date().toISOString();
    let backupName = baseName;
    for (let attempt = 1, n = 1; ; attempt++) {
      await requireIdle(production, "set production aside");
      let settingAside = false;
      try {
        await admin.query("BEGIN");
        settingAside = true;
        await admin.query(`ALTER DATABASE ${quoteIdent(production)} RENAME TO ${quoteIdent(backupName)}`);
        settingAside = false;
        await admin.query(`ALTER DATABASE ${quoteIdent(copy)} RENAME TO ${quoteIdent(production)}`);
        await admin.query(`COMMENT ON DATABASE ${quoteIdent(backupName)} IS ${quoteLiteral(JSON.stringify({ dbship: "pre-rollback", source: production, createdAt: now } satisfies Marker))}`);
        const restored: Marker = { dbship: "production", source: production, createdAt: now, snapshot: snapshot.name, snapshotId: snapshot.id, backup: backupName };
        await admin.query(`COMMENT ON DATABASE ${quoteIdent(production)} IS ${quoteLiteral(JSON.stringify(restored))}`);
        await admin.query("COMMIT");
        return backupName;
      } catch (error) {
        await admin.query("ROLLBACK").catch(() => undefined);
        const code = (error as { code?: string }).code;
        // The name is taken by a committed database (42P04), or by a rename another transaction
        // has not committed yet (23505 on pg_database's unique name index, once it commits).
        if (settingAside && (code === "42P04" || code === "23505") && n < 20) {
          const taken = backupName;
          backupName = `${baseName}-${++n}`;
          options.log?.(`${taken} was taken meanwhile: production's current state is kept as ${backupName}`);
          continue;
        }
        if (code !== "55006") throw error;
        if (attempt >= 3) throw sessionsError(production, "set production aside", ["a session connected during the swap"]);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  /** A trusted snapshot or rollback backup of production, by name or oid; refuses a forged one. */
  async function describe(nameOrId: string): Promise<Snapshot | undefined> {
    const found = await inventory();
    const match = (s: { name: string; id?: string }) => s.name === nameOrId || s.id === nameOrId;
    const trusted = [...found.snapshots, ...found.backups].find(match);
    if (trusted) return trusted;
    const forged = found.untrusted.find((u) => u.name === nameOrId);
    if (forged) {
      throw new DbshipError("SNAPSHOT_UNTRUSTED", `${forged.name} is not trusted: it is ${forged.reason}`, {
        hint: "dbship restores only databases it made for this production (docs/snapshot-trust.md). Nothing was changed.",
      });
    }
    return undefined;
  }

  const provider: SnapshotProvider = {
    name: "postgres",

    deployLockUrl: () => adminUrl,

    async scratchHost() {
      return { adminUrl, label: "production's server", release: async () => undefined };
    },

    checkRestoreTarget(target) {
      if ("time" in target) throw pointInTimeUnsupported();
    },

    async createSnapshot(name, createOptions = {}) {
      if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
        throw new DbshipError("CONFIG_INVALID", `snapshot name ${name} is ${Buffer.byteLength(name)} bytes: PostgreSQL keeps only ${MAX_NAME_BYTES} bytes of a database name`, {
          hint: "Use a shorter snapshot.prefix (or --name).",
        });
      }
      if (await exists(name)) {
        throw new DbshipError("SNAPSHOT_NAME_TAKEN", `a database named ${name} already exists`, { hint: "Choose another name." });
      }
      const createdAt = new Date().toISOString();
      // Until it is marked, the copy is an "incomplete snapshot" that the next run reports and drops.
      await copyDatabase(production, name, "copy it as a snapshot", createOptions.signal, "snapshot");
      await mark(name, { dbship: "snapshot", source: production, createdAt });
      const snapshot = await describe(name);
      if (!snapshot) throw new DbshipError("SNAPSHOT_FAILED", `snapshot ${name} was created but cannot be read back`);
      return snapshot;
    },

    async listSnapshots() {
      const found = await inventory();
      return withSizes(await client(), found.snapshots.filter((snapshot) => snapshot.name.startsWith(options.snapshotPrefix)));
    },

    findSnapshot: describe,

    async connectionString(snapshot) {
      return withDatabase(options.databaseUrl, snapshot.name);
    },

    async restore(target: RestoreTarget, backupName: string, restoreOptions = {}): Promise<RestoreResult> {
      if ("time" in target) throw pointInTimeUnsupported();
      const { signal } = restoreOptions;
      const snapshot = await describe(target.snapshot);
      if (!snapshot) throw new DbshipError("SNAPSHOT_NOT_FOUND", `no snapshot named ${target.snapshot}`, { hint: "See `dbship snapshot list`." });
      if (await exists(backupName)) throw new DbshipError("SNAPSHOT_NAME_TAKEN", `a database named ${backupName} already exists`);
      const found = await inventory();
      // An interrupted rollback to the same snapshot left a complete copy: finish with it.
      const reusable = found.rollbackCopies.find((copy) => copy.marker.snapshotId === snapshot.id && copy.sessions === 0);
      for (const stale of found.rollbackCopies.filter((copy) => copy !== reusable && copy.sessions === 0)) {
        options.log?.(`dropping ${stale.name}, the copy of ${stale.marker.snapshot} an interrupted rollback left`);
        await dropIfIdle(stale.name);
      }
      let copy = reusable?.name;
      if (copy) {
        options.log?.(`reusing ${copy}, the complete copy of ${snapshot.name} an interrupted rollback made`);
      } else {
        copy = uniqueCopyName("dbship-rollback-", production);
        await requireIdle(production, "set production aside");
        try {
          await copyDatabase(snapshot.name, copy, "copy the snapshot", signal);
          const marker: Marker = { dbship: "rollback-copy", source: production, createdAt: new Date().toISOString(), snapshot: snapshot.name, snapshotId: snapshot.id, backup: backupName };
          await mark(copy, marker);
        } catch (error) {
          await dropIfIdle(copy).catch(() => undefined);
          throw error;
        }
      }
      if (found.production.owner && found.production.owner !== found.role) {
        // Production keeps its owner (the copy is the connecting role's). Needs membership in that role.
        await (await client()).query(`ALTER DATABASE ${quoteIdent(copy)} OWNER TO ${quoteIdent(found.production.owner)}`).catch((error: Error) => {
          options.log?.(`production's owner will be ${found.role}, not ${found.production.owner}: ${error.message}`);
        });
      }
      if (signal?.aborted) {
        await dropIfIdle(copy).catch(() => undefined);
        throw copyInterrupted(copy, "rollback");
      }
      // From here the swap is let finish, whatever signal comes: it is one short transaction.
      const swapping = swap(copy, backupName, snapshot);
      const unregister = onForcedExit("finish the swap", () => swapping.catch(() => undefined));
      let keptAs: string;
      try {
        keptAs = await swapping;
      } catch (error) {
        // Kept when it will be reused: a lost server (the next run).
        const code = (error as { code?: string }).code;
        if (code !== "57P01") await dropIfIdle(copy).catch(() => undefined);
        throw error;
      } finally {
        unregister();
      }
      const backup = await (await client()).query<{ id: string }>("SELECT oid::text AS id FROM pg_database WHERE datname = $1", [keptAs]);
      return {
        backupName: keptAs,
        backupId: backup.rows[0]?.id ?? "",
        backupConnectionString: withDatabase(options.databaseUrl, keptAs),
      };
    },

    async deleteSnapshot(snapshot) {
      await requireIdle(snapshot.name, "drop it");
      await (await client()).query(`DROP DATABASE IF EXISTS ${quoteIdent(snapshot.name)}`);
    },

    async createScratch(from): Promise<Scratch> {
      // Named after production (cut by bytes, unique suffix) and marked, so a leftover says where it came from.
      const name = uniqueCopyName("dbship-scratch-", production);
      if (from) await copyDatabase(from.name, name, "copy it for the rehearsal");
      else await (await client()).query(`CREATE DATABASE ${quoteIdent(name)}`);
      await mark(name, { dbship: "scratch", source: production, createdAt: new Date().toISOString() });
      const row = await (await client()).query<{ id: string }>("SELECT oid::text AS id FROM pg_database WHERE datname = $1", [name]);
      let dropped = false;
      return {
        name,
        id: row.rows[0]?.id ?? "",
        connectionString: withDatabase(options.databaseUrl, name),
        async drop() {
          if (dropped) return;
          dropped = true;
          await (await client()).query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        },
      };
    },

    async createScratchOfProduction(purpose) {
      return provider.createScratch({ name: production, id: "", createdAt: new Date().toISOString() }, purpose);
    },

    async housekeeping({ clean }): Promise<Housekeeping> {
      const found = await inventory();
      const dropped: string[] = [];
      const kept: Housekeeping["leftovers"] = [];
      for (const leftover of found.leftovers) {
        if (clean && leftover.droppable) {
          try {
            await dropIfIdle(leftover.name);
            dropped.push(leftover.name);
            options.log?.(`dropped ${leftover.name}: ${leftover.reason}`);
            continue;
          } catch (error) {
            kept.push({ name: leftover.name, kind: leftover.kind, reason: `${leftover.reason}; could not drop it: ${(error as Error).message}` });
            continue;
          }
        }
        kept.push({ name: leftover.name, kind: leftover.kind, reason: leftover.droppable ? leftover.reason : `${leftover.reason}; kept: in use or not owned by ${found.role}` });
      }
      return { notices: inventoryNotices(found, production, kept), dropped, leftovers: kept, backups: await withSizes(await client(), found.backups) };
    },

    async close() {
      await admin?.end().catch(() => undefined);
      admin = undefined;
    },
  };
  return provider;
}

function copyInterrupted(copy: string, what: string): DbshipError {
  return new DbshipError(what === "snapshot" ? "SNAPSHOT_INTERRUPTED" : "ROLLBACK_INTERRUPTED", `${what} interrupted before production was touched: production is unchanged`, {
    hint: `The copy in progress (${copy}) was cancelled. Run the same command again when you are ready.`,
  });
}

function pointInTimeUnsupported(): DbshipError {
  return new DbshipError("PITR_UNSUPPORTED", "the postgres provider has no point-in-time restore", {
    hint: "Restore from a snapshot with `dbship rollback --to <snapshot>` (see `dbship snapshot list`), or use the neon provider, whose history allows --to-time.",
  });
}

function sessionsError(database: string, action: string, sessions: string[]): DbshipError {
  return new DbshipError("SESSIONS_ON_DATABASE", `${sessions.length} other session(s) are connected to ${database}, so PostgreSQL cannot ${action}: ${sessions.join(", ")}`, {
    hint: "Stop the application's connections (or point it elsewhere) and run again, or pass --terminate-connections to have dbship terminate them.",
  });
}
