// Turns measurements into what a reviewer reads: per statement a verdict and one sentence ("blocks
// writes to `orders` for ~14 s"), against the threshold, with lint's safe alternative attached.
import type { LintFinding } from "../lint/types.js";
import { formatBytes } from "../lint/table-size.js";
import type { MeasuredLock, MigrationMeasure, StatementMeasure } from "./measure-statements.js";

/** Default threshold: a lock that blocks the application longer than this is flagged. */
/** `dbship deploy --measure`: the rehearsal step's measurements, in the deploy report. */
export type RehearsalMeasurements = { thresholdMs: number; migrations: AssessedMigration[] };

export const DEFAULT_THRESHOLD_MS = 1000;

export type Verdict = "ok" | "blocks" | "over-threshold" | "fails";

export type AssessedStatement = StatementMeasure & {
  verdict: Verdict;
  /** One line: what the statement does to production's application, measured. */
  summary: string;
  /** Lint findings on this statement (rule, severity, safe alternative). */
  lint: Array<Pick<LintFinding, "rule" | "severity" | "message" | "safeAlternative"> & { acknowledged: boolean }>;
};

export type AssessedMigration = Omit<MigrationMeasure, "statements"> & {
  /** False when an earlier statement failed, so this migration was not run. */
  measured: boolean;
  statements: AssessedStatement[];
};

export function assessMigrations(pending: string[], measured: MigrationMeasure[], findings: LintFinding[], thresholdMs: number): AssessedMigration[] {
  return pending.map((name) => {
    const migration = measured.find((m) => m.name === name);
    if (!migration) return { name, durationMs: 0, completed: false, measured: false, statements: [] };
    return {
      ...migration,
      measured: true,
      statements: migration.statements.map((statement) => assessStatement(statement, findings.filter((f) => f.migration === name && f.line === statement.line), thresholdMs)),
    };
  });
}

function assessStatement(statement: StatementMeasure, findings: LintFinding[], thresholdMs: number): AssessedStatement {
  const lint = findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, safeAlternative: f.safeAlternative, acknowledged: Boolean(f.acknowledged) }));
  if (statement.error) {
    const v = statement.violation;
    const summary = v
      ? `fails: ${count(v.rows)} row(s) of \`${v.table}\` violate ${v.rule}${v.sample.length ? ` (e.g. ${v.sample.join("; ")})` : ""}`
      : `fails: ${statement.error.message}`;
    return { ...statement, verdict: "fails", summary, lint };
  }
  const worst = worstLock(statement.locks);
  const parts: string[] = [];
  let verdict: Verdict = "ok";
  if (worst && worst.blocks !== "nothing") {
    verdict = worst.heldMs >= thresholdMs ? "over-threshold" : "blocks";
    parts.push(`blocks ${worst.blocks} to \`${worst.relation}\` for ~${formatDuration(worst.heldMs)} (${worst.mode})`);
  } else if (rowLocks(statement)) {
    // UPDATE/DELETE lock every row they change until commit: writes to those rows wait.
    const heldMs = worst?.heldMs ?? statement.durationMs;
    verdict = heldMs >= thresholdMs ? "over-threshold" : "blocks";
    parts.push(`blocks writes to the ${count(statement.rows?.count ?? 0)} changed row(s) of \`${worst?.relation ?? "the table"}\` for ~${formatDuration(heldMs)} (row locks)`);
  } else if (worst) {
    parts.push(`blocks no reads or writes (${worst.mode} on \`${worst.relation}\`, ~${formatDuration(worst.heldMs)})`);
  }
  const tableRewrites = statement.rewrites.filter((r) => r.kind === "table");
  for (const rewrite of tableRewrites) parts.push(`rewrote \`${rewrite.relation}\` (${formatBytes(rewrite.bytesBefore)} → ${formatBytes(rewrite.bytesAfter)})`);
  for (const index of statement.indexesBuilt) parts.push(`built index \`${index.name}\` (${formatBytes(index.bytes)})`);
  if (statement.rows && !rowLocks(statement)) parts.push(`${statement.rows.how === "estimated" ? "~" : ""}${count(statement.rows.count)} row(s) ${statement.rows.how === "changed" ? "changed" : "processed"}`);
  if (worst && tableRewrites.length === 0 && statement.indexesBuilt.length === 0 && statement.rows === null && /^\s*ALTER\s+TABLE/i.test(statement.sql)) {
    parts.push("no rewrite");
  }
  return { ...statement, verdict, summary: parts.length ? parts.join("; ") : `~${formatDuration(statement.durationMs)}, no table lock`, lint };
}

/** An UPDATE, DELETE or MERGE that changed rows holds their row locks until it commits. */
function rowLocks(statement: StatementMeasure): boolean {
  return statement.rows?.how === "changed" && statement.rows.count > 0 && !/^\s*(INSERT|COPY)\b/i.test(statement.sql);
}

function worstLock(locks: MeasuredLock[]): MeasuredLock | undefined {
  const rank = { "reads and writes": 2, writes: 1, nothing: 0 } as const;
  return [...locks].sort((a, b) => rank[b.blocks] - rank[a.blocks] || b.heldMs - a.heldMs || a.relation.localeCompare(b.relation))[0];
}

/** "3 ms", "1.4 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(1, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
