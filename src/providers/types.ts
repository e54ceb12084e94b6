// What the pipeline needs from a backend that can copy and restore production. Each method
// returns only once the backend says the object is ready to use (operations finished, database
// created), so callers can connect right away.

export type Snapshot = {
  /** Database name (postgres) or branch name (neon). What users type after --to. */
  name: string;
  /** Database oid (postgres) or branch id (neon). */
  id: string;
  /** ISO-8601, UTC. */
  createdAt: string;
  /** Size in bytes where the backend knows it. */
  sizeBytes?: number | undefined;
  /** Why it must not be deleted, if it must not (e.g. a Neon branch that has children). */
  protectedReason?: string | undefined;
  /** postgres: a snapshot, or the backup of production a rollback made (pre-rollback-…). */
  kind?: "snapshot" | "pre-rollback" | undefined;
};

/** Something found next to production that the user should know about (see postgres-inventory.ts). */
export type ServerNotice = {
  kind: "interrupted-rollback" | "restored" | "leftover" | "untrusted" | "production-missing";
  name: string;
  message: string;
  hint?: string | undefined;
};

export type Housekeeping = {
  notices: ServerNotice[];
  /** Leftovers dropped by this run. */
  dropped: string[];
  /** Leftovers found and kept, with why (in use, owned by someone else, not dbship's to drop). */
  leftovers: Array<{ name: string; kind: string; reason: string }>;
  /** Trusted backups of production made by rollback (postgres), newest first. */
  backups: Snapshot[];
};

export type ScratchPurpose = "rehearsal" | "check";

/** A throwaway copy of production, for the rehearsal or the schema check. */
export type Scratch = {
  name: string;
  id: string;
  connectionString: string;
  /** Deletes it; safe to call twice. */
  drop(): Promise<void>;
};

export type RestoreTarget = { snapshot: string } | { time: Date };

export type RestoreResult = {
  /** Name of the backup (database or branch) holding production as it was before the restore. */
  backupName: string;
  backupId: string;
  /** Connection string of the backup, where one exists. */
  backupConnectionString?: string | undefined;
};

/** A server on which dbship may create throwaway databases for the schema checks. */
export type ScratchHost = {
  /** A database on it from which the role may CREATE DATABASE. */
  adminUrl: string;
  /** Where it is, for messages ("production's server", "a throwaway Neon branch"). */
  label: string;
  /** Gives it back once its databases are dropped (neon: deletes the branch). */
  release(): Promise<void>;
};

/**
 * Everything that differs between backends is a member of this type: no code outside
 * src/providers/ asks which backend it has (scripts/check-imports.mjs keeps the layers, the
 * README of this folder says what each member does per backend).
 */
export type SnapshotProvider = {
  readonly name: "postgres" | "neon";
  /**
   * Where the deploy lock's session sits. postgres: the maintenance database, because production
   * is about to be copied as a template and must have no session. neon: production itself (a
   * branch copy does not need an idle parent, and there may be no other database to use).
   */
  deployLockUrl(databaseUrl: string): string;
  /**
   * Where the schema checks make their databases. postgres: production's own server (same
   * version, same extensions), through the maintenance database. neon: a throwaway branch of
   * production, deleted on release.
   */
  scratchHost(): Promise<ScratchHost>;
  /** Refuses (bad input, exit 2) a restore target the backend cannot serve, before anything is done. */
  checkRestoreTarget(target: RestoreTarget): void;
  /** Creates a snapshot of production named `name` and waits until it can be connected to. */
  createSnapshot(name: string, options?: { signal?: AbortSignal | undefined }): Promise<Snapshot>;
  /** Snapshots whose name starts with the configured prefix, newest first. */
  listSnapshots(): Promise<Snapshot[]>;
  /** Looks a snapshot up by name or id; undefined when there is none. */
  findSnapshot(nameOrId: string): Promise<Snapshot | undefined>;
  /** A connection string that reaches the snapshot's copy of the production database. */
  connectionString(snapshot: Snapshot): Promise<string>;
  /** Restores production (to a snapshot or a point in time), keeping its current state as `backupName`. */
  restore(target: RestoreTarget, backupName: string, options?: { signal?: AbortSignal | undefined }): Promise<RestoreResult>;
  deleteSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * A throwaway copy of production (postgres: of `from`, a snapshot; neon: a new branch).
   * `purpose` names it, so that a leftover says what made it.
   */
  createScratch(from: Snapshot | undefined, purpose?: ScratchPurpose): Promise<Scratch>;
  /**
   * A throwaway copy of production as it is now (`dbship plan`). postgres: production copied as a
   * template, like a snapshot, so nobody else may be connected to it. neon: a new branch.
   */
  createScratchOfProduction(purpose?: ScratchPurpose): Promise<Scratch>;
  /**
   * Refuses (exit 3) before anything is made when the backend cannot hold `branches` more
   * objects (neon: the plan's branch limit). Optional: postgres has no such limit.
   */
  checkAllowance?(need: { branches: number }): Promise<void>;
  /**
   * postgres: what interrupted runs left next to production, and notices for the report. With
   * `clean` (only while holding the deploy lock) the leftovers that are safe to drop are dropped.
   */
  housekeeping?(options: { clean: boolean }): Promise<Housekeeping>;
  /** Releases connections and clients (neon: deletes a throwaway branch nobody took over). */
  close(): Promise<void>;
};
