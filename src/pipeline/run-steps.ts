// The only code that orders steps: it times each one, drives the progress display, stops at the
// first failure and always runs the registered cleanups (in reverse order). A failing cleanup is
// reported next to the original error, never instead of it.
import { DbshipError, EXIT, isDbshipError } from "../errors.js";
import type { DeployContext, Step, StepReport } from "./types.js";

export type RunResult = { steps: StepReport[]; error?: DbshipError; failedStep?: Step };

export async function runSteps(steps: Step[], ctx: DeployContext): Promise<RunResult> {
  const reports: StepReport[] = [];
  let error: DbshipError | undefined;
  let failedStep: Step | undefined;
  for (const step of steps) {
    if (error) {
      reports.push({ name: step.name, status: "skipped", durationMs: 0, detail: `not run: ${failedStep?.name} failed` });
      continue;
    }
    if (ctx.state.upToDate) {
      reports.push({ name: step.name, status: "skipped", durationMs: 0, detail: "nothing to deploy" });
      continue;
    }
    if (ctx.options.dryRun && step.dryRun) {
      reports.push({ name: step.name, status: "skipped", durationMs: 0, detail: `dry run: ${step.dryRun(ctx)}` });
      continue;
    }
    const started = performance.now();
    ctx.progress.start(step.title);
    try {
      if (ctx.signal.aborted) throw interrupted(step);
      const outcome = await step.run(ctx);
      const durationMs = Math.round(performance.now() - started);
      reports.push({ name: step.name, status: outcome.status, durationMs, detail: outcome.detail });
      if (outcome.status === "skipped") ctx.progress.skip(`${step.title}: ${outcome.detail}`);
      else ctx.progress.succeed(`${step.title} (${formatMs(durationMs)}) ${outcome.detail}`);
    } catch (caught) {
      const durationMs = Math.round(performance.now() - started);
      error = truthful(asDbshipError(caught, step), step, ctx);
      failedStep = step;
      reports.push({ name: step.name, status: "failed", durationMs, detail: error.message });
      ctx.progress.fail(`${step.title} failed (${formatMs(durationMs)})`);
    }
  }
  await runCleanups(ctx);
  return { steps: reports, error, failedStep };
}

export async function runCleanups(ctx: DeployContext): Promise<void> {
  for (const cleanup of ctx.cleanups.splice(0).reverse()) {
    try {
      await cleanup.run();
    } catch (caught) {
      ctx.state.warnings.push(`cleanup "${cleanup.label}" failed: ${(caught as Error).message}`);
    }
  }
}

function asDbshipError(caught: unknown, step: Step): DbshipError {
  if (isDbshipError(caught)) return caught;
  const message = caught instanceof Error ? caught.message : String(caught);
  return new DbshipError("STEP_FAILED", `${step.name}: ${message}`, { cause: caught });
}

function interrupted(step: Step, cause?: DbshipError): DbshipError {
  return new DbshipError("DEPLOY_INTERRUPTED", `interrupted during ${step.during}`, {
    hint: step.changesProduction ? "Production may be partly migrated: see the rollback instructions." : "Nothing was changed in production.",
    cause,
    details: cause ? { stoppedStepSaid: `${cause.message} [${cause.code}]` } : undefined,
  });
}

/**
 * The error the user sees says what really happened:
 * - after a Ctrl-C / SIGTERM, whatever the step then failed with (a Prisma run killed half way
 *   reads as "out of sync", "failed"…), it was interrupted;
 * - from the point of no return on (a step that changes production), every failure is exit 1
 *   with the rollback instructions: an error that would mean "bad input, nothing changed" (exit
 *   2, e.g. the server restarting under the deploy) or "refused" (exit 3) is not true any more.
 */
function truthful(error: DbshipError, step: Step, ctx: DeployContext): DbshipError {
  // The tripwire's PRODUCTION_CHANGED is never hidden behind an interruption.
  if (ctx.signal.aborted && error.code !== "DEPLOY_INTERRUPTED" && error.code !== "PRODUCTION_CHANGED") return interrupted(step, error);
  if (!step.changesProduction || error.exitCode === EXIT.FAILED) return error;
  const lost = error.code === "DATABASE_UNREACHABLE" || error.code === "DATABASE_NOT_FOUND";
  if (step.onlyChecks) {
    return new DbshipError("VERIFY_INCOMPLETE", `could not verify production after the deploy: ${error.message}`, {
      hint: "The deploy step had finished; production was not found wrong, it could not be checked. Run `dbship status` once the database answers (and the verify.sql checks by hand); roll back with the instructions below only if they show a problem.",
      cause: error,
      details: { ...error.details, cause: error.code },
    });
  }
  return new DbshipError("DEPLOY_FAILED", `${step.name} failed after production was changed: ${error.message}`, {
    hint: `${lost ? "The connection to production was lost while Prisma was migrating it. " : ""}Production may be partly migrated: see the rollback instructions. \`dbship status\` shows what was applied once the database answers.`,
    cause: error,
    details: { ...error.details, cause: error.code },
  });
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
