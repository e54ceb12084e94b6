// Per-test fault injection: a fault is armed for a route (named like the api-client method that
// calls it) and fires on the next N matching requests, in the order they were armed.
import type { OperationFailure } from "./operations.js";

export const ROUTES = [
  "getProject",
  "listProjectBranches",
  "countProjectBranches",
  "createProjectBranch",
  "getProjectBranch",
  "updateProjectBranch",
  "deleteProjectBranch",
  "restoreProjectBranch",
  "listProjectBranchEndpoints",
  "listProjectEndpoints",
  "listProjectBranchDatabases",
  "listProjectBranchRoles",
  "getProjectBranchRolePassword",
  "getConnectionUri",
  "getProjectOperation",
  "listProjectOperations",
] as const;
export type RouteName = (typeof ROUTES)[number];

export type Fault =
  /**
   * Answer with this status and a GeneralError body instead of handling the request; with
   * `afterApply`, handle it first (the change is made, the client sees an error).
   */
  | { type: "status"; status: number; code?: string; message?: string; retryAfter?: number | string; afterApply?: boolean }
  /** Hold the request, then handle it as usual: applied even when the client has given up. */
  | { type: "delay"; ms: number }
  /** Handle the request (so it is applied), then close the connection without an answer. */
  | { type: "drop-response" }
  /** Someone else's operation starts just before this request, running `ms`: the request meets 423. */
  | { type: "hold"; ms: number; action?: string }
  /** Handle the request, but its operations end `failed` (or `error`/`cancelled`). */
  | ({ type: "fail-operation" } & OperationFailure);

type Armed = { route: RouteName | "*"; method: string | undefined; fault: Fault; remaining: number; skip: number };

export class FaultInjector {
  private armed: Armed[] = [];

  /** `skip`: let that many matching requests through first (e.g. fail the second branch created). */
  inject(route: RouteName | "*", fault: Fault, options: { times?: number; method?: string; skip?: number } = {}): void {
    this.armed.push({ route, method: options.method?.toUpperCase(), fault, remaining: options.times ?? 1, skip: options.skip ?? 0 });
  }

  /** The fault for this request, if one is armed; consumes one use of it. */
  take(route: RouteName, method: string): Fault | undefined {
    const rule = this.armed.find(
      (armed) => (armed.route === "*" || armed.route === route) && (!armed.method || armed.method === method),
    );
    if (!rule) return undefined;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return undefined;
    }
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.armed = this.armed.filter((armed) => armed !== rule);
    return rule.fault;
  }

  pending(): number {
    return this.armed.reduce((sum, armed) => sum + armed.remaining, 0);
  }

  clear(): void {
    this.armed = [];
  }
}

/** Default bodies for the injected statuses, as Neon words them where known. */
export function faultBody(fault: Extract<Fault, { type: "status" }>): { code: string; message: string } {
  const messages: Record<number, string> = {
    423: "project already has running operations, scheduling of new ones is prohibited",
    429: "rate limit exceeded",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
  };
  return { code: fault.code ?? "", message: fault.message ?? messages[fault.status] ?? `injected status ${fault.status}` };
}
