// Where the plan's Markdown goes besides stdout: the job summary GitHub Actions shows
// ($GITHUB_STEP_SUMMARY, appended to, as GitHub documents it: "Adding a job summary", workflow
// commands) and a file a workflow posts as the pull request's comment (overwritten).
import { appendFile, writeFile } from "node:fs/promises";
import { DbshipError } from "../errors.js";
import type { PlanReport } from "./plan-report.js";
import { renderPlanMarkdown } from "./render-markdown.js";

export async function writePlanMarkdown(report: PlanReport, targets: { commentFile?: string | undefined; stepSummary?: string | undefined }): Promise<void> {
  const markdown = renderPlanMarkdown(report);
  if (targets.stepSummary) await appendFile(targets.stepSummary, markdown).catch((error: Error) => {
    throw new DbshipError("USAGE", `cannot write $GITHUB_STEP_SUMMARY (${targets.stepSummary}): ${error.message}`);
  });
  if (targets.commentFile) await writeFile(targets.commentFile, markdown).catch((error: Error) => {
    throw new DbshipError("USAGE", `cannot write --comment-file ${targets.commentFile}: ${error.message}`, { hint: "Name a file in a folder that exists." });
  });
}
