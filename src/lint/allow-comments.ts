// `-- dbship:allow <rule-id>[,<rule-id>…] <reason>` acknowledges those rules on the NEXT
// statement only. The finding stays in the report, marked acknowledged with the reason, so the
// audit trail shows what was waived and why. A comment that acknowledges nothing is reported:
// a typo in a rule id must not silently leave the real finding blocking (or hide that it is gone).
import { scanSync } from "libpg-query";
import { commentsIn } from "./comments.js";
import { SourceText } from "./source-text.js";

export const ALLOW_MARKER = "dbship:allow";

export type AllowComment = {
  /** UTF-16 range of the comment. */
  start: number;
  end: number;
  rules: string[];
  reason: string | undefined;
  /** Index of the statement it covers; undefined when no statement follows it. */
  target: number | undefined;
  /** Written inside a statement rather than before one: it covers nothing. */
  misplaced: boolean;
};

type Range = { start: number; end: number };

export function findAllowComments(source: SourceText, statements: readonly Range[]): AllowComment[] {
  const { sql } = source;
  if (!sql.includes(ALLOW_MARKER)) return [];
  const found: AllowComment[] = [];
  let previousEnd = 0;
  for (let index = 0; index <= statements.length; index++) {
    const next = statements[index];
    for (const comment of commentsIn(sql, previousEnd, next?.start ?? sql.length)) {
      const parsed = parseAllow(sql, comment.start, comment.end, comment.line);
      if (parsed) found.push({ ...parsed, target: next ? index : undefined, misplaced: false });
    }
    if (next) previousEnd = next.end;
  }
  found.push(...misplacedComments(sql, statements));
  return found;
}

function parseAllow(
  sql: string,
  start: number,
  end: number,
  line: boolean,
): Pick<AllowComment, "start" | "end" | "rules" | "reason"> | undefined {
  const body = sql.slice(start + 2, line ? end : end - 2).trim();
  if (!body.startsWith(ALLOW_MARKER)) return undefined;
  const rest = body.slice(ALLOW_MARKER.length);
  // "dbship:allowed …" is not the marker.
  if (rest !== "" && !/^\s/.test(rest)) return undefined;
  const match = /^\s*(\S+)?\s*([\s\S]*)$/.exec(rest);
  const rules = (match?.[1] ?? "").split(",").filter((rule) => rule !== "");
  const reason = (match?.[2] ?? "").replace(/\s+/g, " ").trim();
  return { start, end, rules, reason: reason === "" ? undefined : reason };
}

/** Allow comments written inside a statement: found by scanning only statements that mention one. */
function misplacedComments(sql: string, statements: readonly Range[]): AllowComment[] {
  const found: AllowComment[] = [];
  for (const statement of statements) {
    const text = sql.slice(statement.start, statement.end);
    if (!text.includes(ALLOW_MARKER)) continue;
    const piece = new SourceText(text);
    for (const token of scanSync(text).tokens) {
      const line = token.tokenName === "SQL_COMMENT";
      if (!line && token.tokenName !== "C_COMMENT") continue;
      const start = statement.start + piece.charIndexOfByte(token.start);
      const end = statement.start + piece.charIndexOfByte(token.end);
      const parsed = parseAllow(sql, start, end, line);
      if (parsed) found.push({ ...parsed, target: undefined, misplaced: true });
    }
  }
  return found;
}
