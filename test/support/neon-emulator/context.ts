// What the route handlers share: the project model, the real databases, the operation scheduler,
// the history, the settings, and the error type that becomes a GeneralError body.
import type { GeneralError } from "@neondatabase/api-client";
import type { History } from "./history.js";
import type { OperationFailure, OperationScheduler } from "./operations.js";
import type { PhysicalCluster } from "./physical.js";
import type { ProjectState } from "./state.js";

export type EmulatorSettings = {
  /** A mutation while operations are unfinished answers 423, as Neon does. */
  lockDuringOperations: boolean;
  branchLimit: number;
  /** Record history points of root branches at the mutations the emulator sees. */
  autoHistory: boolean;
  /** Query string of every connection URI (the test server has no TLS, so no sslmode=require). */
  connectionParams: string;
  /** What deleting an already deleted branch answers: the spec's 204, or 404. */
  deletedBranchStatus: 204 | 404;
  operationDelayMs: number | "manual";
  /**
   * Open question: does production keep its branch id through a restore? "keep" (the target
   * keeps its id; the backup is a new branch) or "swap" (a new branch takes production's name
   * and compute; the old id is the backup). See README.
   */
  restoreIdentity: "keep" | "swap";
  /**
   * Open question: lineage after a head restore from another branch. "source-parent" (the
   * restored branch becomes a child of the source), "backup-parent" (a child of the backup) or
   * "roots" (restored branch and backup are unrelated, the backup a root when the target was).
   */
  restoreLineage: "source-parent" | "backup-parent" | "roots";
  /** Open question: a `failed` operation is retried by Neon after this many ms (undefined: final). */
  retryFailedOperationsAfterMs: number | undefined;
  /** Root branches allowed (3 Free, 5 Launch, 25 Scale); beyond it 422 ROOT_BRANCHES_LIMIT_EXCEEDED. */
  rootBranchLimit: number;
  /** `subscription_type` in the project's owner (with `branches_limit` = branchLimit). */
  plan: string;
  /** Retry-After (seconds) sent with 423 answers; none when undefined. */
  lockRetryAfterSeconds: number | undefined;
};

export type EmulatorContext = {
  project: ProjectState;
  physical: PhysicalCluster;
  scheduler: OperationScheduler;
  history: History;
  settings: EmulatorSettings;
  /** `127.0.0.1:<port>` of the PostgreSQL server, and of the pass-through "pooler". */
  host: string;
  poolerHost: string;
};

export type RequestContext = {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** An injected `fail-operation` fault for the operations this request starts. */
  operationFailure?: OperationFailure | undefined;
};

export type HandlerResult = { status: number; body?: unknown };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = "",
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(requestId: string): GeneralError {
    return { code: this.code, message: this.message, request_id: requestId };
  }
}

export const ID_PATTERN = /^[a-z0-9-]{1,60}$/;

export function requireId(value: unknown, field: string): string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    throw new ApiError(400, `${field}: does not match pattern ^[a-z0-9-]{1,60}$`);
  }
  return value;
}

/** RFC 3339 timestamps only: Date.parse alone accepts far too much. */
export function parseTimestamp(value: unknown, field: string): Date {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
  if (typeof value !== "string" || !rfc3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ApiError(400, `${field}: must be a timestamp in RFC 3339 format`);
  }
  return new Date(value);
}

export function queryFlag(query: URLSearchParams, name: string): boolean {
  return query.get(name) === "true";
}

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new ApiError(400, `${field}: must be an object`);
  return value as Record<string, unknown>;
}
