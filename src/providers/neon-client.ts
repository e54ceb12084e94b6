// The Neon API client as dbship uses it. @neondatabase/api-client has no retries, no timeout and
// no operation waiting of its own (its README and generated client), so this adds them:
// - 423, 429 and 503 are retried for every method (Neon: always safe); other 5xx and network
//   errors only for GETs; a 423 (another operation is running on the project) is waited out for
//   the whole retry budget, not a number of attempts, naming the operations it waits for; a mutation whose outcome is unknown (timeout, lost connection) first
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
  /**
   * How long a `failed` or `error` operation is re-read before it is taken as final, ms: Neon
   * may retry a failed operation (see docs/neon.md), and @neon/sdk treats it as final.
   */
  failedGraceMs: number;
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
  failedGraceMs: 30_000,
};

/**
 * DBSHIP_NEON_TIMEOUTS: a JSON object of NeonTimeouts fields (ms), for tests and for operators
 * who need longer waits; unknown fields and non-numbers are ignored.
 */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<NeonTimeouts> {
  const text = env.DBSHIP_NEON_TIMEOUTS;
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(([key, value]) => key in DEFAULT_TIMEOUTS && typeof value === "number" && value >= 0),
  ) as Partial<NeonTimeouts>;
}

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
/** Ended badly, but Neon may still retry it: re-read for failedGraceMs before concluding. */
const OPERATION_MAY_RETRY = new Set(["failed", "error"]);
/** Ended for good without doing its work. */
const OPERATION_CANCELLED = new Set(["cancelled"]);
const OPERATION_FAILED = new Set([...OPERATION_MAY_RETRY, ...OPERATION_CANCELLED]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NeonClient {
  readonly api: Api<unknown>;
  readonly timeouts: NeonTimeouts;
  private readonly log: (line: string) => void;

  constructor(private readonly options: NeonClientOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeoutsFromEnv(), ...options.timeouts };
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
    let busyWith: string | undefined;
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
      // 423: another operation runs on the project; it ends on its own, so wait it out for the
      // whole budget (the attempts bound would give up after ~26 s of backoff).
      const busy = failure.status === 423;
      let delay = failure.retryAfterMs ?? this.backoff(attempt, busy);
      const budgetLeft = this.timeouts.retryBudgetMs - elapsed;
      if (busy && delay > budgetLeft && budgetLeft >= 1_000) delay = budgetLeft; // one last look at the end
      if ((!busy && attempt >= this.timeouts.attempts) || delay > budgetLeft) {
        if (outcomeUnknown && spec.recover) {
          const found = await spec.recover();
          if (found !== undefined) return found;
        }
        throw this.toError(spec, failure, attempt, elapsed);
      }
      if (busy) {
        busyWith ??= await this.runningOperationsText();
        this.log(
          `neon: ${spec.what}: the project is busy (423${busyWith ? `, waiting for ${busyWith}` : ""}); retry ${attempt + 1} in ${delay} ms${failure.retryAfterMs !== undefined ? " (Retry-After)" : ""}, ${Math.round(elapsed / 1000)} s of ${Math.round(this.timeouts.retryBudgetMs / 1000)} s waited`,
        );
      } else {
        this.log(
          `neon: ${spec.what}: ${failure.status ?? failure.code} ${failure.message}; retry ${attempt + 1}/${this.timeouts.attempts} in ${delay} ms${failure.retryAfterMs !== undefined ? " (Retry-After)" : ""}`,
        );
      }
      await sleep(delay);
    }
  }

  /**
   * Polls each operation until it succeeds. A cancelled one is final; a failed one is re-read for
   * failedGraceMs first (Neon may retry it), then reported; the overall timeout is an error too.
   */
  async waitForOperations(operations: Operation[], what: string): Promise<void> {
    const deadline = Date.now() + this.timeouts.operationsMs;
    let current = operations;
    let failingSince: number | undefined;
    let sawFailure = false;
    let announced = false;
    let interval = this.timeouts.pollMs;
    for (;;) {
      const pending = current.filter((op) => !OPERATION_OK.has(op.status));
      if (pending.length === 0) {
        if (sawFailure) this.log(`neon: ${what}: the failed operation was retried by Neon and finished`);
        return;
      }
      if (pending.some((op) => OPERATION_CANCELLED.has(op.status))) {
        // Report the operation that failed rather than one cancelled because of it, which may
        // have been read first: read them all again, now that they are settled.
        const settled = await this.readOperations(operations, what);
        const failed = settled.filter((op) => OPERATION_FAILED.has(op.status));
        this.checkOperation(failed.find((op) => !OPERATION_CANCELLED.has(op.status)) ?? failed[0] ?? pending[0]!, what);
      }
      const failing = pending.filter((op) => OPERATION_MAY_RETRY.has(op.status));
      if (failing.length > 0) {
        if (failingSince === undefined) {
          failingSince = Date.now();
          sawFailure = true;
          if (this.timeouts.failedGraceMs > 0) {
            this.log(
              `neon: ${what}: operation ${failing[0]!.action} ended ${failing[0]!.status}; Neon may retry it, re-reading for up to ${Math.round(this.timeouts.failedGraceMs / 1000)} s before giving up`,
            );
          }
        }
        if (Date.now() - failingSince >= this.timeouts.failedGraceMs) this.checkOperation(failing[0]!, what);
      } else {
        failingSince = undefined;
      }
      if (Date.now() + interval > deadline) {
        if (failing.length > 0) this.checkOperation(failing[0]!, what);
        throw new DbshipError(
          "NEON_OPERATION_FAILED",
          `${what}: Neon operations still unfinished after ${Math.round(this.timeouts.operationsMs / 1000)} s: ${pending.map((op) => `${op.action} ${op.id} (${op.status})`).join(", ")}`,
          { hint: "Neon may be slow or degraded (https://neonstatus.com). Check the operations in the Neon console, then run again." },
        );
      }
      if (!announced) {
        this.log(`neon: ${what}: waiting for ${pending.map((op) => op.action).join(", ")}`);
        announced = true;
      }
      await sleep(interval);
      interval = Math.min(Math.round(interval * 1.5), this.timeouts.pollMaxMs);
      const reread = await this.readOperations(pending, what);
      current = current.map((op) => reread.find((fresh) => fresh.id === op.id) ?? op);
    }
  }

  private async readOperations(operations: Operation[], what: string): Promise<Operation[]> {
    const read: Operation[] = [];
    for (const op of operations) {
      const { operation } = await this.call({ method: "GET", what: `${what}: read operation ${op.id}` }, () =>
        this.api.getProjectOperation(this.options.projectId, op.id),
      );
      read.push(operation);
    }
    return read;
  }

  /** What runs on the project now, for a 423's log line ("apply_config on br-… (running)"). */
  private async runningOperationsText(): Promise<string> {
    try {
      const { operations } = await this.call({ method: "GET", what: "list operations" }, () =>
        this.api.listProjectOperations({ projectId: this.options.projectId, limit: 20 }),
      );
      const running = operations.filter((op) => !OPERATION_OK.has(op.status) && !OPERATION_FAILED.has(op.status));
      return running.map((op) => `${op.action}${op.branch_id ? ` on ${op.branch_id}` : ""} (${op.status})`).join(", ");
    } catch {
      return "";
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

  /** Full jitter below the ceiling; `patient` (a 423) waits at least half of it, so the budget is used. */
  private backoff(attempt: number, patient = false): number {
    const ceiling = Math.min(this.timeouts.backoffMaxMs, this.timeouts.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(patient ? ceiling / 2 + (Math.random() * ceiling) / 2 : Math.random() * ceiling);
  }

  private unknownOutcome(spec: CallSpec<unknown>, failure: NeonFailure): DbshipError {
    return new DbshipError(
      "NEON_API",
      this.scrub(`Neon API: ${spec.what}: ${failure.message}; the request may have been applied, so it was not re-sent`),
      { hint: "Check the Neon console for its effect before running again.", details: detailsOf(failure) },
    );
  }

  toError(spec: CallSpec<unknown>, failure: NeonFailure, attempts = 1, elapsedMs = 0): DbshipError {
    const explained = spec.explain?.(failure);
    if (explained) return explained;
    const tries = attempts > 1 ? ` (after ${attempts} attempts${failure.status === 423 ? ` over ${Math.round(elapsedMs / 1000)} s` : ""})` : "";
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
    } else if (failure.status === 422 && failure.code === "ROOT_BRANCHES_LIMIT_EXCEEDED") {
      code = "NEON_ROOT_BRANCH_LIMIT";
      message = `Neon refused: the project's root-branch limit is reached (${spec.what}); nothing was changed`;
      hint = ROOT_LIMIT_HINT;
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

/** Why root branches run out, and what to do (docs/neon.md, "Root branches"). */
export const ROOT_LIMIT_HINT =
  "Neon plans allow 3 (Free), 5 (Launch) or 25 (Scale) root branches per project. A restore of a root branch can leave the backup as a root branch of its own. Delete backup branches you no longer need (`dbship snapshot list` shows them; the project's first root branch cannot be deleted), or upgrade the plan, then run again.";

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
