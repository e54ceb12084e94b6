// The one error type dbship throws on purpose. It carries a stable code (for --json and CI), a
// one-line message, a hint that says what to do, and the exit code. The CLI renders it once,
// at the top level; anything else that escapes is a bug and is reported as such.

/** Exit codes (README.md, "Exit codes"). `dbship status` also exits FAILED when migrations are pending. */
export const EXIT = {
  OK: 0,
  /** A step failed after the checks passed: the report says whether production changed. */
  FAILED: 1,
  /** Bad input: flags, config, environment, an unknown snapshot. Nothing was touched. */
  BAD_INPUT: 2,
  /** Refused by a safety check. Nothing changed. */
  REFUSED: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BAD_INPUT_CODES = [
  "USAGE",
  "CONFIG_INVALID",
  "CONFIG_NOT_FOUND",
  "ENV_MISSING",
  "DATABASE_URL_INVALID",
  "DATABASE_URL_AMBIGUOUS",
  "PERMISSION_DENIED",
  "DATABASE_NOT_FOUND",
  "DATABASE_UNREACHABLE",
  "PRISMA_NOT_FOUND",
  "PRISMA_VERSION_UNSUPPORTED",
  "MIGRATIONS_DIR_INVALID",
  "SCHEMA_INVALID",
  "SNAPSHOT_NOT_FOUND",
  "SNAPSHOT_NOT_CHOSEN",
  "SNAPSHOT_NAME_TAKEN",
  "TIME_OUT_OF_WINDOW",
  "PITR_UNSUPPORTED",
  "NEON_AUTH",
  "NEON_NOT_FOUND",
  "NEON_POOLED_URL",
  "NEON_WRONG_TARGET",
  "EMBEDDED_POSTGRES_MISSING",
  "PRISMA_ENGINE_UNAVAILABLE",
  "PRISMA_CONFIG_INVALID",
] as const;

const REFUSED_CODES = [
  "MIGRATIONS_FAILED",
  "MIGRATIONS_MODIFIED",
  "MIGRATIONS_MISSING",
  "NO_MIGRATIONS_TABLE",
  "LOCK_HELD",
  "SESSIONS_ON_DATABASE",
  "CONFIRMATION_REQUIRED",
  "LINT_ERRORS",
  "SCHEMA_OUT_OF_SYNC",
  "BASELINE_MISMATCH",
  "BASELINE_EXISTS",
  "SNAPSHOT_LIMIT",
  "VERIFY_SQL_UNSAFE",
  "EXTENSION_UNAVAILABLE",
  "PRISMA_TARGET_FIXED",
  "PRISMA_TARGET_UNPROVEN",
  "NEON_ROOT_BRANCH_LIMIT",
  "NEON_RESTORE_RESTRICTED",
  "SNAPSHOT_UNTRUSTED",
  "MIGRATION_RUNNING",
  "ROLLBACK_PENDING",
  "PLAN_BLOCKED",
] as const;

export type ErrorCode =
  | (typeof BAD_INPUT_CODES)[number]
  | (typeof REFUSED_CODES)[number]
  | "STEP_FAILED"
  | "SNAPSHOT_FAILED"
  | "REHEARSAL_FAILED"
  | "DEPLOY_FAILED"
  | "DEPLOY_TIMEOUT"
  | "DEPLOY_INTERRUPTED"
  | "VERIFY_FAILED"
  | "VERIFY_INCOMPLETE"
  | "REHEARSAL_TIMEOUT"
  | "DATABASE_ERROR"
  | "ROLLBACK_FAILED"
  | "ROLLBACK_INTERRUPTED"
  | "SNAPSHOT_INTERRUPTED"
  | "PRISMA_FAILED"
  | "PRODUCTION_CHANGED"
  | "NEON_API"
  | "NEON_OPERATION_FAILED"
  | "EMBEDDED_POSTGRES_FAILED"
  | "INTERNAL";

export function exitCodeFor(code: ErrorCode): ExitCode {
  if ((BAD_INPUT_CODES as readonly string[]).includes(code)) return EXIT.BAD_INPUT;
  if ((REFUSED_CODES as readonly string[]).includes(code)) return EXIT.REFUSED;
  return EXIT.FAILED;
}

/**
 * The `error` of every command's --json document, whatever the command (README, "JSON
 * documents"). `details` are the structured facts behind the message (the findings that blocked
 * a deploy, the session holding the lock…), as JSON: present only when the error has some.
 */
export type ErrorDocument = { code: ErrorCode; message: string; hint: string | null; details?: Record<string, unknown> };

export class DbshipError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  /** Structured facts for the report (e.g. the migrations that blocked a deploy): ErrorDocument.details. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; exitCode?: ExitCode; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DbshipError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? exitCodeFor(code);
    this.details = options.details;
  }

  toJSON(): ErrorDocument {
    const document: ErrorDocument = { code: this.code, message: this.message, hint: this.hint ?? null };
    // Through JSON once, so that the document holds what --json prints (a Date as its ISO string).
    if (this.details) document.details = JSON.parse(JSON.stringify(this.details)) as Record<string, unknown>;
    return document;
  }
}

export function isDbshipError(error: unknown): error is DbshipError {
  return error instanceof DbshipError;
}
