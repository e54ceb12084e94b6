// The neon provider: snapshots are branches of the production branch, made and restored through
// the Neon API (shared/reference/neon-api.md). A snapshot has no expiry (Neon refuses children
// under an expiring branch, and a restore makes production its child) and has a read_write
// endpoint, so its connection string works when the rollback instructions print it. Rollback is a
// branch restore with preserve_under_name, so production keeps its id, host and connection
// string. Every mutation waits for its operations before the branch is used.
import { randomBytes } from "node:crypto";
import { EndpointType, type Branch, type BranchCreateRequest, type Operation } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import { maskUrl } from "../infra/urls.js";
import { NeonClient, type NeonFailure, type NeonTimeouts } from "./neon-client.js";
import type { RestoreResult, RestoreTarget, Scratch, Snapshot, SnapshotProvider } from "./types.js";
import { timestampedName } from "./free-name.js";
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

type Created = { branch: Branch; operations: Operation[]; connectionUri?: string | undefined };

export function createNeonProvider(options: NeonProviderOptions): NeonProvider {
  const client = new NeonClient(options);
  const { api } = client;
  const projectId = options.projectId;
  const log = (line: string) => options.log?.(client.scrub(line));
  let productionRef: { id: string; name: string } | undefined;
  let target: { database: string; role: string } | undefined;
  /** Connection strings Neon already gave (in a create response), by branch id: not asked twice. */
  const knownUris = new Map<string, string>();

  // ---- reads ---------------------------------------------------------------------------------

  async function listBranches(search?: string): Promise<Branch[]> {
    const branches: Branch[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.call({ method: "GET", what: "list branches" }, () =>
        api.listProjectBranches({ projectId, search, cursor, limit: 1000 }),
      );
      branches.push(...page.branches);
      cursor = page.pagination?.next;
    } while (cursor);
    return branches;
  }

  /** `search` is fuzzy (name or id, partial): the exact match is ours to make. */
  async function branchNamed(name: string): Promise<Branch | undefined> {
    return (await listBranches(name)).find((branch) => branch.name === name);
  }

  async function getBranch(id: string, what: string): Promise<Branch> {
    return (await client.call({ method: "GET", what }, () => api.getProjectBranch(projectId, id))).branch;
  }

  async function production(): Promise<{ id: string; name: string }> {
    if (productionRef) return productionRef;
    const branches = await listBranches();
    const wanted = options.productionBranch;
    const match = branches.find((branch) => branch.id === wanted) ?? branches.find((branch) => branch.name === wanted);
    if (!match) {
      const names = branches.map((branch) => branch.name).slice(0, 10).join(", ");
      throw new DbshipError("NEON_NOT_FOUND", `project or branch not found: no branch named "${wanted}" in Neon project ${projectId}`, {
        hint: `Set neon.productionBranch in dbship.config.json to the production branch's name or id${names ? ` (branches: ${names})` : ""}.`,
      });
    }
    productionRef = { id: match.id, name: match.name };
    return productionRef;
  }

  /** The database and role to connect as: configured, or production's only database and its owner. */
  async function databaseAndRole(): Promise<{ database: string; role: string }> {
    if (target) return target;
    const prod = await production();
    let database = options.database;
    let role = options.role;
    if (!database || !role) {
      const { databases } = await client.call({ method: "GET", what: `list databases of ${prod.name}` }, () =>
        api.listProjectBranchDatabases(projectId, prod.id),
      );
      const chosen = database
        ? databases.find((db) => db.name === database)
        : databases.length === 1
          ? databases[0]
          : databases.find((db) => db.name === "neondb");
      if (!chosen) {
        throw new DbshipError("CONFIG_INVALID", `cannot tell which database of Neon branch ${prod.name} is production's`, {
          hint: `Set neon.database (and neon.role) in dbship.config.json; the branch has: ${databases.map((db) => db.name).join(", ") || "no database"}.`,
        });
      }
      database = chosen.name;
      role ??= chosen.owner_name;
    }
    target = { database, role };
    return target;
  }

  /** The branch's connection string; `pooled` asks for the pooler's (its endpoint was checked). */
  async function uriOf(branchId: string, branchName: string, pooled = false): Promise<string> {
    const known = pooled ? undefined : knownUris.get(branchId);
    if (known) return known;
    const { database, role } = await databaseAndRole();
    const { endpoints } = pooled
      ? { endpoints: [{ type: EndpointType.ReadWrite }] }
      : await client.call({ method: "GET", what: `list endpoints of ${branchName}` }, () => api.listProjectBranchEndpoints(projectId, branchId));
    if (!endpoints.some((endpoint) => endpoint.type === EndpointType.ReadWrite)) {
      throw new DbshipError("NEON_API", `Neon branch ${branchName} has no read_write compute, so it has no connection string`, {
        hint: `Add a compute to ${branchName} in the Neon console (Branches → ${branchName} → Add compute), then run again.`,
      });
    }
    const { uri } = await client.call({ method: "GET", what: `connection string of ${branchName}` }, () =>
      api.getConnectionUri({ projectId, branch_id: branchId, database_name: database, role_name: role, pooled }),
    );
    return uri;
  }

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

  // ---- mutations -------------------------------------------------------------------------------

  /** The branch named `name` and its unfinished operations, if an earlier attempt made it. */
  async function recoverBranch(name: string): Promise<Created | undefined> {
    const branch = await branchNamed(name);
    if (!branch) return undefined;
    return { branch, operations: await client.unfinishedOperations(branch.id) };
  }

  /** Creates a branch of production with a read_write endpoint (no duplicate on a retried POST). */
  async function createBranch(name: string, what: string, expiresAt?: Date): Promise<Created> {
    const prod = await production();
    const { role } = await databaseAndRole();
    const body: BranchCreateRequest = {
      branch: { name, parent_id: prod.id, ...(expiresAt ? { expires_at: rfc3339(expiresAt) } : {}) },
      endpoints: [{ type: EndpointType.ReadWrite }],
    };
    log(`neon: ${what}: creating branch ${name} from ${prod.name}`);
    const created = await client.call<Created>(
      { method: "POST", what, recover: () => recoverBranch(name) },
      async () => {
        const { data } = await api.createProjectBranch(projectId, body);
        // Neon includes connection_uris only for a parent with one database and one role.
        const [only] = data.connection_uris ?? [];
        const connectionUri =
          data.connection_uris?.length === 1 && only?.connection_parameters.role === role ? only.connection_uri : undefined;
        return { data: { branch: data.branch, operations: data.operations, connectionUri } };
      },
    );
    const ready = await settle(created, what);
    if (created.connectionUri) knownUris.set(ready.id, created.connectionUri);
    return { ...created, branch: ready };
  }

  /** Waits until the new branch is ready (and returns it); on failure deletes it, so nothing is left behind. */
  async function settle(created: Created, what: string): Promise<Branch> {
    try {
      await client.waitForOperations(created.operations, what);
      return await waitReady(created.branch.id, what);
    } catch (error) {
      const cleaned = await deleteBranch(created.branch.id, created.branch.name).then(
        () => true,
        () => false,
      );
      if (error instanceof DbshipError) {
        const note = cleaned
          ? `The half-made branch ${created.branch.name} was deleted.`
          : `Delete the half-made branch ${created.branch.name} (${created.branch.id}) in the Neon console.`;
        throw new DbshipError(error.code, error.message, { hint: [error.hint, note].filter(Boolean).join(" "), details: error.details });
      }
      throw error;
    }
  }

  async function waitReady(branchId: string, what: string): Promise<Branch> {
    const deadline = Date.now() + client.timeouts.operationsMs;
    let interval = client.timeouts.pollMs;
    for (;;) {
      const branch = await getBranch(branchId, `${what}: read branch`);
      if (branch.current_state === "ready") return branch;
      if (Date.now() + interval > deadline) {
        throw new DbshipError("NEON_OPERATION_FAILED", `${what}: Neon branch ${branch.name} is still ${branch.current_state}`, {
          hint: "Check the branch in the Neon console, then run again.",
        });
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
      interval = Math.min(Math.round(interval * 1.5), client.timeouts.pollMaxMs);
    }
  }

  async function deleteBranch(id: string, name: string): Promise<void> {
    const what = `delete branch ${name}`;
    const gone = { branch: undefined, operations: [] as Operation[] };
    const result = await client.call<{ operations: Operation[] }>(
      {
        method: "DELETE",
        what,
        // Deleting is idempotent: 404 (or 204) means it is gone already.
        accept: (status) => (status === 404 ? gone : undefined),
        recover: async () => {
          const still = await client
            .call({ method: "GET", what, accept: (status) => (status === 404 ? null : undefined) }, () =>
              api.getProjectBranch(projectId, id),
            );
          return still === null ? gone : undefined;
        },
        explain: (failure) =>
          failure.status === 422 && /children/i.test(failure.message)
            ? new DbshipError("NEON_API", `Neon refuses to delete ${name}: it has child branches`, {
                hint: "After a rollback Neon keeps the snapshot and the backup as parents of production; they cannot be deleted while they have children.",
              })
            : undefined,
      },
      async () => {
        const response = await api.deleteProjectBranch({ projectId, branchId: id });
        // 204: "branch doesn't exist or already deleted", with an empty body.
        return { data: typeof response.data === "object" && response.data ? response.data : gone };
      },
    );
    await client.waitForOperations(result.operations ?? [], what);
  }

  async function restoreProduction(
    body: { source_branch_id: string; source_timestamp?: string },
    backupName: string,
    what: string,
    explain?: (failure: NeonFailure) => DbshipError | undefined,
  ): Promise<RestoreResult> {
    const prod = await production();
    if (await branchNamed(backupName)) {
      throw new DbshipError("SNAPSHOT_NAME_TAKEN", `a Neon branch named ${backupName} already exists`, { hint: "Choose another backup name." });
    }
    const uriBefore = await uriOf(prod.id, prod.name).catch(() => undefined);
    log(`neon: ${what}`);
    const result = await client.call<{ operations: Operation[] }>(
      {
        method: "POST",
        what,
        // The restore was applied if the backup branch exists.
        recover: async () => ((await branchNamed(backupName)) ? { operations: await client.unfinishedOperations(prod.id) } : undefined),
        explain,
      },
      () => api.restoreProjectBranch(projectId, prod.id, { ...body, preserve_under_name: backupName }),
    );
    await client.waitForOperations(result.operations, what);
    await waitReady(prod.id, what);

    // Production must still be the same branch: same id under its name, same connection string.
    const byName = await branchNamed(prod.name);
    if (!byName || byName.id !== prod.id) {
      throw new DbshipError("ROLLBACK_FAILED", `after the restore, Neon branch ${prod.name} is ${byName ? `now ${byName.id}` : "gone"}, not ${prod.id}`, {
        hint: "Check the project's branches in the Neon console and point neon.productionBranch at production.",
      });
    }
    const uriAfter = await uriOf(prod.id, prod.name).catch(() => undefined);
    if (uriBefore && uriAfter && uriBefore !== uriAfter) {
      log(`neon: ${what}: production's connection string changed: update DATABASE_URL (${maskUrl(uriAfter)})`);
    }
    const backup = await branchNamed(backupName);
    if (!backup) throw new DbshipError("ROLLBACK_FAILED", `Neon restored ${prod.name} but the backup branch ${backupName} is missing`);
    const backupConnectionString = await uriOf(backup.id, backup.name).catch(() => undefined);
    return { backupName, backupId: backup.id, backupConnectionString };
  }

  // ---- the provider ----------------------------------------------------------------------------

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
      const prod = await production();
      if ("snapshot" in restoreTarget) {
        const snapshot = await provider.findSnapshot(restoreTarget.snapshot);
        if (!snapshot) {
          throw new DbshipError("SNAPSHOT_NOT_FOUND", `no Neon branch named ${restoreTarget.snapshot} (other than production)`, {
            hint: "See `dbship snapshot list`.",
          });
        }
        return restoreProduction(
          { source_branch_id: snapshot.id },
          backupName,
          `restore ${prod.name} from ${snapshot.name}, keeping its current state as ${backupName}`,
        );
      }
      const at = restoreTarget.time;
      const branch = await getBranch(prod.id, `read ${prod.name}`);
      if (branch.parent_id) {
        const parent = await getBranch(branch.parent_id, "read production's parent").catch(() => undefined);
        throw notRoot(prod.name, parent?.name ?? branch.parent_id);
      }
      if (at.getTime() > Date.now()) {
        throw new DbshipError("TIME_OUT_OF_WINDOW", `${at.toISOString()} is in the future`, { hint: "Give a past instant, e.g. just before the deploy started." });
      }
      const { project } = await client.call({ method: "GET", what: "read project" }, () => api.getProject(projectId));
      const windowStart = Date.now() - project.history_retention_seconds * 1000;
      if (at.getTime() < windowStart) {
        throw new DbshipError("TIME_OUT_OF_WINDOW", `${at.toISOString()} is older than the project's restore window (${formatSeconds(project.history_retention_seconds)})`, {
          hint: `Neon keeps history back to ${new Date(windowStart).toISOString()}. Pick a later time, or roll back to a snapshot (\`dbship snapshot list\`).`,
        });
      }
      return restoreProduction(
        { source_branch_id: prod.id, source_timestamp: at.toISOString() },
        backupName,
        `restore ${prod.name} to ${at.toISOString()}, keeping its current state as ${backupName}`,
        (failure) => {
          if (failure.status !== 400 && failure.status !== 422) return undefined;
          if (/root/i.test(failure.message)) return notRoot(prod.name, undefined, failure.message);
          if (/window|retention|history|future/i.test(failure.message)) {
            return new DbshipError("TIME_OUT_OF_WINDOW", `Neon cannot restore ${prod.name} to ${at.toISOString()}: ${failure.message}`, {
              hint: "Pick a time inside the project's history window, or roll back to a snapshot.",
            });
          }
          return undefined;
        },
      );
    },

    async deleteSnapshot(snapshot) {
      log(`neon: deleting snapshot ${snapshot.name}`);
      await deleteBranch(snapshot.id, snapshot.name);
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
          dropping ??= deleteBranch(created.branch.id, name);
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

function notRoot(production: string, parent: string | undefined, neonSays?: string): DbshipError {
  return new DbshipError(
    "PITR_UNSUPPORTED",
    `Neon restores to a point in time only on root branches, and production branch ${production} is no longer one${parent ? ` (its parent is ${parent})` : ""}${neonSays ? `: ${neonSays}` : ""}`,
    {
      hint: "A rollback to a snapshot makes production a child of that snapshot. Roll back to a snapshot instead (`dbship rollback --to <snapshot>`, see `dbship snapshot list`), or restore the project's root branch in the Neon console.",
    },
  );
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function formatSeconds(seconds: number): string {
  return seconds % 86400 === 0 ? `${seconds / 86400} day(s)` : seconds % 3600 === 0 ? `${seconds / 3600} hour(s)` : `${seconds} s`;
}
