// The real databases behind the emulated branches, on the test PostgreSQL server. All DDL goes
// through the superuser connection of the `postgres` database; branch data is copied with
// copy-database.ts so that a parent with open sessions is never disturbed.
import { createHash } from "node:crypto";
import pg from "pg";
import { copyDatabase } from "./copy-database.js";

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL truncates identifiers at 63 bytes: keep long names unique instead. */
export function physicalName(...parts: string[]): string {
  const name = parts.join("_").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
  if (name.length <= 63) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 54)}_${hash}`;
}

/**
 * Role passwords are cluster-wide in PostgreSQL, and several emulators (one per test file) share
 * the test server, so a role's password is derived from its name: every emulator agrees on it.
 */
export function rolePassword(role: string): string {
  return `npg_${createHash("sha256").update(`neon-emulator:${role}`).digest("base64url").slice(0, 12)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PhysicalCluster {
  readonly host: string;
  readonly port: number;
  private readonly admin: pg.Pool;

  constructor(private readonly adminUrl: string) {
    const url = new URL(adminUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 5432);
    this.admin = new pg.Pool({ connectionString: adminUrl, max: 4, idleTimeoutMillis: 1000 });
  }

  /** URL of `database` as the superuser (for the emulator's own copies and for tests). */
  superuserUrl(database: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }

  async query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.admin.query<T>(sql, params)).rows;
  }

  async ensureRole(role: string, password: string): Promise<void> {
    // Neon's owner role can create databases and roles (it is a member of neon_superuser).
    const options = `LOGIN CREATEDB CREATEROLE PASSWORD '${password.replace(/'/g, "''")}'`;
    for (let attempt = 0; ; attempt++) {
      try {
        const exists = await this.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
        await this.query(`${exists.length > 0 ? "ALTER" : "CREATE"} ROLE ${ident(role)} ${options}`);
        return;
      } catch (error) {
        // Another emulator created it between our check and CREATE: go again.
        if (attempt >= 3) throw error;
      }
    }
  }

  async createEmptyDatabase(name: string, owner: string): Promise<void> {
    // template0 never has sessions, so CREATE DATABASE never waits on anyone.
    await this.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(owner)} TEMPLATE template0`);
  }

  /**
   * Creates `target` holding a consistent copy of `source`, not connectable (datallowconn off):
   * the branch it belongs to only opens once its operations finish. Built under a temporary name
   * so that nobody can reach a half-copied database.
   */
  async copyDatabase(source: string, target: string, owner: string): Promise<void> {
    const building = physicalName(target, "copying");
    await this.dropDatabase(building);
    await this.createEmptyDatabase(building, owner);
    try {
      await this.withConnectable(source, () =>
        copyDatabase(this.superuserUrl(source), this.superuserUrl(building)),
      );
      await this.setConnectable(building, false);
      await this.rename(building, target);
    } catch (error) {
      await this.dropDatabase(building).catch(() => undefined);
      throw error;
    }
  }

  async createClosedEmptyDatabase(name: string, owner: string): Promise<void> {
    await this.createEmptyDatabase(name, owner);
    await this.setConnectable(name, false);
  }

  async exists(name: string): Promise<boolean> {
    return (await this.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).length > 0;
  }

  async isConnectable(name: string): Promise<boolean> {
    const rows = await this.query<{ datallowconn: boolean }>("SELECT datallowconn FROM pg_database WHERE datname = $1", [
      name,
    ]);
    return rows[0]?.datallowconn === true;
  }

  async setConnectable(name: string, allowed: boolean): Promise<void> {
    await this.query(`ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS ${allowed}`);
  }

  /** Runs `fn` while `name` accepts connections (the emulator itself must read closed databases). */
  async withConnectable<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const wasOpen = await this.isConnectable(name);
    if (!wasOpen) await this.setConnectable(name, true);
    try {
      return await fn();
    } finally {
      if (!wasOpen) await this.setConnectable(name, false).catch(() => undefined);
    }
  }

  async terminateSessions(name: string): Promise<void> {
    await this.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [
      name,
    ]);
  }

  /** Closes `name` to new sessions, ends the open ones and renames it: what a restore does to the target. */
  async closeAndRename(name: string, to: string): Promise<void> {
    await this.setConnectable(name, false);
    await this.rename(name, to, true);
  }

  private async rename(from: string, to: string, terminate = false): Promise<void> {
    // pg_terminate_backend only signals: the sessions may take a moment to go away.
    for (let attempt = 0; ; attempt++) {
      if (terminate) await this.terminateSessions(from);
      try {
        await this.query(`ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "55006" || attempt >= 100) throw error;
        await sleep(50);
      }
    }
  }

  async dropDatabase(name: string): Promise<void> {
    await this.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  }

  async close(): Promise<void> {
    await this.admin.end();
  }
}
