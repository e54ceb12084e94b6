// The only code that orders steps: it times each one, drives the progress display, stops at the
// first failure and always runs the registered cleanups (in reverse order). A failing cleanup is
// reported next to the original error, never instead of it.
import { DbshipError, isDbshipError } from "../errors.js";
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
    if (ctx.options.dryRun && step.name !== "preflight") {
      reports.push({ name: step.name, status: "skipped", durationMs: 0, detail: `dry run: ${dryRunDetail(step, ctx)}` });
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
      error = ctx.signal.aborted && !isDbshipError(caught) ? interrupted(step) : asDbshipError(caught, step);
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

function interrupted(step: Step): DbshipError {
  return new DbshipError("DEPLOY_INTERRUPTED", `interrupted during ${step.name}`, {
    hint: step.changesProduction ? "Production may be partly migrated: see the rollback instructions." : "Nothing was changed in production.",
  });
}

function dryRunDetail(step: Step, ctx: DeployContext): string {
  const pending = ctx.state.before?.pending ?? [];
  switch (step.name) {
    case "snapshot":
      return `would snapshot production as ${ctx.config.snapshot.prefix}<YYYYMMDD-HHMMSS>`;
    case "rehearsal":
      return ctx.options.rehearsal ? `would apply ${pending.length} migration(s) to a throwaway copy first` : "off (--no-rehearsal)";
    case "deploy":
      return `would apply ${pending.join(", ")}`;
    default:
      return "would verify the ledger and the schema";
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
