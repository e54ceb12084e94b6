// Parses one migration.sql with PostgreSQL's own parser, once for the whole file. When the file
// does not parse, it is cut into statements at the scanner's `;` tokens and each piece parsed on
// its own, so every broken statement is reported and the good ones are still linted (and still
// count as creating their tables for the migrations after).
import { hasSqlDetails, parseSync, scanSync, type Node, type RawStmt } from "libpg-query";
import { SourceText } from "./source-text.js";

export type ParsedStatement = { node: Node; start: number; end: number };
export type ParseProblem = { at: number; message: string; text: string };
export type ParsedMigration = { statements: ParsedStatement[]; problems: ParseProblem[] };

export function parseMigration(source: SourceText): ParsedMigration {
  const { sql } = source;
  if (sql.trim() === "") return { statements: [], problems: [] };
  try {
    return { statements: toStatements(parseSync(sql).stmts ?? [], source, 0), problems: [] };
  } catch (error) {
    return parsePieces(source, error);
  }
}

/** Maps the parser's byte ranges to trimmed UTF-16 ranges of `source`, shifted by `offset`. */
function toStatements(raw: readonly RawStmt[], source: SourceText, offset: number): ParsedStatement[] {
  const { sql } = source;
  const statements: ParsedStatement[] = [];
  for (const item of raw) {
    if (!item.stmt) continue;
    const location = item.stmt_location ?? 0;
    const start = source.charIndexOfByte(location);
    // stmt_len 0 means "to the end of the text" (a last statement without `;`).
    let end = item.stmt_len ? source.charIndexOfByte(location + item.stmt_len) : sql.length;
    while (end > start && isBlank(sql.charCodeAt(end - 1))) end--;
    statements.push({ node: item.stmt, start: start + offset, end: end + offset });
  }
  return statements;
}

function isBlank(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function parsePieces(source: SourceText, firstError: unknown): ParsedMigration {
  const { sql } = source;
  const firstAt = errorIndex(source, firstError);
  const cuts = semicolons(source, firstAt);
  const statements: ParsedStatement[] = [];
  const problems: ParseProblem[] = [];
  let from = 0;
  for (const cut of [...cuts, sql.length]) {
    const text = sql.slice(from, cut);
    if (text.trim() !== "") {
      const piece = new SourceText(text);
      try {
        statements.push(...toStatements(parseSync(text).stmts ?? [], piece, from));
      } catch (error) {
        // The whole-file error saw the real `;` ("at or near ;"); the piece only sees its end.
        const first = firstAt >= from && firstAt <= cut;
        problems.push({
          at: first ? firstAt : from + errorIndex(piece, error),
          message: errorMessage(first ? firstError : error),
          text: text.trim(),
        });
      }
    }
    from = cut + 1;
  }
  // Scanning and parsing agree on what fails; if they ever did not, still report the first error.
  if (problems.length === 0) {
    problems.push({ at: firstAt, message: errorMessage(firstError), text: sql.slice(firstAt).split("\n")[0] ?? "" });
  }
  return { statements, problems };
}

/**
 * UTF-16 indexes of the `;` tokens that end statements. A lexical error (an unterminated quote
 * or comment) stops the scanner, so then only the text before the error is scanned, and the
 * rest stays one piece that fails with that error.
 */
function semicolons(source: SourceText, errorAt: number): number[] {
  const { sql } = source;
  let tokens;
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    const prefix = sql.slice(0, errorAt);
    try {
      tokens = scanSync(prefix).tokens;
    } catch {
      return [];
    }
  }
  const cuts: number[] = [];
  for (const token of tokens) {
    if (token.text === ";") cuts.push(source.charIndexOfByte(token.start));
  }
  return cuts;
}

function errorIndex(source: SourceText, error: unknown): number {
  return hasSqlDetails(error) ? source.charIndexOfCodePoint(error.sqlDetails?.cursorPosition ?? 0) : 0;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
