import chalk from "chalk";
import type { Command } from "commander";
import type { RollbackReport } from "../rollback/run-rollback.js";
import { createProgress } from "../ui/progress.js";
import { canPrompt, confirm } from "../ui/prompt.js";
import { listenForInterrupts } from "../infra/interrupts.js";
import { renderNotices } from "../snapshots/render-notices.js";
import { renderError } from "../ui/render-error.js";
import { presentUrl, type SecretPolicy } from "../ui/secrets.js";
import { emit } from "./output.js";

export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description("restore production from a snapshot (or to a point in time), keeping its current state as a backup")
    .option("--to <snapshot>", "snapshot name or id to restore (see dbship snapshot list)")
    .option("--to-time <iso>", "neon: restore production to this instant, e.g. 2026-11-25T10:00:00Z")
    .option("-y, --yes", "do not ask for confirmation (required without a terminal)")
    .option("--terminate-connections", "postgres provider: terminate other sessions on production and the snapshot")
    .addHelpText(
      "after",
      `
Before restoring, dbship shows what will be replaced, which writes made since the snapshot will
be discarded (row counts per table) and the name of the backup that keeps production's current
state. Afterwards it checks that production's migrations and schema equal the snapshot's.

Examples:
  $ dbship rollback                                   # list the snapshots to choose from
  $ dbship rollback --to pre-migration-20261125-101500
  $ dbship rollback --to-time 2026-11-25T10:14:00Z     # neon only`,
    )
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { runRollback } = await import("../rollback/run-rollback.js");
      const progress = await createProgress({ json: Boolean(globals.json), verbose: false });
      const signal = listenForInterrupts(
        () => progress.warn("interrupted: stopping safely (a copy in progress is cancelled; a swap in progress is finished)"),
        (labels) => progress.warn(`stopping now${labels.length ? `, once done: ${labels.join(", ")}` : ""}`),
      );
      const report = await runRollback({
        signal,
        config: globals.config,
        provider: globals.provider,
        to: flags.to,
        toTime: flags.toTime,
        yes: Boolean(flags.yes),
        terminateConnections: Boolean(flags.terminateConnections),
        confirm: flags.yes || !canPrompt() ? undefined : confirm,
        progress,
      });
      progress.pause();
      emit(report, globals, renderRollback, report.backup?.connectionString ? [report.backup.connectionString] : []);
    });
}

export function renderRollback(report: RollbackReport, policy: SecretPolicy): string {
  const lines: string[] = [];
  if (report.error) lines.push(renderError(report.error), "");
  if (report.notices.length) lines.push(...renderNotices(report.notices), "");
  if (report.candidates.length) {
    lines.push("Snapshots of this production, newest first (then the backups rollbacks made):");
    for (const c of report.candidates) {
      const what = c.kind === "pre-rollback" ? "backup made" : "taken";
      lines.push(`  ${c.name}  ${what} ${c.createdAt} (${c.age} ago)  migrations: ${c.migrations.join(", ") || "none"}`);
    }
    lines.push("", `Restore one with: ${chalk.cyan("dbship rollback --to <name>")}`);
  }
  if (!report.ok) return lines.join("\n");
  lines.push(`${chalk.green("✔")} Production (${report.target}) restored from ${report.snapshot?.name ?? report.toTime}`);
  if (report.interruptedAfterSwap) lines.push("  (interrupted after production had been restored: the rollback was finished, not undone)");
  if (report.verified) lines.push(`  verified: migrations ${report.verified.ledger ? "=" : "≠"} snapshot's, schema ${report.verified.schema ? "=" : "≠"} snapshot's`);
  lines.push(`  migrations now: ${report.migrationsNow.join(", ") || "none"}`);
  if (report.migrationsUndone.length) lines.push(`  no longer recorded: ${report.migrationsUndone.join(", ")}`);
  const changed = report.discarded.filter((t) => t.difference !== 0);
  if (changed.length) lines.push(`  discarded writes (still in the backup): ${changed.map((t) => `${t.table} ${t.difference > 0 ? "+" : ""}${t.difference}`).join(", ")}`);
  if (report.backup) {
    lines.push(`  backup: ${report.backup.name} (id ${report.backup.id})${report.backup.connectionString ? ` ${presentUrl(report.backup.connectionString, policy)}` : ""}`);
  }
  lines.push("", "Next:", ...report.nextSteps.map((step) => `  - ${step}`));
  return lines.join("\n");
}
