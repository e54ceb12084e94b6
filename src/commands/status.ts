import chalk from "chalk";
import type { Command } from "commander";
import type { StatusReport } from "../status/status-report.js";
import { renderNotices } from "../snapshots/render-notices.js";
import { emit } from "./output.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("show every migration's state in production: applied, pending, failed, modified, missing")
    .addHelpText(
      "after",
      `
Exit codes: 0 up to date · 1 migrations pending · 3 a migration is failed, modified or missing
(or production is not managed by Prisma Migrate yet) · 2 bad input.

Unlike \`prisma migrate status\`, edited (modified) and missing migrations are reported, not
passed over.`,
    )
    .action(async (_flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { runStatus } = await import("../status/status-report.js");
      emit(await runStatus(globals), globals, renderStatus);
    });
}

const STATE_STYLE: Record<string, (text: string) => string> = {
  applied: chalk.green,
  pending: chalk.cyan,
  failed: chalk.red,
  modified: chalk.red,
  missing: chalk.red,
  running: chalk.yellow,
};

export function renderStatus(report: StatusReport): string {
  const lines = [`Production: ${report.target}`];
  // One next step: an empty database is created by the migrations (dbship deploy refuses a
  // database without a ledger); one built with `prisma db push` needs a baseline.
  if (report.empty) {
    lines.push(`${chalk.red("✖")} production is empty (no tables, no _prisma_migrations). Create it once with \`prisma migrate deploy\` (${report.entries.length} migration(s)), then use dbship.`);
  } else if (!report.managed) {
    lines.push(`${chalk.red("✖")} no _prisma_migrations table: production is not managed by Prisma Migrate yet. Run \`dbship baseline\` once.`);
  }
  const width = Math.max(9, ...report.entries.map((entry) => entry.name.length));
  if (report.entries.length) lines.push("", `  ${"migration".padEnd(width)}  ${"state".padEnd(8)}  applied at`);
  for (const entry of report.entries) {
    const style = STATE_STYLE[entry.state] ?? ((text: string) => text);
    const note = entry.outOfOrder ? " (out of order)" : entry.state === "failed" || entry.state === "running" ? ` started ${entry.startedAt}` : "";
    lines.push(`  ${entry.name.padEnd(width)}  ${style(entry.state.padEnd(8))}  ${entry.finishedAt ?? "-"}${note}`);
  }
  const m = report.migrations;
  lines.push("");
  if (m.failed.length) lines.push(`${chalk.red("✖")} failed: ${m.failed.join(", ")} — resolve with \`prisma migrate resolve\` (see \`dbship deploy\` for the exact lines)`);
  if (m.modified.length) lines.push(`${chalk.red("✖")} edited after being applied: ${m.modified.join(", ")}`);
  if (m.missing.length) lines.push(`${chalk.red("✖")} applied in production but not in the migrations folder: ${m.missing.join(", ")}`);
  const running = report.entries.filter((entry) => entry.state === "running").map((entry) => entry.name);
  if (running.length) lines.push(`${chalk.yellow("…")} being applied right now by Prisma: ${running.join(", ")} — wait for it to finish; do not resolve it by hand`);
  if (m.pending.length && report.managed) lines.push(`${chalk.cyan("→")} ${m.pending.length} pending: run \`dbship deploy\``);
  if (report.notices?.length) lines.push("", ...renderNotices(report.notices));
  if (report.exitCode === 0) lines.push(`${chalk.green("✔")} up to date: ${m.applied.length} migration(s) applied`);
  return lines.join("\n");
}
