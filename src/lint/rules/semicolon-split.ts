// Prisma 6.x on the `engine: "js"` adapter path runs `script.split(";")` piece by piece
// (src/prisma-target/README.md, "execution modes"), so a `;` that does not end a statement cuts one in two:
// inside a string, a $$ body, a DO block or a comment. The parser already knows where each
// statement ends; any other `;` is such a cut. Only then is the statement re-scanned, to say
// what the `;` sits in.
import { scanSync } from "libpg-query";
import { as } from "../ast.js";
import { commentsIn } from "../comments.js";
import { byteLength } from "../source-text.js";
import type { RuleGroup, RuleInfo, RuleReport, Statement } from "../rule.js";

export const semicolonRules: RuleInfo[] = [
  {
    id: "prisma-semicolon-split",
    severity: "error",
    summary: "A `;` inside a string, $$ body, DO block or comment, on Prisma's split-on-`;` path (warning when the path is unknown)",
  },
];

export const semicolonSplit: RuleGroup = (scope) => {
  const mode = scope.context.executionMode;
  if (mode !== undefined && mode !== "split-on-semicolon") return {};
  const { sql } = scope.source;
  const severity = mode === undefined ? "warning" : "error";
  const consequence =
    mode === undefined
      ? "If this is deployed with Prisma 6.x on the engine \"js\" adapter path, which splits migration.sql on every `;`,"
      : "Prisma on this path splits migration.sql on every `;`, so";
  const safeAlternative =
    "Keep `;` only at the ends of statements: reword comments, build strings with chr(59) or concat, and move DO blocks and function bodies out of migration.sql (or deploy with a Prisma version that parses statements).";
  let previousEnd = 0;

  const finding = (at: number, what: string): RuleReport => ({
    rule: "prisma-semicolon-split",
    severity,
    at,
    message: `${consequence} the \`;\` inside ${what} cuts the statement in two and the deploy fails half-way.`,
    safeAlternative,
  });

  function checkGap(from: number, to: number, next: Statement | undefined): void {
    // Text between statements of a file that did not parse may be broken SQL, not comments.
    if (scope.parseFailed) return;
    for (const comment of commentsIn(sql, from, to)) {
      const at = sql.indexOf(";", comment.start);
      if (at === -1 || at >= comment.end) continue;
      // A line comment whose text after the `;` is blank splits into harmless pieces.
      const rest = sql.slice(at, comment.end).replaceAll(";", "").trim();
      if (comment.line && rest === "") continue;
      scope.report(next, finding(at, next ? "the comment before this statement" : "the comment at the end of the file"));
    }
  }

  return {
    statement(statement) {
      checkGap(previousEnd, statement.start, statement);
      previousEnd = statement.end;
      const at = sql.indexOf(";", statement.start);
      if (at === -1 || at >= statement.end) return;
      scope.report(statement, finding(at, describe(statement, sql, at)));
    },
    end() {
      checkGap(previousEnd, sql.length, undefined);
    },
  };
};

/** What the `;` at `at` sits in, from the tokens of its statement alone. */
function describe(statement: Statement, sql: string, at: number): string {
  if (as(statement.node, "DoStmt")) return "a DO block";
  const text = sql.slice(statement.start, statement.end);
  const offset = byteLength(text.slice(0, at - statement.start));
  const token = scanSync(text).tokens.find((t) => t.start <= offset && offset < t.end);
  if (!token) return "this statement";
  if (token.tokenName === "SQL_COMMENT" || token.tokenName === "C_COMMENT") return "a comment";
  if (token.tokenName === "IDENT") return "a quoted identifier";
  if (token.tokenName === "ASCII_59") return "a function body";
  return token.text.startsWith("$") ? "a dollar-quoted body" : "a string literal";
}
