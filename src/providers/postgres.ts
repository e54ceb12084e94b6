// The postgres provider: any PostgreSQL server. A snapshot is a database copied from production
// with CREATE DATABASE … TEMPLATE, which PostgreSQL only allows while nobody else is connected to
// production: dbship refuses clearly, or terminates those sessions when told to.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { DbshipError } from "../errors.js";
import { connect, databaseName, otherSessions, quoteIdent, quoteLiteral, withDatabase } from "../infra/pg.js";
import type { RestoreResult, RestoreTarget, Scratch, Snapshot, SnapshotProvider } from "./types.js";

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

type Marker = { dbship: "snapshot" | "pre-rollback"; source: string; createdAt: string };

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
    let sessions = await otherSessions(admin, database);
    if (sessions.length > 0 && options.terminateConnections && sessions.some((s) => !s.applicationName.startsWith("dbship"))) {
      options.log?.(`terminating ${sessions.length} session(s) on ${database} (--terminate-connections)`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]);
    }
    const deadline = Date.now() + 5_000;
    while (sessions.length > 0 && Date.now() < deadline) {
      const exiting = options.terminateConnections || sessions.every((s) => s.applicationName.startsWith("dbship"));
      if (!exiting) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      sessions = await otherSessions(admin, database);
    }
    if (sessions.length === 0) return;
    throw sessionsError(database, action, sessions.map((s) => `pid ${s.pid}${s.applicationName ? ` (${s.applicationName})` : ""}${s.clientAddr ? ` from ${s.clientAddr}` : ""}`));
  }

  /**
   * CREATE DATABASE … TEMPLATE, retried briefly when a session slips in between check and copy.
   * NOTE: on PostgreSQL 15+ the FILE_COPY strategy copies files instead of writing the whole
   * database to the WAL: 1.9× faster at 1 GB here (bench/RESULTS.md), at the cost of a checkpoint.
   */
  async function copyDatabase(source: string, target: string, action: string) {
    const admin = await client();
    const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
    const strategy = version >= 150000 ? " STRATEGY FILE_COPY" : "";
    for (let attempt = 1; ; attempt++) {
      await requireIdle(source, action);
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(target)} TEMPLATE ${quoteIdent(source)}${strategy}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "55006" || attempt >= 3) {
          if ((error as { code?: string }).code === "55006") throw sessionsError(source, action, ["a session connected while copying"]);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async function describe(name: string): Promise<Snapshot | undefined> {
    const result = await (await client()).query(
      `SELECT datname, oid::text AS id, shobj_description(oid, 'pg_database') AS comment, pg_database_size(oid)::text AS size
         FROM pg_database WHERE datname = $1 OR oid::text = $1`,
      [name],
    );
    return result.rows.map(toSnapshot).find((snapshot) => snapshot !== undefined);
  }

  function toSnapshot(row: { datname: string; id: string; comment: string | null; size: string }): Snapshot | undefined {
    const marker = parseMarker(row.comment);
    if (!marker || marker.dbship !== "snapshot" || marker.source !== production) return undefined;
    return { name: row.datname, id: row.id, createdAt: marker.createdAt, sizeBytes: Number(row.size) };
  }

  return {
    name: "postgres",

    async createSnapshot(name) {
      if (await exists(name)) {
        throw new DbshipError("SNAPSHOT_NAME_TAKEN", `a database named ${name} already exists`, { hint: "Choose another name." });
      }
      const createdAt = new Date().toISOString();
      await copyDatabase(production, name, "copy it as a snapshot");
      await mark(name, { dbship: "snapshot", source: production, createdAt });
      const snapshot = await describe(name);
      if (!snapshot) throw new DbshipError("SNAPSHOT_FAILED", `snapshot ${name} was created but cannot be read back`);
      return snapshot;
    },

    async listSnapshots() {
      const result = await (await client()).query(
        `SELECT datname, oid::text AS id, shobj_description(oid, 'pg_database') AS comment, pg_database_size(oid)::text AS size
           FROM pg_database WHERE starts_with(datname, $1)`,
        [options.snapshotPrefix],
      );
      return result.rows
        .map(toSnapshot)
        .filter((snapshot): snapshot is Snapshot => snapshot !== undefined)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },

    findSnapshot: describe,

    async connectionString(snapshot) {
      return withDatabase(options.databaseUrl, snapshot.name);
    },

    async restore(target: RestoreTarget, backupName: string): Promise<RestoreResult> {
      if ("time" in target) throw pointInTimeUnsupported();
      const snapshot = await describe(target.snapshot);
      if (!snapshot) throw new DbshipError("SNAPSHOT_NOT_FOUND", `no snapshot named ${target.snapshot}`, { hint: "See `dbship snapshot list`." });
      if (await exists(backupName)) throw new DbshipError("SNAPSHOT_NAME_TAKEN", `a database named ${backupName} already exists`);
      await requireIdle(snapshot.name, "copy the snapshot");
      await requireIdle(production, "set production aside");
      const admin = await client();
      await admin.query(`ALTER DATABASE ${quoteIdent(production)} RENAME TO ${quoteIdent(backupName)}`);
      try {
        await copyDatabase(snapshot.name, production, "copy the snapshot");
      } catch (error) {
        // Put production back where it was: a failed restore must not leave it missing.
        await admin.query(`ALTER DATABASE ${quoteIdent(backupName)} RENAME TO ${quoteIdent(production)}`);
        throw error;
      }
      await mark(backupName, { dbship: "pre-rollback", source: production, createdAt: new Date().toISOString() });
      const backup = await admin.query<{ id: string }>("SELECT oid::text AS id FROM pg_database WHERE datname = $1", [backupName]);
      return {
        backupName,
        backupId: backup.rows[0]?.id ?? "",
        backupConnectionString: withDatabase(options.databaseUrl, backupName),
      };
    },

    async deleteSnapshot(snapshot) {
      await requireIdle(snapshot.name, "drop it");
      await (await client()).query(`DROP DATABASE IF EXISTS ${quoteIdent(snapshot.name)}`);
    },

    async createScratch(from): Promise<Scratch> {
      // Named after production so a leftover copy says where it came from.
      const name = `dbship-scratch-${production.slice(0, 32)}-${randomBytes(3).toString("hex")}`;
      if (from) await copyDatabase(from.name, name, "copy it for the rehearsal");
      else await (await client()).query(`CREATE DATABASE ${quoteIdent(name)}`);
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

    async close() {
      await admin?.end().catch(() => undefined);
      admin = undefined;
    },
  };
}

export function pointInTimeUnsupported(): DbshipError {
  return new DbshipError("PITR_UNSUPPORTED", "the postgres provider has no point-in-time restore", {
    hint: "Restore from a snapshot with `dbship rollback --to <snapshot>` (see `dbship snapshot list`), or use the neon provider, whose history allows --to-time.",
  });
}

function parseMarker(comment: string | null): Marker | undefined {
  if (!comment) return undefined;
  try {
    const value = JSON.parse(comment) as Partial<Marker>;
    return typeof value.dbship === "string" && typeof value.source === "string" && typeof value.createdAt === "string" ? (value as Marker) : undefined;
  } catch {
    return undefined;
  }
}

function sessionsError(database: string, action: string, sessions: string[]): DbshipError {
  return new DbshipError("SESSIONS_ON_DATABASE", `${sessions.length} other session(s) are connected to ${database}, so PostgreSQL cannot ${action}: ${sessions.join(", ")}`, {
    hint: "Stop the application's connections (or point it elsewhere) and run again, or pass --terminate-connections to have dbship terminate them.",
  });
}
