// Rollback on Neon: restore the production branch, from another branch or to a point in time,
// with preserve_under_name, so production keeps its id, host and connection string and its state
// before the restore is kept as the backup branch.
import type { Operation } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import { maskUrl } from "../infra/urls.js";
import type { NeonBranches, NeonContext } from "./neon-branches.js";
import type { NeonFailure } from "./neon-client.js";
import type { NeonConnections } from "./neon-connections.js";
import type { RestoreResult } from "./types.js";

export function neonRestore(context: NeonContext, branches: NeonBranches, connections: Pick<NeonConnections, "uriOf">) {
  const { client, projectId, log } = context;
  const { api } = client;
  const { production, branchNamed, getBranch, waitReady } = branches;
  const { uriOf } = connections;

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

  /** Production becomes a copy of `source` (a snapshot or an earlier backup). */
  async function fromBranch(source: { id: string; name: string }, backupName: string): Promise<RestoreResult> {
    const prod = await production();
    return restoreProduction(
      { source_branch_id: source.id },
      backupName,
      `restore ${prod.name} from ${source.name}, keeping its current state as ${backupName}`,
    );
  }

  /** Production as it was at `at`: only on a root branch, within the project's history window. */
  async function toTime(at: Date, backupName: string): Promise<RestoreResult> {
    const prod = await production();
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
  }

  return { fromBranch, toTime };
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

function formatSeconds(seconds: number): string {
  return seconds % 86400 === 0 ? `${seconds / 86400} day(s)` : seconds % 3600 === 0 ? `${seconds / 3600} hour(s)` : `${seconds} s`;
}
