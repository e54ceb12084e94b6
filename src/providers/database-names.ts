// Names of the databases dbship creates next to production. PostgreSQL keeps at most 63 bytes
// of an identifier (NAMEDATALEN - 1) and silently truncates longer ones, so a name built from a
// long production name must be cut by bytes, on a character boundary, before its unique suffix:
// cut after the suffix, every copy of a long non-ASCII name would get the same name.
import { randomBytes } from "node:crypto";

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN 64, minus the terminating zero). */
export const MAX_NAME_BYTES = 63;

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes without splitting a character. */
export function cutToBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let out = "";
  let used = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}

/** `<kind><production, cut>-` : how every copy of this production of that kind starts. */
export function copyPrefix(kind: "dbship-scratch-" | "dbship-rollback-", production: string): string {
  // Room for "-" and a 6-hex suffix.
  return `${kind}${cutToBytes(production, MAX_NAME_BYTES - Buffer.byteLength(kind) - 7)}-`;
}

/** A fresh name for a copy of production: the prefix above and 6 random hex digits. */
export function uniqueCopyName(kind: "dbship-scratch-" | "dbship-rollback-", production: string): string {
  return `${copyPrefix(kind, production)}${randomBytes(3).toString("hex")}`;
}
