// Neon branches' lifecycle, as the neon provider uses them: list and find, find production,
// create a branch of production and wait until it is ready (deleting it if it never is), delete
// one idempotently. Every mutation waits for its operations before the branch is used.
import { EndpointType, type Branch, type BranchCreateRequest, type Operation } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import type { NeonClient } from "./neon-client.js";

/** What every part of the neon provider works with: the client, the project, the scrubbed log. */
export type NeonContext = { client: NeonClient; projectId: string; log: (line: string) => void };

export type Created = { branch: Branch; operations: Operation[]; connectionUri?: string | undefined };

export type NeonBranches = ReturnType<typeof neonBranches>;

/** `productionBranch` is production's name or id; it is looked up once, then remembered. */
export function neonBranches({ client, projectId, log }: NeonContext, productionBranch: string) {
  const { api } = client;
  let productionRef: { id: string; name: string } | undefined;
  /** The last full listing, for checks that may use a few seconds' old counts (not for lookups). */
  let lastFullList: Branch[] | undefined;

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
    if (!search) lastFullList = branches;
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
    const wanted = productionBranch;
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

  /** The branch named `name` and its unfinished operations, if an earlier attempt made it. */
  async function recoverBranch(name: string): Promise<Created | undefined> {
    const branch = await branchNamed(name);
    if (!branch) return undefined;
    return { branch, operations: await client.unfinishedOperations(branch.id) };
  }

  /**
   * Creates a branch of production with a read_write endpoint (no duplicate on a retried POST).
   * `connectionUri` is the one Neon returned for `role`, if it returned exactly one.
   */
  async function createBranch(name: string, what: string, role: string, expiresAt?: Date): Promise<Created> {
    const prod = await production();
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
    return { ...created, branch: await settle(created, what) };
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
                hint: "Neon cannot delete a branch that has children; `dbship snapshot list` shows which branches are parents now. Delete the children first, or keep it.",
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

  /** After a restore that gave production another id (found by name), use that id from now on. */
  function rememberProduction(ref: { id: string; name: string }): void {
    productionRef = ref;
  }

  /** The project's branches as last listed in full (production's lookup), or listed now. */
  async function recentBranches(): Promise<Branch[]> {
    return lastFullList ?? listBranches();
  }

  return { listBranches, recentBranches, branchNamed, getBranch, production, rememberProduction, createBranch, waitReady, deleteBranch };
}

/** expires_at: RFC 3339, to the second. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
