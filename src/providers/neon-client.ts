// The Neon API client as dbship uses it. @neondatabase/api-client has no retries, no timeout and
// no operation waiting of its own (reference/neon-api.md §1.2), so this adds them:
// - 423, 429 and 503 are retried for every method (Neon: always safe); other 5xx and network
//   errors only for GETs; a mutation whose outcome is unknown (timeout, lost connection) first
//   re-reads state through the caller's `recover`, and is re-sent only if nothing was applied;
// - exponential backoff with full jitter, Retry-After honoured, bounded in attempts and time;
// - errors become DbshipErrors built from the status and Neon's message only: axios errors carry
//   the request headers, and with them the API key, so they are never rethrown or logged.
import { createApiClient, type Api, type Operation } from "@neondatabase/api-client";
import { DbshipError, type ErrorCode } from "../errors.js";
import { dbshipVersion } from "../version.js";

export type NeonTimeouts = {
  /** One HTTP request, ms. */
  requestMs: number;
  /** All attempts of one call together, ms. */
  retryBudgetMs: number;
  /** Attempts of one call. */
  attempts: number;
  /** Backoff: first delay and cap, ms (full jitter below them). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Operation polling: first interval, cap, and how long to wait for operations overall, ms. */
  pollMs: number;
  pollMaxMs: number;
  operationsMs: number;
};

export const DEFAULT_TIMEOUTS: NeonTimeouts = {
  requestMs: 30_000,
  retryBudgetMs: 120_000,
  attempts: 8,
  backoffBaseMs: 250,
  backoffMaxMs: 10_000,
  // Neon often finishes a branch operation within a few hundred ms: look early, then back off.
  pollMs: 150,
  pollMaxMs: 5_000,
  operationsMs: 10 * 60_000,
};

type Method = "GET" | "POST" | "PATCH" | "DELETE";

export type CallSpec<T> = {
  method: Method;
  /** What the call does, for messages: "create branch pre-migration-…". */
  what: string;
  /**
   * For mutations: looks for the call's effect when its outcome is unknown. A result means it
   * was applied (the call returns that result); undefined means it was not (the call may be
   * re-sent). Without it, an unknown outcome is an error, never a blind re-send.
   */
  recover?: () => Promise<T | undefined>;
  /** Turns an error status into a result (e.g. 404 on delete: already gone). */
  accept?: (status: number) => T | undefined;
  /** A more specific error for some failures (e.g. a refused point-in-time restore). */
  explain?: (failure: NeonFailure) => DbshipError | undefined;
};

/** What is known about a failed request, without anything from its headers. */
export type NeonFailure = {
  status: number | undefined;
  /** Neon's GeneralError code and message, or the transport error. */
  code: string;
  message: string;
  requestId: string | undefined;
  retryAfterMs: number | undefined;
  timedOut: boolean;
};

export type NeonClientOptions = {
  apiKey: string;
  apiHost?: string | undefined;
  projectId: string;
  timeouts?: Partial<NeonTimeouts> | undefined;
  log?: ((line: string) => void) | undefined;
};

