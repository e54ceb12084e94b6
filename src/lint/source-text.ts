// Positions in one migration.sql. The parser reports statement and token positions as UTF-8
// byte offsets and error cursors as code-point offsets; findings need 1-based line/column of the
// JavaScript string. Conversions walk forward from the last answer, because the engine asks in
// file order, so a whole file costs one pass.

export class SourceText {
  readonly sql: string;
  private readonly ascii: boolean;
  private lineStarts: number[] | undefined;
  private byteCursor = 0;
  private charCursor = 0;

  constructor(sql: string) {
    this.sql = sql;
    this.ascii = Buffer.byteLength(sql, "utf8") === sql.length;
  }

  /** UTF-16 index of a UTF-8 byte offset. */
  charIndexOfByte(byteOffset: number): number {
    if (this.ascii) return byteOffset;
    if (byteOffset < this.byteCursor) {
      this.byteCursor = 0;
      this.charCursor = 0;
    }
    const sql = this.sql;
    let bytes = this.byteCursor;
    let index = this.charCursor;
    while (bytes < byteOffset && index < sql.length) {
      const code = sql.charCodeAt(index);
      if (code < 0x80) {
        bytes += 1;
        index += 1;
      } else if (code < 0x800) {
        bytes += 2;
        index += 1;
      } else if (code >= 0xd800 && code <= 0xdbff && index + 1 < sql.length) {
        bytes += 4;
        index += 2;
      } else {
        bytes += 3;
        index += 1;
      }
    }
    this.byteCursor = bytes;
    this.charCursor = index;
    return index;
  }

  /** UTF-16 index of a code-point offset (PostgreSQL's error cursor counts characters). */
  charIndexOfCodePoint(codePoints: number): number {
    if (this.ascii) return Math.min(codePoints, this.sql.length);
    let index = 0;
    for (let seen = 0; seen < codePoints && index < this.sql.length; seen++) {
      const code = this.sql.charCodeAt(index);
      index += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    }
    return index;
  }

  /** 1-based line and column of a UTF-16 index. */
  position(index: number): { line: number; column: number } {
    const starts = (this.lineStarts ??= lineStartsOf(this.sql));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: index - (starts[low] ?? 0) + 1 };
  }
}

function lineStartsOf(sql: string): number[] {
  const starts = [0];
  for (let at = sql.indexOf("\n"); at !== -1; at = sql.indexOf("\n", at + 1)) starts.push(at + 1);
  return starts;
}

/** UTF-8 length of a string prefix, for mapping offsets into a statement's own scan. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
