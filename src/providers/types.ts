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

export type SnapshotProvider = {
  readonly name: "postgres" | "neon";
  /** Creates a snapshot of production named `name` and waits until it can be connected to. */
  createSnapshot(name: string): Promise<Snapshot>;
  /** Snapshots whose name starts with the configured prefix, newest first. */
  listSnapshots(): Promise<Snapshot[]>;
  /** Looks a snapshot up by name or id; undefined when there is none. */
  findSnapshot(nameOrId: string): Promise<Snapshot | undefined>;
  /** A connection string that reaches the snapshot's copy of the production database. */
  connectionString(snapshot: Snapshot): Promise<string>;
  /** Restores production (to a snapshot or a point in time), keeping its current state as `backupName`. */
  restore(target: RestoreTarget, backupName: string): Promise<RestoreResult>;
  deleteSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * A throwaway copy of production (postgres: of `from`, a snapshot; neon: a new branch).
   * `purpose` names it, so that a leftover says what made it.
   */
  createScratch(from: Snapshot | undefined, purpose?: ScratchPurpose): Promise<Scratch>;
  /**
   * Refuses (exit 3) before anything is made when the backend cannot hold `branches` more
   * objects (neon: the plan's branch limit). Optional: postgres has no such limit.
   */
  checkAllowance?(need: { branches: number }): Promise<void>;
  /** Releases connections and clients (neon: deletes a throwaway branch nobody took over). */
  close(): Promise<void>;
};