const RETRY_ANY_METHOD = new Set([423, 429, 503]);
const OPERATION_OK = new Set(["finished", "skipped"]);
const OPERATION_FAILED = new Set(["failed", "error", "cancelled"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NeonClient {
  readonly api: Api<unknown>;
  readonly timeouts: NeonTimeouts;
  private readonly log: (line: string) => void;

  constructor(private readonly options: NeonClientOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.log = (line) => options.log?.(this.scrub(line));
    this.api = createApiClient({
      apiKey: options.apiKey,
      baseURL: options.apiHost || undefined,
      timeout: this.timeouts.requestMs,
      headers: { "User-Agent": `dbship/${dbshipVersion()}` },
    });
  }

  async call<T>(spec: CallSpec<T>, send: () => Promise<{ data: T }>): Promise<T> {
    const started = Date.now();
    let outcomeUnknown = false;
    for (let attempt = 1; ; attempt++) {
      if (outcomeUnknown && spec.recover) {
        const found = await spec.recover();
        if (found !== undefined) {
          this.log(`neon: ${spec.what}: the earlier attempt was applied; using it`);
          return found;
        }
      }
      let failure: NeonFailure;
      try {
        return (await send()).data;
      } catch (error) {
        failure = describeFailure(error);
      }
      if (failure.status !== undefined) {
        const accepted = spec.accept?.(failure.status);
        if (accepted !== undefined) return accepted;
      }
      // A re-sent mutation that finds its own earlier attempt applied: adopt it.
      if (outcomeUnknown && failure.status === 409 && spec.recover) {
        const found = await spec.recover();
        if (found !== undefined) return found;
      }
      const isGet = spec.method === "GET";
      if (failure.status === undefined) {
        if (!isGet && !spec.recover) throw this.unknownOutcome(spec, failure);
        outcomeUnknown = !isGet;
      } else if (!RETRY_ANY_METHOD.has(failure.status) && !(failure.status >= 500 && isGet)) {
        // Not retried. A failed mutation may still have been applied (a 500 after the work):
        // look before reporting, so that nothing is left behind unnoticed.
        if (!isGet && failure.status >= 500 && spec.recover) {
          const found = await spec.recover();
          if (found !== undefined) return found;
        }
        throw this.toError(spec, failure);
      }
      const elapsed = Date.now() - started;
      const delay = failure.retryAfterMs ?? this.backoff(attempt);
      if (attempt >= this.timeouts.attempts || elapsed + delay > this.timeouts.retryBudgetMs) {
        if (outcomeUnknown && spec.recover) {
          const found = await spec.recover();
          if (found !== undefined) return found;
        }
        throw this.toError(spec, failure, attempt);
      }
      this.log(
        `neon: ${spec.what}: ${failure.status ?? failure.code} ${failure.message}; retry ${attempt + 1}/${this.timeouts.attempts} in ${delay} ms${failure.retryAfterMs !== undefined ? " (Retry-After)" : ""}`,
      );
      await sleep(delay);
    }
  }

  /** Polls each operation until it succeeds; a failed one, or the overall timeout, is an error. */
  async waitForOperations(operations: Operation[], what: string): Promise<void> {
    const deadline = Date.now() + this.timeouts.operationsMs;
    let pending = operations.filter((op) => !OPERATION_OK.has(op.status));
    const failedAlready = pending.filter((op) => OPERATION_FAILED.has(op.status));
    const firstCause = failedAlready.find((op) => op.status !== "cancelled") ?? failedAlready[0];
    if (firstCause) this.checkOperation(firstCause, what);
    if (pending.length === 0) return;
    this.log(`neon: ${what}: waiting for ${pending.map((op) => op.action).join(", ")}`);
    let interval = this.timeouts.pollMs;
    while (pending.length > 0) {
      if (Date.now() + interval > deadline) {
        throw new DbshipError(
          "NEON_OPERATION_FAILED",
          `${what}: Neon operations still unfinished after ${Math.round(this.timeouts.operationsMs / 1000)} s: ${pending.map((op) => `${op.action} ${op.id} (${op.status})`).join(", ")}`,
          { hint: "Neon may be slow or degraded (https://neonstatus.com). Check the operations in the Neon console, then run again." },
        );
      }
      await sleep(interval);
      interval = Math.min(Math.round(interval * 1.5), this.timeouts.pollMaxMs);
      const current: Operation[] = [];
      for (const op of pending) {
        const { operation } = await this.call({ method: "GET", what: `${what}: read operation ${op.id}` }, () =>
          this.api.getProjectOperation(this.options.projectId, op.id),
        );
        current.push(operation);
      }
      if (current.some((op) => OPERATION_FAILED.has(op.status))) {
        // Report the operation that failed rather than one cancelled because of it, which may
        // have been read first: read them all again, now that they are settled.
        const settled: Operation[] = [];
        for (const op of operations) {
          const { operation } = await this.call({ method: "GET", what: `${what}: read operation ${op.id}` }, () =>
            this.api.getProjectOperation(this.options.projectId, op.id),
          );
          settled.push(operation);
        }
        const failed = [...settled, ...current].filter((op) => OPERATION_FAILED.has(op.status));
        this.checkOperation(failed.find((op) => op.status !== "cancelled") ?? failed[0]!, what);
      }
      pending = current.filter((op) => !OPERATION_OK.has(op.status));
    }
  }

  /** The branch's operations that have not finished, for a mutation whose response was lost. */
  async unfinishedOperations(branchId: string): Promise<Operation[]> {
    const { operations } = await this.call({ method: "GET", what: "list operations" }, () =>
      this.api.listProjectOperations({ projectId: this.options.projectId, limit: 100 }),
    );
    return operations.filter((op) => op.branch_id === branchId && !OPERATION_OK.has(op.status));
  }

  /** Removes the API key from any text that might reach a log or an error. */
  scrub(text: string): string {
    return this.options.apiKey ? text.split(this.options.apiKey).join("****") : text;
  }

  private checkOperation(op: Operation, what: string): void {
    if (!OPERATION_FAILED.has(op.status)) return;
    throw new DbshipError(
      "NEON_OPERATION_FAILED",
      this.scrub(`${what}: Neon operation ${op.action} (${op.id}) ended ${op.status}${op.error ? `: ${op.error}` : ""}`),
      { hint: "Check the operation in the Neon console (project → Monitoring → System operations), then run again." },
    );
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.timeouts.backoffMaxMs, this.timeouts.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(Math.random() * ceiling);
  }

  private unknownOutcome(spec: CallSpec<unknown>, failure: NeonFailure): DbshipError {
    return new DbshipError(
      "NEON_API",
      this.scrub(`Neon API: ${spec.what}: ${failure.message}; the request may have been applied, so it was not re-sent`),
      { hint: "Check the Neon console for its effect before running again.", details: detailsOf(failure) },
    );
  }

  toError(spec: CallSpec<unknown>, failure: NeonFailure, attempts = 1): DbshipError {
    const explained = spec.explain?.(failure);
    if (explained) return explained;
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : "";
    const details = detailsOf(failure);
    const neonSays = failure.requestId ? `${failure.message} (request ${failure.requestId})` : failure.message;
    let code: ErrorCode = "NEON_API";
    let message = `Neon API: ${spec.what}: ${failure.status ?? failure.code} ${neonSays}${tries}`;
    let hint: string | undefined;
    if (failure.status === 401) {
      code = "NEON_AUTH";
      message = "NEON_API_KEY rejected";
      hint = "Neon answered 401 Unauthorized. Create a key in the Neon console (Account settings → API keys, or the organization's, with access to this project) and set NEON_API_KEY.";
    } else if (failure.status === 404) {
      code = "NEON_NOT_FOUND";
      message = `project or branch not found: ${spec.what} in project ${this.options.projectId} (${neonSays})`;
      hint = "Check neon.projectId and neon.productionBranch in dbship.config.json (or NEON_PROJECT_ID), and that the API key can see that project.";
    } else if (failure.status === 422 && failure.code === "BRANCHES_LIMIT_EXCEEDED") {
      code = "SNAPSHOT_LIMIT";
      message = `Neon refused to create a branch: the project's branch limit is reached (${spec.what})`;
      hint = "Neon plans allow 10–25 branches per project (Free and Launch 10, Scale 25; extra branches are billed on paid plans). Delete old snapshots with `dbship snapshot prune` (or unused branches in the Neon console), then run again.";
    } else if (failure.status === 429) {
      hint = "Neon's rate limit (about 700 requests per minute, 40 per second per route) was hit and did not clear in time. Wait a minute and run again.";
    } else if (failure.status === 423) {
      hint = "Another operation on this Neon project was still running (a deploy, a branch being created elsewhere). Run again once it finished.";
    } else if (failure.status === undefined || failure.status >= 500) {
      hint = "Neon did not answer in time or is degraded (https://neonstatus.com). Run again; nothing was left half done.";
    }
    return new DbshipError(code, this.scrub(message), { hint: hint && this.scrub(hint), details });
  }
}

function detailsOf(failure: NeonFailure): Record<string, unknown> {
  return { status: failure.status ?? null, neonCode: failure.code, requestId: failure.requestId ?? null };
}

type AxiosLike = {
  isAxiosError?: boolean;
  code?: string;
  message?: string;
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> & { get?: (name: string) => unknown } };
};

/** Reads only the status, Neon's body and Retry-After: never the request or its headers. */
export function describeFailure(error: unknown): NeonFailure {
  const axios = error as AxiosLike;
  if (!axios || axios.isAxiosError !== true) {
    // Not an HTTP error at all (a bug, or the client failing before sending): keep the text only.
    return { status: undefined, code: "ERROR", message: String((error as Error)?.message ?? error), requestId: undefined, retryAfterMs: undefined, timedOut: false };
  }
  const timedOut = axios.code === "ECONNABORTED" || axios.code === "ETIMEDOUT";
  if (!axios.response) {
    return {
      status: undefined,
      code: axios.code ?? "NETWORK",
      message: timedOut ? "no answer before the timeout" : `connection failed (${axios.code ?? "network error"})`,
      requestId: undefined,
      retryAfterMs: undefined,
      timedOut,
    };
  }
  const { status, data, headers } = axios.response;
  const body = (typeof data === "object" && data !== null ? data : {}) as { code?: unknown; message?: unknown; request_id?: unknown };
  const header = (name: string): unknown => headers?.get?.(name) ?? headers?.[name] ?? headers?.[name.toLowerCase()];
  return {
    status,
    code: typeof body.code === "string" ? body.code : "",
    message: typeof body.message === "string" && body.message ? body.message : `HTTP ${status}`,
    requestId: typeof body.request_id === "string" ? body.request_id : undefined,
    retryAfterMs: parseRetryAfter(header("retry-after")),
    timedOut: false,
  };
}

/** Retry-After as delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
