// Neon's operations are asynchronous: a mutation answers at once with operations in `scheduling`
// or `running`, and the branch becomes usable only when they reach `finished`. Here each request's
// operations form one job that moves scheduling → running (half the delay) → finished (the full
// delay), or stays running until finishOperations() in manual mode. The job's effect (the branch
// opens to connections, its state becomes ready) is applied before the operations read
// `finished`, so a client that waits is never early and one that does not wait breaks.
import { randomUUID } from "node:crypto";
import type { OperationAction, OperationStatus } from "@neondatabase/api-client";
import { now, type OperationModel, type ProjectState } from "./state.js";

export type OperationFailure = {
  /** Which operation of the job fails; the first one when omitted. */
  action?: OperationAction | `${OperationAction}`;
  status?: "failed" | "error" | "cancelled";
  error?: string;
};

type Job = {
  ops: OperationModel[];
  complete: () => Promise<void>;
  failure?: OperationFailure | undefined;
  timers: NodeJS.Timeout[];
  settled: boolean;
};

export class OperationScheduler {
  private readonly jobs = new Set<Job>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly project: ProjectState,
    private readonly options: {
      delayMs: () => number | "manual";
      /** When set, a failed job is retried after this many ms and then succeeds (see README). */
      retryFailedAfterMs?: () => number | undefined;
      exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
      onError: (error: unknown) => void;
    },
  ) {}

  create(action: OperationAction | `${OperationAction}`, ids: { branchId?: string; endpointId?: string }): OperationModel {
    const created = now();
    const op: OperationModel = {
      id: randomUUID(),
      branchId: ids.branchId,
      endpointId: ids.endpointId,
      action: action as OperationAction,
      status: "scheduling" as OperationStatus,
      createdAt: created,
      updatedAt: created,
    };
    this.project.operations.push(op);
    return op;
  }

  /** Starts a job; `complete` applies its effect when the operations succeed. */
  start(ops: OperationModel[], complete: () => Promise<void>, failure?: OperationFailure, delayMs?: number): void {
    const job: Job = { ops, complete, failure, timers: [], settled: false };
    this.jobs.add(job);
    const delay = delayMs ?? this.options.delayMs();
    if (delay === "manual") {
      this.setStatus(job, "running");
      return;
    }
    job.timers.push(setTimeout(() => this.setStatus(job, "running"), Math.floor(delay / 2)));
    job.timers.push(setTimeout(() => void this.settle(job), delay));
  }

  /** Manual mode: finishes every pending job now (also useful to hurry a long delay). */
  async finishAll(): Promise<void> {
    await Promise.all([...this.jobs].map((job) => this.settle(job)));
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.jobs) for (const timer of job.timers) clearTimeout(timer);
    this.jobs.clear();
    await this.idle();
  }

  private setStatus(job: Job, status: OperationStatus | `${OperationStatus}`): void {
    for (const op of job.ops) {
      if (op.status === "scheduling" || op.status === "running") {
        op.status = status as OperationStatus;
        op.updatedAt = now();
      }
    }
  }

  private settle(job: Job): Promise<void> {
    if (job.settled || this.closed) return Promise.resolve();
    job.settled = true;
    for (const timer of job.timers) clearTimeout(timer);
    const work = this.options
      .exclusive(async () => {
        if (this.closed) return;
        if (job.failure) {
          const retryAfter = this.options.retryFailedAfterMs?.();
          this.fail(job, job.failure, retryAfter !== undefined);
          if (retryAfter !== undefined) this.retryLater(job, retryAfter);
          return;
        }
        await job.complete();
        const finished = now();
        for (const op of job.ops) {
          op.status = "finished" as OperationStatus;
          op.updatedAt = finished;
          op.finishedAt = finished;
        }
      })
      .catch((error: unknown) => {
        // The effect itself failed (a real database error): report it as Neon would.
        this.fail(job, { status: "error", error: `neon emulator: ${String(error)}` });
        this.options.onError(error);
      })
      .finally(() => {
        this.jobs.delete(job);
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);
    return work;
  }

  /** Neon retrying a failed operation: it runs again, then the job succeeds. */
  private retryLater(job: Job, ms: number): void {
    const retry: Job = { ops: job.ops, complete: job.complete, timers: [], settled: false };
    this.jobs.add(retry);
    retry.timers.push(
      setTimeout(() => {
        for (const op of retry.ops) {
          if (op.status === "failed" || op.status === "error") {
            op.status = "running" as OperationStatus;
            op.error = undefined;
            op.finishedAt = undefined;
            op.updatedAt = now();
          }
        }
      }, Math.floor(ms / 2)),
    );
    retry.timers.push(setTimeout(() => void this.settle(retry), ms));
  }

  private fail(job: Job, failure: OperationFailure, willRetry = false): void {
    const at = now();
    const index = Math.max(
      0,
      job.ops.findIndex((op) => failure.action === undefined || op.action === failure.action),
    );
    job.ops.forEach((op, i) => {
      op.updatedAt = at;
      if (i < index) {
        op.status = "finished" as OperationStatus;
        op.finishedAt = at;
      } else if (i === index) {
        op.status = (failure.status ?? "failed") as OperationStatus;
        op.error = failure.error ?? "operation failed (injected by the neon emulator)";
        op.finishedAt = at;
      } else if (willRetry) {
        // Waiting behind the failed one, which Neon will retry.
        op.status = "scheduling" as OperationStatus;
      } else {
        op.status = "cancelled" as OperationStatus;
        op.finishedAt = at;
      }
    });
  }
}
