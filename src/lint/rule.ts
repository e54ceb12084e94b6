// The contract between the engine and the rule groups in ./rules. A group is instantiated once
// per migration, sees its statements in file order (the catalog reflecting everything before
// the current statement), and reports findings against a statement.
import type { Node, RangeVar } from "libpg-query";
import type { Catalog } from "./catalog.js";
import type { SourceText } from "./source-text.js";
import type { ExecutionMode, LintSeverity } from "./types.js";

export type Statement = {
  /** 0-based position in its migration. */
  index: number;
  node: Node;
  /** UTF-16 range in migration.sql: first token to last token, without the `;`. */
  start: number;
  end: number;
  /**
   * Id of the transaction block the statement runs in, or undefined when it commits on its own.
   * Statements sharing an id share a transaction (see transactions.ts in the engine).
   */
  transaction: number | undefined;
  /** The block comes from BEGIN … COMMIT in the file, not from how Prisma sends the file. */
  explicitTransaction: boolean;
};

export type RuleReport = {
  rule: string;
  severity: LintSeverity;
  message: string;
  safeAlternative: string;
  /** UTF-16 index to point at; default: the statement's start. */
  at?: number;
  /**
   * The production table ("public.users") whose size decides how long the lock, scan or rewrite
   * lasts. Only lock/scan/rewrite rules set it; data-loss rules never do (size does not matter).
   */
  table?: string;
};

export type ResolvedContext = {
  serverVersionNum: number | undefined;
  executionMode: ExecutionMode | undefined;
};

export type MigrationScope = {
  name: string;
  source: SourceText;
  statements: readonly Statement[];
  catalog: Catalog;
  context: ResolvedContext;
  /** Some of the file did not parse: its statements are missing from `statements`. */
  parseFailed: boolean;
  /** `statement` undefined: a finding outside any statement (then `at` is required). */
  report(statement: Statement | undefined, finding: RuleReport): void;
};

export type RuleVisitor = {
  statement?(statement: Statement): void;
  /** After the last statement (migration-wide rules). */
  end?(): void;
};

export type RuleGroup = (scope: MigrationScope) => RuleVisitor;

/** A rule id, its default severity and a one-line summary: for docs and the lint command. */
export type RuleInfo = { id: string; severity: LintSeverity; summary: string };

/** Quotes an identifier the way a finding's text shows it. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A relation as the migration wrote it (original case), for messages. */
export function label(relation: RangeVar | undefined): string {
  const name = ident(relation?.relname ?? "?");
  return relation?.schemaname ? `${ident(relation.schemaname)}.${name}` : name;
}

/** A qualified name list (DROP/ALTER TYPE objects) as written, for messages. */
export function labelParts(parts: readonly string[]): string {
  return parts.map(ident).join(".");
}
