import chalk from "chalk";
import type { Command } from "commander";
import type { BaselineReport } from "../baseline/run-baseline.js";
import { createProgress } from "../ui/progress.js";
import { canPrompt, confirm } from "../ui/prompt.js";
import { renderError } from "../ui/render-error.js";
import { emit, interruptSignal } from "./output.js";

export function registerBaseline(program: Command): void {
  program
    .command("baseline")
    .description("one-time cutover from prisma db push: write the baseline migration and mark it applied")
    .option("--name <name>", "the baseline's folder name", "0001_baseline")
    .option("--dry-run", "build the baseline and compare it with production; write nothing, mark nothing")
    .option("--force", "write a baseline even though the migrations folder already has migrations")
    .option("-y, --yes", "do not ask before marking it applied (required without a terminal)")
    .addHelpText(
      "after",
      `
1. builds the baseline: schema.prisma's SQL (prisma migrate diff --from-empty) plus production's
   objects that schema.prisma cannot express (extensions first; CHECK constraints, functions,
   views, triggers, policies after the tables), so new environments get them too
2. builds it on a scratch database and compares it with production: any difference is refused
   (exit 3) and listed
3. writes prisma/migrations/<name>/migration.sql and migration_lock.toml and marks it applied in
   production (prisma migrate resolve --applied <name>), after confirmation

A dry run, a refusal or a declined confirmation leave nothing behind, so running it again works.
Refused, changing nothing: a migrations folder that already has other migrations (unless
--force), a production that already has _prisma_migrations rows, a schema Prisma cannot read, an
extension production has that the scratch server cannot install.

Example:
  $ dbship baseline --dry-run && dbship baseline --yes`,
    )
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { runBaseline } = await import("../baseline/run-baseline.js");
      const progress = await createProgress({ json: Boolean(globals.json), verbose: false });
      const report = await runBaseline({
        config: globals.config,
        provider: globals.provider,
        name: flags.name,
        force: Boolean(flags.force),
        dryRun: Boolean(flags.dryRun),
        yes: Boolean(flags.yes),
        confirm: flags.yes || !canPrompt() ? undefined : confirm,
        progress,
        signal: interruptSignal(),
      });
      progress.pause();
      emit(report, globals, renderBaseline);
    });
}

function renderBaseline(report: BaselineReport): string {
  const lines: string[] = [];
  if (report.error) lines.push(renderError(report.error), "");
  if (report.handWritten.length) {
    lines.push(chalk.yellow(`! production has objects schema.prisma cannot express; the baseline ${report.marked ? "includes" : "would include"} their SQL:`));
    for (const item of report.handWritten) lines.push(`  - ${item.object}`, ...item.sql.split("\n").map((line) => `      ${line}`));
  }
  if (report.leftOut.length) {
    lines.push(chalk.yellow("! production has objects the baseline cannot recreate (new environments will not have them):"));
    lines.push(...report.leftOut.map((object) => `  - ${object}`));
  }
  if (report.dryRun && report.sql !== null) lines.push(`${chalk.green("✔")} the baseline matches production (dry run: nothing written; --json shows its SQL)`);
  if (report.written) lines.push(`${chalk.green("✔")} wrote ${report.file}`);
  if (report.marked) lines.push(`${chalk.green("✔")} ${report.name} marked as applied in production (${report.target})`);
  if (report.nextSteps.length) lines.push("", "Next:", ...report.nextSteps.map((step) => `  - ${step}`));
  return lines.join("\n");
}
