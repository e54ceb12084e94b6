import type { LintFinding } from "./types.js";

/** Renderer-independent text of one finding: `<migration>:<line>:<col> <severity> <rule> <message>` then `  safe: …`. */
export function formatFinding(finding: LintFinding): string {
  const by = finding.acknowledged?.by;
  const acknowledged = !finding.acknowledged
    ? ""
    : by === "flag"
      ? " (acknowledged by --allow)"
      : by === "config"
        ? ` (acknowledged in dbship.config.json: ${finding.acknowledged.reason})`
        : ` (acknowledged: ${finding.acknowledged.reason})`;
  return (
    `${finding.migration}:${finding.line}:${finding.column} ${finding.severity} ${finding.rule} ${finding.message}${acknowledged}\n` +
    `  safe: ${finding.safeAlternative}`
  );
}
