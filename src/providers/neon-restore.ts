// Rollback on Neon: restore the production branch, from another branch or to a point in time,
// with preserve_under_name, so production's state before the restore is kept as the backup.
// What Neon does around a restore is partly open (docs/neon.md, "Restore: open questions"):
// production may keep its branch id or get a new one, and the lineage afterwards differs between
// Neon's pages. So nothing here assumes either: production is found again by name, proven by its
// connection host, and the caller (run-rollback) proves it by its ledger and schema.
import type { Branch, Operation } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import { maskUrl, parseUrl } from "../infra/urls.js";
import type { NeonBranches, NeonContext } from "./neon-branches.js";
import { ROOT_LIMIT_HINT, type NeonFailure } from "./neon-client.js";
import type { NeonConnections } from "./neon-connections.js";
import type { RestoreResult } from "./types.js";

/** Root branches per project by plan (Neon's plans page); undefined when the plan is not known. */
export function rootBranchLimit(subscriptionType: string | undefined): number | undefined {
  if (!subscriptionType) return undefined;
  if (/^free/i.test(subscriptionType)) return 3;
  if (/^launch/i.test(subscriptionType)) return 5;
  if (/^scale/i.test(subscriptionType)) return 25;
  return undefined;
}

export function neonRestore(
  context: NeonContext,
  branches: NeonBranches,
  connections: Pick<NeonConnections, "uriOf">,
  configuredProduction: string,
) {
  const { client, projectId, log } = context;
  const { api } = client;
  const { production, branchNamed, getBranch, listBranches, waitReady } = branches;
  const { uriOf } = connections;

  /** Refuses (exit 3) before anything changes when Neon says it would refuse. */
  async function checkAllowed(prod: Branch, addsRoot: boolean): Promise<void> {
    const restricted = prod.restricted_actions?.find((action) => action.name === "restore");
    if (restricted) throw restoreRestricted(prod.name, restricted.reason);
    const [all, { project }] = await Promise.all([
      listBranches(),
      client.call({ method: "GET", what: "read project" }, () => api.getProject(projectId)),
    ]);
    const branchLimit = project.owner?.branches_limit;
    if (branchLimit && all.length + 1 > branchLimit) {
      throw new DbshipError(
        "SNAPSHOT_LIMIT",
        `the restore keeps production's current state as a new branch, and the project has ${all.length} of the ${branchLimit} branches its plan allows; nothing was changed`,
        { hint: "Delete old snapshots with `dbship snapshot prune` (keeping the one you restore from) or unused branches in the Neon console, then run again." },
      );
    }
    if (prod.parent_id) return;
    const limit = rootBranchLimit(project.owner?.subscription_type);
    const roots = all.filter((branch) => !branch.parent_id).length;
    if (limit === undefined || roots < limit) return;
    if (addsRoot) {
      throw new DbshipError(
        "NEON_ROOT_BRANCH_LIMIT",
        `restoring ${prod.name} to a point in time keeps its backup as a new root branch, and the project already has ${roots} of the ${limit} root branches its plan allows; nothing was changed`,
        { hint: ROOT_LIMIT_HINT },
      );
    }
    // Whether a restore from a branch adds a root is open: try, and say so if Neon refuses.
    log(`neon: the project has ${roots} of ${limit} root branches; if Neon keeps the backup as a root branch it will refuse the restore, changing nothing`);
  }

  async function restoreProduction(
    body: { source_branch_id: string; source_timestamp?: string },
    backupName: string,
    what: string,
    explain?: (failure: NeonFailure) => DbshipError | undefined,
  ): Promise<RestoreResult> {
    const prod = await production();
    const before = await getBranch(prod.id, `read ${prod.name}`);
    await checkAllowed(before, body.source_timestamp !== undefined);
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
        recover: async () => {
          const backup = await branchNamed(backupName);
          if (!backup) return undefined;
          const now = await branchNamed(prod.name);
          const ids = [prod.id, backup.id, now?.id].filter((id): id is string => Boolean(id));
          return { operations: (await Promise.all([...new Set(ids)].map((id) => client.unfinishedOperations(id)))).flat() };
        },
        explain: (failure) => explain?.(failure) ?? explainRefusal(prod.name, failure),
      },
      () => api.restoreProjectBranch(projectId, prod.id, { ...body, preserve_under_name: backupName }),
    );
    await client.waitForOperations(result.operations, what);

    // Production is the branch with production's name, whatever its id is now.
    const now = await branchNamed(prod.name);
    if (!now) {
      throw new DbshipError("ROLLBACK_FAILED", `after the restore, no Neon branch is named ${prod.name}`, {
        hint: `Its state before the restore should be kept as ${backupName}. Check the project's branches in the Neon console.`,
      });
    }
    await waitReady(now.id, what);
    if (now.id !== prod.id) {
      branches.rememberProduction({ id: now.id, name: now.name });
      const pinned = configuredProduction === prod.id;
      log(
        `neon: note: production (${prod.name}) is now branch ${now.id}; ${prod.id} is the backup ${backupName}. ${
          pinned
            ? `dbship.config.json pins neon.productionBranch to the old id: set it to "${prod.name}" (or "${now.id}"), or dbship will refuse to run against the backup.`
            : "neon.productionBranch names it, so nothing needs updating; scripts that use the old id do."
        }`,
      );
    }
    const uriAfter = await uriOf(now.id, now.name).catch(() => undefined);
    if (uriBefore && uriAfter && !sameHost(uriBefore, uriAfter)) {
      log(`neon: ${what}: production's connection host changed: update DATABASE_URL (${maskUrl(uriAfter)})`);
    }
    const backup = await branchNamed(backupName);
    if (!backup) throw new DbshipError("ROLLBACK_FAILED", `Neon restored ${prod.name} but the backup branch ${backupName} is missing`);
    log(`neon: after the restore: ${lineageText(now, backup)}`);
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
        if (failure.code === "ROOT_BRANCHES_LIMIT_EXCEEDED") return undefined;
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

