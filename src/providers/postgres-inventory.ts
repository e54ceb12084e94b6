// What dbship finds on production's PostgreSQL server besides production: its snapshots and
// rollback backups (trusted or not), the copy of an interrupted rollback, and the leftovers of
// interrupted runs. Every database dbship makes carries a JSON comment (its marker); trust
// rests on the database's owner, which a role with CREATEDB cannot forge (docs/snapshot-trust.md).
import type pg from "pg";
import { copyPrefix } from "./database-names.js";
import type { Snapshot } from "./types.js";

export type MarkerKind = "snapshot" | "pre-rollback" | "rollback-copy" | "scratch" | "production";

export type Marker = {
  dbship: MarkerKind;
  /** Production's database name. */
  source: string;
  createdAt: string;
  /** rollback-copy and production (after a rollback): the snapshot it holds, by name and oid. */
  snapshot?: string;
  snapshotId?: string;
  /** rollback-copy and production: where production's previous state goes / went. */
  backup?: string;
};

export function parseMarker(comment: string | null): Marker | undefined {
  if (!comment) return undefined;
  try {
    const value = JSON.parse(comment) as Partial<Marker>;
    return typeof value.dbship === "string" && typeof value.source === "string" && typeof value.createdAt === "string" ? (value as Marker) : undefined;
  } catch {
    return undefined;
  }
}

export type DatabaseRow = { name: string; id: string; owner: string; comment: string | null; sizeBytes: number | undefined; sessions: number };

export type Leftover = {
  name: string;
  kind: "incomplete-snapshot" | "rollback-copy" | "scratch" | "check";
  /** What left it behind, for the report. */
  reason: string;
  /** Safe to drop now: dbship's own role owns it and nobody is connected. */
  droppable: boolean;
};

export type Untrusted = { name: string; owner: string; reason: string };

export type Inventory = {
  /** The role dbship connects as. */
  role: string;
  production: { exists: boolean; owner: string | null; marker: Marker | undefined };
  /** Trusted snapshots of production (any name), newest first. */
  snapshots: Snapshot[];
  /** Trusted pre-rollback backups of production, newest first. */
  backups: Snapshot[];
  untrusted: Untrusted[];
  /** Complete copies of a snapshot made by a rollback that stopped before its swap. */
  rollbackCopies: Array<{ name: string; id: string; marker: Marker; sessions: number }>;
  leftovers: Leftover[];
};

/** Scratch databases of `dbship check` and the schema check: dbship-<purpose>-<ms base36>-<6 hex>. */
const CHECK_NAME = /^dbship-([a-z]+)-([0-9a-z]{7,10})-[0-9a-f]{6}$/;
/** A check database older than this is no run's any more: a check takes seconds. */
const CHECK_MAX_AGE_MS = 60 * 60 * 1000;

/** Every database's name, owner, marker and session count (sizes: see withSizes, only where shown). */
export async function readDatabases(client: pg.ClientBase): Promise<{ role: string; rows: DatabaseRow[] }> {
  const role = (await client.query<{ role: string }>("SELECT current_user AS role")).rows[0]?.role ?? "";
  const result = await client.query<{ name: string; id: string; owner: string; comment: string | null; size: string | null; sessions: number }>(
    `SELECT d.datname AS name, d.oid::text AS id, pg_get_userbyid(d.datdba) AS owner,
            shobj_description(d.oid, 'pg_database') AS comment, NULL::text AS size,
            (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid()) AS sessions
       FROM pg_database d WHERE NOT d.datistemplate`,
  );
  return {
    role,
    rows: result.rows.map((row) => ({ name: row.name, id: row.id, owner: row.owner, comment: row.comment, sizeBytes: row.size === null ? undefined : Number(row.size), sessions: row.sessions })),
  };
}

