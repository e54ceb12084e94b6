// Severity from production's size. A lock, scan or rewrite is only as long as the table is big:
// on a table of a few hundred rows the ACCESS EXCLUSIVE lock of a CREATE INDEX lasts
// milliseconds. When production's catalog gave the table's estimated size, such findings carry
// it, and at or below the small-table limits they become warnings. Data-loss rules never set a
// table, so they stay errors whatever the size. See docs/lint.md.
import type { LintFinding, SmallTableLimits, TableSize } from "./types.js";

/** Which production table each finding is about (kept out of the output until sizes are known). */
export const findingTables = new WeakMap<LintFinding, string>();

export const DEFAULT_SMALL_TABLE: SmallTableLimits = { rows: 10_000, bytes: 10 * 1024 * 1024 };

/** Rules whose cost grows with the table, and what takes the time. */
export const SIZE_SENSITIVE_RULES: ReadonlyMap<string, string> = new Map([
  ["require-concurrent-index-creation", "the build holds the lock"],
  ["require-concurrent-reindex", "the rebuild holds the lock"],
  ["disallowed-unique-constraint", "the index build holds the lock"],
  ["adding-primary-key-constraint", "the index build holds the lock"],
  ["add-exclusion-constraint", "the index build holds the lock"],
  ["constraint-missing-not-valid", "the validation scan holds the lock"],
  ["adding-foreign-key-constraint", "the validation scan holds the locks"],
  ["set-not-null", "the scan holds the lock"],
  ["changing-column-type", "the rewrite holds the lock"],
  ["adding-field-with-default", "the rewrite holds the lock"],
  ["add-generated-or-identity-column", "the rewrite holds the lock"],
  ["prefer-repack", "the rewrite holds the lock"],
  ["table-persistence-or-tablespace", "the rewrite holds the lock"],
  ["refresh-materialized-view-concurrently", "the refresh holds the lock"],
  ["backfill-in-ddl-transaction", "the backfill holds the lock"],
]);

export function applySizes(
  findings: LintFinding[],
  sizes: ReadonlyMap<string, TableSize & { name?: string }>,
  limits: SmallTableLimits = DEFAULT_SMALL_TABLE,
): void {
  for (const finding of findings) {
    const key = findingTables.get(finding);
    const what = SIZE_SENSITIVE_RULES.get(finding.rule);
    const size = key === undefined ? undefined : sizes.get(key);
    if (!size || !what) continue;
    const small = isSmall(size, limits);
    const name = displayName(size.name ?? key!.slice(key!.indexOf(".") + 1), key!);
    finding.table = { name, rows: size.rows, bytes: size.bytes, small };
    const measured = `${name}: ${describeSize(size)}`;
    if (small && finding.severity === "error") {
      finding.severity = "warning";
      finding.message += ` ${measured} — ${what} for milliseconds, so this is a warning (at or below lint.smallTable: ${formatCount(limits.rows)} rows and ${formatBytes(limits.bytes)}).`;
    } else if (small) {
      finding.message += ` ${measured} — ${what} for milliseconds.`;
    } else {
      finding.message += ` ${measured}: above lint.smallTable (${formatCount(limits.rows)} rows or ${formatBytes(limits.bytes)}).`;
    }
  }
}

/** rows null (never analyzed): judged by size alone. */
export function isSmall(size: TableSize, limits: SmallTableLimits): boolean {
  return size.bytes <= limits.bytes && (size.rows === null || size.rows <= limits.rows);
}

export function describeSize(size: TableSize): string {
  const rows = size.rows === null ? "rows not estimated yet (never analyzed; judged by size)" : `~${formatCount(size.rows)} rows`;
  return `${rows}, ${formatBytes(size.bytes)}`;
}

function displayName(name: string, key: string): string {
  const schema = key.slice(0, key.indexOf("."));
  return schema === "public" ? name : `${schema}.${name}`;
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Like pg_size_pretty: 1024-based, kB/MB/GB/TB. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 10 * 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value)} ${units[unit]}`;
}
