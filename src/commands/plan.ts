import type { Command } from "commander";
import type { PlanReport } from "../plan/plan-report.js";
import { createProgress } from "../ui/progress.js";
import { emit, interruptSignal } from "./output.js";

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("measure what the pending migrations will do to production, on copies of it (production is not changed)")
    .option("--comment-file <path>", "also write the Markdown report to this file (for a pull-request comment)")
    .option("--threshold-ms <ms>", "flag locks that block the application for this long or longer", "1000")
    .option("--terminate-connections", "postgres provider: terminate other sessions on production so it can be copied")
    .option("--allow <rule[,rule...]>", "acknowledge these lint rules for this plan (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addHelpText(
      "after",
      `
Runs preflight's read-only checks (no deploy lock), lint with production's table sizes and the
schema check, then applies the pending migrations statement by statement to a throwaway copy
of production and measures each statement: duration, table locks (mode, and what they block),
table rewrites, index builds and their size, rows changed, and the rows that break a new
constraint (count, and a few primary keys). Prisma then applies the same migrations itself
(prisma migrate deploy) on a second copy, which proves it can. Both copies are deleted.

The Markdown report goes to stdout, to $GITHUB_STEP_SUMMARY when it is set, and to
--comment-file; --json prints the report as JSON instead.

Exit codes: 0 nothing would stop the deploy (locks over the threshold are flagged, not
refused) · 3 something would: lint errors, schema out of sync, a statement that fails on
production's data, a verify.sql that fails, Prisma failing to apply · 2 bad input · 1 the plan
could not be completed.

Examples:
  $ dbship plan                                   # in a pull request's CI job
  $ dbship plan --comment-file plan.md --json > plan.json`,
    )
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const thresholdMs = Number(flags.thresholdMs);
      if (!Number.isFinite(thresholdMs) || thresholdMs < 0) {
        const { DbshipError } = await import("../errors.js");
        throw new DbshipError("USAGE", `--threshold-ms must be a number of milliseconds, got "${flags.thresholdMs}"`, { hint: "e.g. --threshold-ms 2000" });
      }
      const { runPlan } = await import("../plan/run-plan.js");
      const { writePlanMarkdown } = await import("../plan/write-markdown.js");
      const { renderPlanMarkdown } = await import("../plan/render-markdown.js");
      const progress = await createProgress({ json: Boolean(globals.json), verbose: false });
      const report = await runPlan({
        config: globals.config,
        provider: globals.provider,
        thresholdMs,
        terminateConnections: Boolean(flags.terminateConnections),
        allow: flags.allow,
        progress,
        signal: interruptSignal(),
      });
      progress.pause();
      await writePlanMarkdown(report, { commentFile: flags.commentFile, stepSummary: process.env.GITHUB_STEP_SUMMARY });
      emit(report, globals, (r: PlanReport) => renderPlanMarkdown(r).trimEnd());
    });
}
