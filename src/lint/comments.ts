// Comments in the text between two statements. The parser skips them, so allow comments and
// the `;` rule read them here; between statements there are only blanks, `;` and comments, so
// no string or dollar quote can hide a comment marker.

export type Comment = { start: number; end: number; line: boolean };

/** Comments between two statements: that text holds only blanks, `;` and comments. */
export function commentsIn(sql: string, from: number, to: number): Comment[] {
  const comments: Comment[] = [];
  let i = from;
  while (i < to) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    if (c === 45 && next === 45) {
      const newline = sql.indexOf("\n", i);
      const end = newline === -1 || newline > to ? to : newline;
      comments.push({ start: i, end, line: true });
      i = end;
    } else if (c === 47 && next === 42) {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      let j = i + 2;
      while (j < to && depth > 0) {
        if (sql.startsWith("/*", j)) {
          depth++;
          j += 2;
        } else if (sql.startsWith("*/", j)) {
          depth--;
          j += 2;
        } else j++;
      }
      comments.push({ start: i, end: j, line: false });
      i = j;
    } else i++;
  }
  return comments;
}
