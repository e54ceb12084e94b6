// The plan as Markdown, for $GITHUB_STEP_SUMMARY and a pull-request comment: read in ten seconds.
// Pure: the same report always gives the same bytes (test/plan/render-markdown.test.ts).
import { formatDuration, type AssessedStatement, type Verdict } from "./assess.js";
import type { PlanReport } from "./plan-report.js";

/** First line of every plan comment: lets a workflow find its earlier comment and update it. */
export const COMMENT_MARKER = "<!-- dbship-plan -->";

const ICON: Record<Verdict, string> = { ok: "✅", blocks: "🟡", "over-threshold": "⚠️", fails: "⛔" };

const MODE_TEXT = {
  "split-on-semicolon": "Prisma sends each `;`-separated piece on its own, so a lock lasts as long as its statement",
  "per-statement": "Prisma runs each statement on its own, so a lock lasts as long as its statement",
  "single-transaction": "Prisma runs each migration.sql as one transaction, so a lock lasts until the end of its migration",
} as const;

export function renderPlanMarkdown(report: PlanReport): string {
  const out: string[] = [COMMENT_MARKER];
  const blocking = report.blockers.length;
  const status = report.error && !blocking ? `⛔ ${report.error.code}` : blocking ? `⛔ ${blocking} problem(s) would stop the deploy` : "✅ nothing would stop the deploy";
  if (report.error && !blocking) {
    // Stopped before measuring (a refusal, bad input): what is pending may not even be known.
    out.push(`## dbship plan for \`${report.production}\` — ${status}`, "");
    out.push(`**${report.error.code}**: ${oneLine(report.error.message)}`, "");
    if (report.error.hint) out.push(`${oneLine(report.error.hint)}`, "");
    return `${out.join("\n")}\n`;
  }
  out.push(`## dbship plan: ${report.pending.length} pending migration(s) for \`${report.production}\` — ${status}`, "");
  if (report.pending.length === 0) {
    out.push("Nothing to measure: production has every migration.", "");
  } else {
    const mode = report.executionMode ? ` ${MODE_TEXT[report.executionMode]}.` : "";
    out.push(
      `Measured statement by statement on a throwaway copy of production.${mode} ⚠️ marks a lock that blocks the application for ${formatDuration(report.thresholdMs)} or more.`,
      "",
    );
  }
  if (blocking) {
    out.push("**Would stop the deploy**", "");
    for (const blocker of report.blockers) out.push(`- \`${blocker.code}\`: ${oneLine(blocker.message)}`);
    out.push("");
  }
  // The plan stopped part way after finding blockers (a copy that could not be made…).
  if (report.error && blocking && report.error.code !== "PLAN_BLOCKED") out.push(`**${report.error.code}**: ${oneLine(report.error.message)}`, "");
  for (const migration of report.migrations) {
    if (!migration.measured) {
      out.push(`### \`${migration.name}\``, "", "Not run: an earlier statement failed.", "");
      continue;
    }
    out.push(`### \`${migration.name}\` — ${formatDuration(migration.durationMs)}`, "");
    out.push("| | line | statement | measured |", "| --- | --- | --- | --- |");
    for (const statement of migration.statements) {
      out.push(`| ${ICON[statement.verdict]} | ${statement.line} | \`${cell(shorten(statement.sql), true)}\` | ${cell(statement.summary, false)} |`);
    }
    const advice = adviceLines(migration.statements);
    if (advice.length) out.push("", ...advice);
    out.push("");
  }
  if (report.prisma) {
    const rows = report.prisma.withRows ? "with production's rows" : "with production's schema and ledger, without its rows";
    const same = report.prisma.sameSchema === null ? "" : report.prisma.sameSchema ? "; the resulting schema is the measured copy's" : "; ⚠️ the resulting schema differs from the measured copy's";
    out.push(
      report.prisma.applied
        ? `Prisma applied the migrations itself (\`prisma migrate deploy\`) on a second copy ${rows}, in ${formatDuration(report.prisma.durationMs)}${same}.`
        : `⛔ Prisma could not apply the migrations (\`prisma migrate deploy\`) on a second copy ${rows}: ${oneLine(report.prisma.error ?? "failed")}`,
      "",
    );
  }
  if (report.schemaCheck && !report.schemaCheck.inSync) out.push(`schema.prisma and the migrations disagree: ${report.schemaCheck.differences.map(oneLine).join("; ")}`, "");
  for (const warning of report.warnings) out.push(`> ${oneLine(warning)}`, "");
  if (report.pending.length) {
    out.push("<sub>Measured without production's traffic: on production a lock is also waited for behind running transactions, and everything queued behind it waits too.</sub>", "");
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

/** The safe alternatives lint gives for the statements that block, fail or are over the threshold. */
function adviceLines(statements: AssessedStatement[]): string[] {
  const lines: string[] = [];
  for (const statement of statements) {
    for (const finding of statement.lint) {
      if (finding.acknowledged || statement.verdict === "ok") continue;
      lines.push(`- line ${statement.line}, \`${finding.rule}\` (${finding.severity}): ${oneLine(finding.safeAlternative)}`);
    }
  }
  return lines;
}

function shorten(sql: string): string {
  const flat = oneLine(sql);
  return flat.length > 90 ? `${flat.slice(0, 87)}…` : flat;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A table cell: no `|` (it ends the cell, even inside code) and, in code, no backtick. */
function cell(text: string, code: boolean): string {
  const escaped = text.replace(/\|/g, "\\|");
  return code ? escaped.replace(/`/g, "'") : escaped;
}
