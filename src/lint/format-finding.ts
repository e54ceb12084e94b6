import type { LintFinding } from "./types.js";

/** Renderer-independent text of one finding: `<migration>:<line>:<col> <severity> <rule> <message>` then `  safe: …`. */
export function formatFinding(finding: LintFinding): string {
  const acknowledged = finding.acknowledged ? ` (acknowledged: ${finding.acknowledged.reason})` : "";
  return (
    `${finding.migration}:${finding.line}:${finding.column} ${finding.severity} ${finding.rule} ${finding.message}${acknowledged}\n` +
    `  safe: ${finding.safeAlternative}`
  );
}
