import type { Command } from "commander";
import { createProgress, type Progress } from "../ui/progress.js";
import { canPrompt, confirm } from "../ui/prompt.js";
import { renderDeployReport } from "./render-deploy.js";
import { emit, interruptSignal } from "./output.js";

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("apply pending migrations to production: preflight → snapshot → rehearsal → deploy → post-verify")
    .option("--no-rehearsal", "skip applying the migrations to a throwaway copy of production first")
    .option("--dry-run", "run preflight and show the plan; change nothing")
    .option("--terminate-connections", "postgres provider: terminate other sessions on production so it can be copied")
    .option("--allow-destructive", "deploy even if lint finds data-losing or blocking statements")
    .option("--allow <rule[,rule...]>", "acknowledge these lint rules for this deploy, without editing the migrations (repeatable)", collect, [])
    .option("--measure", "in the rehearsal, also measure each statement's locks, time and rewrites on a copy of its own (as dbship plan does)")
    .option("-y, --yes", "do not ask for confirmation on a terminal (without a terminal deploy never asks)")
    .option("--verbose", "show Prisma's output")
    .addHelpText(
      "after",
      `
Steps:
  preflight    deploy lock; production's ledger vs prisma/migrations (failed, edited, missing
               migrations refuse with exit 3); lint of the pending SQL; nothing pending → exit 0
  snapshot     a copy of production named <prefix>YYYYMMDD-HHMMSS, kept for rollback
  rehearsal    the pending migrations applied to a throwaway copy first; failure → exit 1,
               production untouched
  deploy       prisma migrate deploy on production (point of no return)
  post-verify  ledger, schema = rehearsal's, verify.sql scripts, prisma migrate status

If deploy or post-verify fails, the output says how to restore production from the snapshot.

Examples:
  $ dbship deploy                 # in CI: DATABASE_URL is production's direct URL
  $ dbship deploy --dry-run       # what would happen
  $ dbship deploy --json > report.json`,
    )
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { runDeploy } = await import("../pipeline/deploy.js");
      const progress = await createProgress({ json: Boolean(globals.json), verbose: Boolean(flags.verbose) });
      const signal = interruptSignal(
        () => progress.warn("interrupted: stopping safely (Ctrl-C again to quit sooner)"),
        (labels) => progress.warn(`quitting${labels.length ? ` once done: ${labels.join(", ")}` : ""}`),
      );
      const report = await runDeploy({
        config: globals.config,
        provider: globals.provider,
        // Only an explicit --no-rehearsal overrides the config file.
        rehearsal: command.getOptionValueSource("rehearsal") === "cli" ? flags.rehearsal : undefined,
        dryRun: Boolean(flags.dryRun),
        terminateConnections: Boolean(flags.terminateConnections),
        allowDestructive: Boolean(flags.allowDestructive),
        allow: flags.allow,
        measure: Boolean(flags.measure),
        verbose: Boolean(flags.verbose),
        confirm: flags.yes || !canPrompt() ? undefined : (question: string) => askAfterPausing(progress, question),
        progress,
        signal,
        invocation: { config: globals.config, provider: globals.provider },
      });
      progress.pause();
      const urls = [report.snapshot?.connectionString, report.rollback?.connectionString].filter((url): url is string => Boolean(url));
      emit(report, globals, renderDeployReport, urls);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function askAfterPausing(progress: Progress, question: string): Promise<boolean> {
  progress.pause();
  return confirm(question);
}
