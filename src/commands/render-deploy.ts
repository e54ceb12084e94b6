// `dbship deploy`'s human view of its report: the error at the top, warnings, then either the
// rollback instructions or what was deployed.
import chalk from "chalk";
import { formatFinding } from "../lint/format-finding.js";
import type { Report } from "../pipeline/report.js";
import { measurementLines } from "../plan/measurement-lines.js";
import { renderError, renderWarnings } from "../ui/render-error.js";
import { presentUrl, type SecretPolicy } from "../ui/secrets.js";

export function renderDeployReport(report: Report, policy: SecretPolicy): string {
  const lines: string[] = [];
  if (report.error) lines.push(renderError(report.error), "");
  lines.push(...renderWarnings(report.warnings));
  lines.push(...measurementLines(report.measurements));
  // Acknowledged lint findings: not warnings, but the report says what was waived and by whom.
  for (const finding of report.lint?.findings.filter((f) => f.acknowledged) ?? []) {
    lines.push(`${chalk.dim("✓")} acknowledged ${formatFinding(finding).split("\n")[0]}`);
  }
  if (report.rollback) {
    const advice = report.rollback;
    lines.push(
      chalk.bold(
        report.error?.code === "VERIFY_INCOMPLETE"
          ? "Production could not be verified. Should `dbship status` or your checks show a problem, to put it back as it was before this deploy:"
          : "Production may be partly migrated. To put it back as it was before this deploy:",
      ),
      `  failed step:      ${advice.failedStep}`,
      `  database error:   ${advice.databaseError}`,
      `  snapshot:         ${advice.snapshot.name} (id ${advice.snapshot.id}, taken ${advice.snapshot.createdAt})`,
      `  connection:       ${presentUrl(advice.connectionString, policy)}`,
      "",
      `  restore:          ${chalk.cyan(advice.command)}`,
      `  or:               ${advice.alternative}`,
    );
    if (advice.resolve.length) {
      lines.push("  to fix forward instead, undo the failed migration's partial changes by hand, then mark it rolled back:");
      lines.push(...advice.resolve.map((line) => `                    ${line}`));
    }
    const changes = report.productionChanges;
    if (changes?.length) {
      lines.push("  production changed since the snapshot (the restore undoes these):");
      lines.push(...changes.map((change) => `    - ${change}`));
    }
  } else if (report.ok) {
    const applied = report.migrations.applied;
    const pending = report.migrations.pending;
    if (report.dryRun && pending.length > 0) lines.push(`${chalk.green("✔")} Dry run: preflight passed; a deploy would apply ${pending.length} migration(s): ${pending.join(", ")}`);
    else if (applied.length === 0) lines.push(`${chalk.green("✔")} Production is up to date: nothing to deploy, no snapshot taken.`);
    else lines.push(`${chalk.green("✔")} Deployed ${applied.length} migration(s): ${applied.join(", ")}`);
    if (report.snapshot) {
      lines.push(`  snapshot ${report.snapshot.name} is kept; to go back: ${chalk.cyan(`dbship rollback --to ${report.snapshot.name}`)}`);
    }
    if (report.dryRun) lines.push(`  dry run: nothing was changed.${pending.length ? "" : " Pending: none"}`);
  } else if (report.error && !report.rollback) {
    const changed = report.steps.some((step) => step.status === "ok" && step.name === "deploy") || report.error.code === "PRODUCTION_CHANGED";
    if (!changed) lines.push(chalk.dim("Nothing was changed in production."));
    else if (report.error.code === "PRODUCTION_CHANGED") lines.push(chalk.red.bold("Production was changed by a run meant for another database: check it before anything else."));
  }
  return lines.join("\n");
}