export function classifyDatabases(rows: DatabaseRow[], role: string, production: string, snapshotPrefix: string, now = Date.now()): Inventory {
  const prod = rows.find((row) => row.name === production);
  const inventory: Inventory = {
    role,
    production: { exists: Boolean(prod), owner: prod?.owner ?? null, marker: prod ? parseMarker(prod.comment) : undefined },
    snapshots: [],
    backups: [],
    untrusted: [],
    rollbackCopies: [],
    leftovers: [],
  };
  // Owners a CREATEDB role cannot hand a database to unless it may SET ROLE to them.
  const trustedOwners = new Set([role, prod?.owner].filter((owner): owner is string => Boolean(owner)));
  const scratchPrefix = copyPrefix("dbship-scratch-", production);
  const rollbackPrefix = copyPrefix("dbship-rollback-", production);
  for (const row of rows) {
    if (row.name === production) continue;
    const marker = parseMarker(row.comment);
    const droppable = row.owner === role && row.sessions === 0;
    if (marker && marker.source === production) {
      if (marker.dbship === "snapshot" || marker.dbship === "pre-rollback") {
        if (!trustedOwners.has(row.owner)) {
          inventory.untrusted.push({ name: row.name, owner: row.owner, reason: `owned by ${row.owner}, not by ${[...trustedOwners].join(" or ")} (the role dbship uses or production's owner)` });
          continue;
        }
        const snapshot: Snapshot = { name: row.name, id: row.id, createdAt: marker.createdAt, sizeBytes: row.sizeBytes, kind: marker.dbship };
        (marker.dbship === "snapshot" ? inventory.snapshots : inventory.backups).push(snapshot);
      } else if (marker.dbship === "rollback-copy" && trustedOwners.has(row.owner)) {
        inventory.rollbackCopies.push({ name: row.name, id: row.id, marker, sessions: row.sessions });
      } else if (marker.dbship === "scratch") {
        inventory.leftovers.push({ name: row.name, kind: "scratch", reason: "a rehearsal copy an interrupted deploy left", droppable });
      }
      continue;
    }
    if (marker) continue; // another production's
    if (row.name.startsWith(snapshotPrefix)) {
      inventory.leftovers.push({ name: row.name, kind: "incomplete-snapshot", reason: "a copy of production that an interrupted snapshot never marked (not a snapshot: it may be incomplete)", droppable });
    } else if (row.name.startsWith(rollbackPrefix)) {
      inventory.leftovers.push({ name: row.name, kind: "rollback-copy", reason: "an unfinished copy of a snapshot left by an interrupted rollback, which stopped before touching production: production is unchanged", droppable });
    } else if (row.name.startsWith(scratchPrefix)) {
      inventory.leftovers.push({ name: row.name, kind: "scratch", reason: "a rehearsal copy an interrupted deploy left", droppable });
    } else {
      const check = CHECK_NAME.exec(row.name);
      const born = check ? Number.parseInt(check[2]!, 36) : NaN;
      if (check && check[1] !== "scratch" && check[1] !== "rollback" && Number.isFinite(born) && now - born > CHECK_MAX_AGE_MS && born < now) {
        inventory.leftovers.push({ name: row.name, kind: "check", reason: `a schema-check database made ${new Date(born).toISOString()} by an interrupted run`, droppable });
      }
    }
  }
  const newestFirst = (a: Snapshot, b: Snapshot) => b.createdAt.localeCompare(a.createdAt);
  inventory.snapshots.sort(newestFirst);
  inventory.backups.sort(newestFirst);
  return inventory;
}

/** Fills in sizes for the databases that are shown (pg_database_size reads a directory each). */
export async function withSizes(client: pg.ClientBase, snapshots: Snapshot[]): Promise<Snapshot[]> {
  if (snapshots.length === 0) return snapshots;
  const result = await client.query<{ name: string; size: string | null }>(
    `SELECT datname AS name, CASE WHEN has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid)::text END AS size
       FROM pg_database WHERE datname = ANY($1)`,
    [snapshots.map((s) => s.name)],
  );
  const sizes = new Map(result.rows.map((row) => [row.name, row.size === null ? undefined : Number(row.size)]));
  return snapshots.map((s) => ({ ...s, sizeBytes: sizes.get(s.name) }));
}
