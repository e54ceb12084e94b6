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
  /**
   * Set when an acknowledgement covers it; then it does not count. `by`: a `-- dbship:allow`
   * comment above the statement, `--allow` on the command line, or a `lint.allow` entry in
   * dbship.config.json (the last two leave migration.sql, and so its checksum, untouched).
   */
  acknowledged?: { reason: string; by?: AcknowledgementSource };
  /**
   * For lock, scan and rewrite findings on a production table whose size production's catalog
   * gave (estimates: reltuples and pg_total_relation_size, no count). `rows` is null when the
   * table was never analyzed (reltuples = -1): then only its size is known.
   */
  table?: TableSize & { name: string; small: boolean };
};

export type AcknowledgementSource = "comment" | "flag" | "config";

/** A rule acknowledged from outside the migrations: `--allow` or dbship.config.json's lint.allow. */
export type LintAllow = {
  rule: string;
  /** Only this migration's findings; undefined: every migration's. */
  migration?: string | undefined;
  reason: string;
  by: "flag" | "config";
};

/** Production's estimate of one table, from pg_class. */
export type TableSize = { rows: number | null; bytes: number; /** As production spells it. */ name?: string };

/** At or below both limits a lock, scan or rewrite is over in milliseconds: a warning, not an error. */
export type SmallTableLimits = { rows: number; bytes: number };

export type LintInput = { name: string; sql: string };

/** How the Prisma CLI sends one migration.sql (src/prisma-target/README.md, "execution modes"). */
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
  /**
   * Columns ("public.users.email", lower-case) that production already guarantees NOT NULL by a
   * validated CHECK (col IS NOT NULL), or that an earlier migration outside the batch did.
   */
  validNotNullChecks?: ReadonlySet<string>;
  /** Tables ("public.users", lower-case) that have a row-level security policy in production. */
  tablesWithPolicies?: ReadonlySet<string>;
  /** Acknowledgements from the command line and the config file. */
  allow?: readonly LintAllow[];
  /**
   * Production's table sizes keyed "public.users" (lower-case). Undefined: unknown (offline),
   * so every lock, scan and rewrite finding keeps its full severity.
   */
  tableSizes?: ReadonlyMap<string, TableSize>;
  /** Default DEFAULT_SMALL_TABLE. */
  smallTable?: SmallTableLimits;
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
