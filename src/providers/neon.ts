// The neon provider: snapshots are branches of the production branch, made and restored through
// the Neon API (shared/reference/neon-api.md). A snapshot has no expiry (Neon refuses children
// under an expiring branch, and a restore makes production its child) and has a read_write
// endpoint, so its connection string works when the rollback instructions print it. Rollback is a
// branch restore with preserve_under_name, so production keeps its id, host and connection
// string. This module assembles the parts: branches (neon-branches), connection strings
// (neon-connections), restores (neon-restore), all over one client (neon-client).
import { randomBytes } from "node:crypto";
import type { Branch } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import { NeonClient, type NeonTimeouts } from "./neon-client.js";
import type { RestoreResult, RestoreTarget, Scratch, Snapshot, SnapshotProvider } from "./types.js";
import { timestampedName } from "./free-name.js";
import { neonBranches, type Created } from "./neon-branches.js";
import { neonConnections } from "./neon-connections.js";
import { neonRestore } from "./neon-restore.js";
import { checkProductionUrl } from "./neon-target.js";

export type { NeonTimeouts } from "./neon-client.js";
export { checkProductionUrl } from "./neon-target.js";

export type NeonProviderOptions = {
  apiKey: string;
  /** NEON_API_HOST; Neon's public API when absent. */
  apiHost?: string | undefined;
  projectId: string;
  /** The production branch, by name or id. */
  productionBranch: string;
  /** Production's database and role; by default its only database and that database's owner. */
  database?: string | undefined;
  role?: string | undefined;
  snapshotPrefix: string;
  log?: ((line: string) => void) | undefined;
  timeouts?: Partial<NeonTimeouts> | undefined;
};

export type NeonProvider = SnapshotProvider & {
  readonly name: "neon";
  /** Production's direct connection string, as Neon gives it. */
  productionConnectionString(): Promise<string>;
  /** Refuses a DATABASE_URL that is not production's direct connection (see checkProductionUrl). */
  verifyDatabaseUrl(databaseUrl: string): Promise<void>;
};

/** Rehearsal branches: never listed as snapshots, and they expire on their own if a run dies. */
export const REHEARSAL_PREFIX = "dbship-rehearsal-";
/** The schema check's throwaway branches: never listed as snapshots either. */
export const CHECK_PREFIX = "dbship-check-";
const REHEARSAL_TTL_MS = 24 * 3600_000;

