// The neon provider: snapshots are branches of the production branch, made and restored through
// the Neon API (what dbship relies on, and what is open, is in docs/neon.md). A snapshot has no
// expiry (Neon refuses children under an expiring branch, and a restore may make production its
// child) and has a read_write endpoint, so its connection string works when the rollback
// instructions print it. Rollback is a branch restore with preserve_under_name; production is
// found again by name afterwards, whether or not Neon gave it a new id. A deploy makes one
// throwaway branch, shared by the schema check and the rehearsal. This module assembles the
// parts: branches (neon-branches), connection strings (neon-connections), restores
// (neon-restore), all over one client (neon-client).
import { randomBytes } from "node:crypto";
import type { Branch } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import { NeonClient, type NeonTimeouts } from "./neon-client.js";
import type { RestoreResult, RestoreTarget, Scratch, ScratchPurpose, Snapshot, SnapshotProvider } from "./types.js";
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

/**
 * A deploy's one throwaway branch (schema check, then rehearsal): never listed as a snapshot,
 * and it expires on its own if a run dies.
 */
export const SCRATCH_PREFIX = "dbship-scratch-";
/** Throwaway branches of earlier versions (one each for the rehearsal and the check). */
export const REHEARSAL_PREFIX = "dbship-rehearsal-";
export const CHECK_PREFIX = "dbship-check-";
const SCRATCH_PREFIXES = [SCRATCH_PREFIX, REHEARSAL_PREFIX, CHECK_PREFIX];
const REHEARSAL_TTL_MS = 24 * 3600_000;

export function createNeonProvider(options: NeonProviderOptions): NeonProvider {
  const client = new NeonClient(options);
  const context = { client, projectId: options.projectId, log: (line: string) => options.log?.(client.scrub(line)) };
  const branches = neonBranches(context, options.productionBranch);
  const connections = neonConnections(context, branches, { database: options.database, role: options.role });
  const restores = neonRestore(context, branches, connections, options.productionBranch);
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

    deployLockUrl: (databaseUrl) => databaseUrl,

    async scratchHost() {
      const branch = await provider.createScratch(undefined, "check");
      return { adminUrl: branch.connectionString, label: "a throwaway Neon branch", release: () => branch.drop() };
    },

    // Point in time: refused by Neon itself where it cannot serve it (a non-root branch, outside the window).
    checkRestoreTarget: () => undefined,

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
        .filter((branch) => SCRATCH_PREFIXES.every((scratch) => options.snapshotPrefix.startsWith(scratch) || !branch.name.startsWith(scratch)))
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

    // One branch per deploy: the schema check (preflight) makes it and only releases it, the
    // rehearsal takes it over and deletes it; close() deletes it if no rehearsal came. It is a
    // branch of production made at preflight, moments before the snapshot (docs/neon.md).
    createScratchOfProduction(purpose) {
      return provider.createScratch(undefined, purpose);
    },

    async createScratch(_from, purpose = "rehearsal"): Promise<Scratch> {
      if (spare) {
        const reused = spare;
        spare = undefined;
        context.log(`neon: ${purpose}: reusing the throwaway branch ${reused.name}`);
        return scratchHandle(reused, purpose);
      }
      const name = `${timestampedName(SCRATCH_PREFIX, new Date())}-${randomBytes(2).toString("hex")}`;
      const what = `create throwaway branch ${name} (${purpose})`;
      let created: Created;
      try {
        created = await createBranch(name, what, new Date(Date.now() + REHEARSAL_TTL_MS));
      } catch (error) {
        // Branch expiry may not be enabled on every account: go without it.
        if (!(error instanceof DbshipError) || error.code !== "NEON_API" || !/expir/i.test(error.message)) throw error;
        created = await createBranch(name, what);
      }
      const connectionString = created.connectionUri ?? (await uriOf(created.branch.id, name));
      return scratchHandle({ name, id: created.branch.id, connectionString }, purpose);
    },

    async checkAllowance({ branches: extra }) {
      // Counted from the listing production's lookup made moments ago: a branch someone adds
      // meanwhile is Neon's to refuse (BRANCHES_LIMIT_EXCEEDED, reported as SNAPSHOT_LIMIT).
      const [all, { project }] = await Promise.all([
        branches.recentBranches(),
        client.call({ method: "GET", what: "read project" }, () => client.api.getProject(options.projectId)),
      ]);
      const limit = project.owner?.branches_limit;
      if (!limit || all.length + extra <= limit) return;
      const snapshots = all.filter((branch) => branch.name.startsWith(options.snapshotPrefix)).length;
      throw new DbshipError(
        "SNAPSHOT_LIMIT",
        `this deploy needs ${extra} more Neon branch(es) (a snapshot and one throwaway branch) and the project has ${all.length} of the ${limit} its plan allows; nothing was changed`,
        {
          hint: `Delete old snapshots with \`dbship snapshot prune\` (${snapshots} snapshot branch(es) now) or unused branches in the Neon console, or raise the plan's branch limit (Free and Launch 10, Scale 25), then run again.`,
        },
      );
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
      // axios keeps no session; only a throwaway branch no rehearsal took over is left to delete.
      const left = spare;
      spare = undefined;
      if (left) await branches.deleteBranch(left.id, left.name);
    },
  };

  type ScratchBranch = { name: string; id: string; connectionString: string };
  /** The check's branch once released, until the rehearsal takes it or close() deletes it. */
  let spare: ScratchBranch | undefined;

  function scratchHandle(branch: ScratchBranch, purpose: ScratchPurpose): Scratch {
    let dropping: Promise<void> | undefined;
    return {
      ...branch,
      drop() {
        if (purpose === "check") {
          // Its databases are dropped already; keep the branch for the rehearsal.
          if (!dropping) {
            spare = branch;
            dropping = Promise.resolve();
          }
          return dropping;
        }
        dropping ??= branches.deleteBranch(branch.id, branch.name);
        return dropping;
      },
    };
  }
  return provider;
}

/** A branch as a snapshot; `all` (the project's branches) tells whether it has children. */
function toSnapshot(branch: Branch, all: Branch[]): Snapshot {
  const children = all.filter((other) => other.parent_id === branch.id);
  let protectedReason: string | undefined;
  if (children.length > 0) {
    protectedReason = `it has child branches (${children.map((child) => child.name).join(", ")}): Neon cannot delete a branch with children`;
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
