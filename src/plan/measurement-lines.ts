// deploy's human view of --measure's results. Types only: render.ts is loaded on every start.
import type { RehearsalMeasurements } from "./assess.js";

/** The human view's lines: one per measured statement. */
export function measurementLines(measurements: RehearsalMeasurements | undefined): string[] {
  if (!measurements) return [];
  const lines = ["Measured on a copy of production (statement by statement, without production's traffic):"];
  for (const migration of measurements.migrations) {
    if (!migration.measured) lines.push(`  ${migration.name}: not run (an earlier statement failed)`);
    for (const statement of migration.statements) {
      const mark = statement.verdict === "over-threshold" ? "⚠ " : statement.verdict === "fails" ? "✖ " : "";
      lines.push(`  ${mark}${migration.name} line ${statement.line}: ${statement.summary}`);
    }
  }
  return lines;
}
