// Classifies every migration from the folder and the ledger, as Prisma's engine does, because
// `prisma migrate status` exits 0 for edited, missing and rolled-back migrations.
import type { LedgerRow } from "./ledger.js";
import { checksumMatches, type LocalMigration } from "./local-migrations.js";

/** "running": its ledger row is unfinished while a Prisma session still works on it (running-migrations.ts). */
export type MigrationState = "applied" | "pending" | "failed" | "modified" | "missing" | "running";

export type MigrationEntry = {
  name: string;
  state: MigrationState;
  startedAt: string | null;
  finishedAt: string | null;
  /** The database's error, for a failed migration. */
  logs: string | null;
  /** Pending, but sorts before a migration that is already applied (Prisma applies it anyway). */
  outOfOrder?: boolean;
};

export type MigrationStatus = {
  entries: MigrationEntry[];
  applied: string[];
  pending: string[];
  failed: string[];
  modified: string[];
  missing: string[];
  /** Being applied right now by a Prisma that is still running (set by running-migrations.ts). */
  running?: string[];
};

export function classifyMigrations(local: LocalMigration[], rows: LedgerRow[]): MigrationStatus {
  const live = rows.filter((row) => row.rolledBackAt === null);
  const byName = new Map<string, LedgerRow[]>();
  for (const row of live) byName.set(row.migrationName, [...(byName.get(row.migrationName) ?? []), row]);

  const entries: MigrationEntry[] = [];
  const localNames = new Set(local.map((migration) => migration.name));
  let lastApplied = "";
  for (const migration of local) {
    const named = byName.get(migration.name) ?? [];
    const failed = named.find((row) => row.finishedAt === null);
    // The effective applied row is the newest finished one (older attempts may be stale).
    const applied = named.filter((row) => row.finishedAt !== null).at(-1);
    if (failed) entries.push(entryOf(migration.name, "failed", failed));
    else if (applied) {
      const state = checksumMatches(applied.checksum, migration.sql) ? "applied" : "modified";
      entries.push(entryOf(migration.name, state, applied));
      lastApplied = migration.name;
    } else entries.push({ name: migration.name, state: "pending", startedAt: null, finishedAt: null, logs: null });
  }
  for (const entry of entries) {
    if (entry.state === "pending" && lastApplied && entry.name.localeCompare(lastApplied) < 0) entry.outOfOrder = true;
  }
  // Failed rows of a name that is not on disk any more still block Prisma (P3009).
  const missingNames = [...byName.keys()].filter((name) => !localNames.has(name));
  for (const name of missingNames) {
    const named = byName.get(name) ?? [];
    const failed = named.find((row) => row.finishedAt === null);
    entries.push(entryOf(name, failed ? "failed" : "missing", failed ?? named.at(-1)));
  }
  const names = (state: MigrationState) => entries.filter((entry) => entry.state === state).map((entry) => entry.name);
  return {
    entries,
    applied: names("applied"),
    pending: names("pending"),
    failed: names("failed"),
    modified: names("modified"),
    missing: names("missing"),
  };
}

function entryOf(name: string, state: MigrationState, row: LedgerRow | undefined): MigrationEntry {
  return {
    name,
    state,
    startedAt: row ? row.startedAt.toISOString() : null,
    finishedAt: row?.finishedAt ? row.finishedAt.toISOString() : null,
    logs: row?.logs ?? null,
  };
}