function restoreRestricted(production: string, reason: string): DbshipError {
  return new DbshipError("NEON_RESTORE_RESTRICTED", `Neon does not allow restoring ${production}: ${reason}; nothing was changed`, {
    hint: `\`restore\` is in the branch's restricted_actions (a protected branch, or a project setting). Lift the restriction in the Neon console (Branches → ${production}), or restore production yourself from the snapshot's branch.`,
  });
}

/** Neon's refusal of the restore itself (a protected or restricted branch), as a clear error. */
function explainRefusal(production: string, failure: NeonFailure): DbshipError | undefined {
  if (failure.status === undefined || failure.status < 400 || failure.status >= 500 || failure.status === 423 || failure.status === 429) return undefined;
  if (failure.code === "ROOT_BRANCHES_LIMIT_EXCEEDED" || failure.code === "BRANCHES_LIMIT_EXCEEDED") return undefined;
  if (/protect|restrict/i.test(failure.message)) return restoreRestricted(production, failure.message);
  return undefined;
}

function sameHost(a: string, b: string): boolean {
  return parseUrl(a).host.toLowerCase() === parseUrl(b).host.toLowerCase();
}

/** Lineage as Neon reports it now: read, never assumed. */
function lineageText(production: Branch, backup: Branch): string {
  const of = (branch: Branch) => (branch.parent_id ? `a child of ${branch.parent_id}` : "a root branch");
  return `${production.name} (${production.id}) is ${of(production)}; the backup ${backup.name} (${backup.id}) is ${of(backup)}`;
}

function notRoot(production: string, parent: string | undefined, neonSays?: string): DbshipError {
  return new DbshipError(
    "PITR_UNSUPPORTED",
    `Neon restores to a point in time only on root branches, and production branch ${production} is not one now${parent ? ` (its parent is ${parent})` : ""}${neonSays ? `: ${neonSays}` : ""}`,
    {
      hint: "A restore from a snapshot can leave production a child of another branch (which one depends on Neon; see `dbship snapshot list`). Roll back to a snapshot instead (`dbship rollback --to <snapshot>`), or restore the project's root branch in the Neon console.",
    },
  );
}

function formatSeconds(seconds: number): string {
  return seconds % 86400 === 0 ? `${seconds / 86400} day(s)` : seconds % 3600 === 0 ? `${seconds / 3600} hour(s)` : `${seconds} s`;
}
