// Public types of the SQL linter. The pipeline's preflight and `dbship lint` both consume these;
// the --json report embeds LintFinding as is, so field names are part of the output contract.

export type LintSeverity = "error" | "warning";

export type LintFinding = {
  /** Stable kebab-case rule id, the one an allow comment names. */
  rule: string;
  severity: LintSeverity;
  /** LintInput.name of the migration the finding is in. */
  migration: string;
  /** 1-based position in migration.sql (UTF-16 columns, like editors count). */
  line: number;
  column: number;
  /** The statement's text, without its terminating `;`. */
  statement: string;
  /** Why it is dangerous. */
  message: string;
  safeAlternative: string;
  /** Set when a `-- dbship:allow <rule> <reason>` comment covers it; then it does not count. */
  acknowledged?: { reason: string };
};

export type LintInput = { name: string; sql: string };

/** How the Prisma CLI sends one migration.sql (reference/prisma-migrate.md §2.3). */
export type ExecutionMode = "split-on-semicolon" | "single-transaction" | "per-statement";

export type LintContext = {
  /**
   * Tables (schema-qualified lower-case "public.moments") that exist in production now.
   * Undefined: unknown, assume every table not created in the pending batch exists.
   */
  existingTables?: ReadonlySet<string>;
  /** server_version_num of production, e.g. 180004; undefined = unknown. */
  serverVersionNum?: number;
  /**
   * How the Prisma CLI will send each file: "split-on-semicolon" (6.x engine js adapter),
   * "single-transaction" (6.x native, 7.0–7.3), "per-statement" (7.4+). Undefined = unknown:
   * transaction rules assume "single-transaction" (the strictest), the `;` rule only warns.
   */
  executionMode?: ExecutionMode;
  /**
   * Column types in production, keyed "public.moments.title" (lower-case), valued as
   * `format_type(atttypid, atttypmod)` prints them ("character varying(200)"). Optional: with
   * it, a type change that PostgreSQL does without a rewrite (varchar widening, varchar → text,
   * numeric widening) is not reported; without it such changes can only be guessed at.
   */
  columnTypes?: ReadonlyMap<string, string>;
  /** Schema that unqualified names resolve to (Prisma's `?schema=`); default "public". */
  defaultSchema?: string;
};

export type LintResult = {
  /** Every finding, acknowledged ones included, in migration order then file position. */
  findings: LintFinding[];
  /** Unacknowledged errors: any of these blocks a deploy. */
  errors: number;
  /** Unacknowledged warnings. */
  warnings: number;
  acknowledged: number;
  /** Statements parsed across all migrations. */
  statements: number;
};