export function createNeonProvider(options: NeonProviderOptions): NeonProvider {
  const client = new NeonClient(options);
  const context = { client, projectId: options.projectId, log: (line: string) => options.log?.(client.scrub(line)) };
  const branches = neonBranches(context, options.productionBranch);
  const connections = neonConnections(context, branches, { database: options.database, role: options.role });
  const restores = neonRestore(context, branches, connections);
  const { listBranches, branchNamed, production } = branches;
  const { uriOf } = connections;

  /** A branch of production, its connection string remembered when Neon returned it. */
  async function createBranch(name: string, what: string, expiresAt?: Date): Promise<Created> {
    const { role } = await connections.databaseAndRole();
    const created = await branches.createBranch(name, what, role, expiresAt);
    connections.remember(created.branch.id, created.connectionUri);
    return created;
  }

  const provider: NeonProvider = {
    name: "neon",

    async createSnapshot(name) {
      if (await branchNamed(name)) {
        throw new DbshipError("SNAPSHOT_NAME_TAKEN", `a Neon branch named ${name} already exists`, { hint: "Choose another name." });
      }
      const created = await createBranch(name, `create snapshot ${name}`);
      return toSnapshot(created.branch, []);
    },

    async listSnapshots() {
      const prod = await production();
      const all = await listBranches();
      return all
        .filter((branch) => branch.name.startsWith(options.snapshotPrefix) && branch.id !== prod.id)
        .filter((branch) =>
          [REHEARSAL_PREFIX, CHECK_PREFIX].every((scratch) => options.snapshotPrefix.startsWith(scratch) || !branch.name.startsWith(scratch)),
        )
        .map((branch) => toSnapshot(branch, all))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
    },

    // Any branch but production: `rollback --to` may name a snapshot or an earlier backup.
    async findSnapshot(nameOrId) {
      const prod = await production();
      const all = await listBranches();
      const branch = all.find((b) => b.id === nameOrId) ?? all.find((b) => b.name === nameOrId);
      return branch && branch.id !== prod.id ? toSnapshot(branch, all) : undefined;
    },

    async connectionString(snapshot) {
      return uriOf(snapshot.id, snapshot.name);
    },

    async restore(restoreTarget: RestoreTarget, backupName: string): Promise<RestoreResult> {
      if ("snapshot" in restoreTarget) {
        const snapshot = await provider.findSnapshot(restoreTarget.snapshot);
        if (!snapshot) {
          throw new DbshipError("SNAPSHOT_NOT_FOUND", `no Neon branch named ${restoreTarget.snapshot} (other than production)`, {
            hint: "See `dbship snapshot list`.",
          });
        }
        return restores.fromBranch(snapshot, backupName);
      }
      return restores.toTime(restoreTarget.time, backupName);
    },

    async deleteSnapshot(snapshot) {
      context.log(`neon: deleting snapshot ${snapshot.name}`);
      await branches.deleteBranch(snapshot.id, snapshot.name);
    },

    async createScratch(_from, purpose = "rehearsal"): Promise<Scratch> {
      // A branch of production: same data as the snapshot just taken, and no child under it.
      const prefix = purpose === "check" ? CHECK_PREFIX : REHEARSAL_PREFIX;
      const name = `${timestampedName(prefix, new Date())}-${randomBytes(2).toString("hex")}`;
      const what = `create rehearsal branch ${name}`;
      let created: Created;
      try {
        created = await createBranch(name, what, new Date(Date.now() + REHEARSAL_TTL_MS));
      } catch (error) {
        // Branch expiry may not be enabled on every account: go without it.
        if (!(error instanceof DbshipError) || error.code !== "NEON_API" || !/expir/i.test(error.message)) throw error;
        created = await createBranch(name, what);
      }
      const connectionString = created.connectionUri ?? (await uriOf(created.branch.id, name));
      let dropping: Promise<void> | undefined;
      return {
        name,
        id: created.branch.id,
        connectionString,
        drop() {
          dropping ??= branches.deleteBranch(created.branch.id, name);
          return dropping;
        },
      };
    },

    async productionConnectionString() {
      const prod = await production();
      return uriOf(prod.id, prod.name);
    },

    async verifyDatabaseUrl(databaseUrl) {
      const prod = await production();
      const direct = await uriOf(prod.id, prod.name);
      const pooled = await uriOf(prod.id, prod.name, true).catch(() => undefined);
      checkProductionUrl(databaseUrl, { branchName: prod.name, direct, pooled });
    },

    async close() {
      // Nothing held open: axios keeps no session that needs closing.
    },
  };
  return provider;
}

/** A branch as a snapshot; `all` (the project's branches) tells whether it has children. */
function toSnapshot(branch: Branch, all: Branch[]): Snapshot {
  const children = all.filter((other) => other.parent_id === branch.id);
  let protectedReason: string | undefined;
  if (children.length > 0) {
    protectedReason = `it has child branches (${children.map((child) => child.name).join(", ")}): Neon cannot delete it (a rollback makes the snapshot and the backup parents of production)`;
  } else if (branch.protected) {
    protectedReason = "it is a protected Neon branch";
  } else if (branch.default) {
    protectedReason = "it is the project's default branch";
  }
  return {
    name: branch.name,
    id: branch.id,
    createdAt: new Date(branch.created_at).toISOString(),
    sizeBytes: branch.logical_size,
    protectedReason,
  };
}
