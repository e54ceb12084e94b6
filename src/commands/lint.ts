import chalk from "chalk";
import type { Command } from "commander";
import type { LintReport } from "../lint/lint-command.js";
import { emit } from "./output.js";

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description("check migrations for data loss and blocking locks, on the real PostgreSQL parser")
    .argument("[migration...]", "migration folder names or paths (default: pending ones, or all without DATABASE_URL)")
    .option("--offline", "do not read production even if DATABASE_URL is set")
    .option("--allow <rule[,rule...]>", "acknowledge these rules without editing the migrations (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addHelpText(
      "after",
      `
Errors (data loss, long exclusive locks, SQL Prisma cannot run) exit 1; warnings exit 0.
Acknowledge findings without editing a migration (its checksum stays the same):
  --allow <rule-id>[,<rule-id>…]             for this run
  "lint": { "allow": [{ "migration": "<folder>", "rule": "<rule-id>", "reason": "…" }] }
                                             in dbship.config.json
or with a comment on the line above its statement (this edits the migration):
  -- dbship:allow <rule-id> <why it is fine here>

With DATABASE_URL, lock, scan and rewrite findings on a production table carry its estimated
size, and on a small table (lint.smallTable, default 10,000 rows and 10 MB) are warnings.
Offline the sizes are unknown, so they stay errors. Data-loss findings are errors at any size.

dbship deploy runs the same lint in preflight and refuses errors (exit 3) unless
--allow-destructive.

Examples:
  $ dbship lint                                   # pending migrations vs production
  $ dbship lint --offline 20261125_add_subtitle   # in a pre-commit hook`,
    )
    .action(async (migrations: string[], flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { runLint } = await import("../lint/lint-command.js");
      const { formatFinding } = await import("../lint/index.js");
      emit(await runLint({ config: globals.config, migrations, offline: Boolean(flags.offline), allow: flags.allow }), globals, (report: LintReport) => {
        const lines = report.findings.map((finding) => formatFinding(finding));
        const against =
          report.against === "production"
            ? " (against production's tables and sizes)"
            : " (offline: table sizes unknown, so lock, scan and rewrite findings stay errors)";
        const summary = `${report.migrations.length} migration(s), ${report.statements} statement(s): ${report.errors} error(s), ${report.warnings} warning(s), ${report.acknowledged} acknowledged${against}`;
        lines.push(report.errors ? `${chalk.red("✖")} ${summary}` : `${chalk.green("✔")} ${summary}`);
        return lines.join("\n");
      });
    });
}
