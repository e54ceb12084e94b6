// Copy names are cut by bytes (PostgreSQL keeps 63) before their unique suffix; which databases
// next to production are trusted, leftovers, or another production's.
import { describe, expect, it } from "vitest";
import { copyPrefix, cutToBytes, uniqueCopyName } from "../../src/providers/database-names.js";
import { classifyDatabases, type DatabaseRow } from "../../src/providers/postgres-inventory.js";

describe("copy names", () => {
  it("cuts a long non-ASCII production name by bytes on a character boundary, keeping the suffix", () => {
    const production = "é".repeat(40);
    const a = uniqueCopyName("dbship-scratch-", production);
    const b = uniqueCopyName("dbship-scratch-", production);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^dbship-scratch-é+-[0-9a-f]{6}$/);
    expect(cutToBytes("aé", 2)).toBe("a");
    expect(copyPrefix("dbship-rollback-", "short")).toBe("dbship-rollback-short-");
  });
});

describe("classifyDatabases", () => {
  const row = (name: string, owner: string, comment: unknown, sessions = 0): DatabaseRow => ({
    name,
    id: String(name.length),
    owner,
    comment: comment === null ? null : JSON.stringify(comment),
    sizeBytes: 1,
    sessions,
  });
  const marker = (dbship: string, source = "prod") => ({ dbship, source, createdAt: "2026-01-01T00:00:00.000Z" });
  const now = Date.parse("2026-06-01T00:00:00Z");

  it("trusts markers only on databases owned by dbship's role or production's owner", () => {
    const found = classifyDatabases(
      [row("prod", "app", null), row("pm-1", "dbship", marker("snapshot")), row("pm-2", "forger", marker("snapshot")), row("pre-rollback-1", "app", marker("pre-rollback"))],
      "dbship",
      "prod",
      "pm-",
      now,
    );
    expect(found.snapshots.map((s) => s.name)).toEqual(["pm-1"]);
    expect(found.backups.map((s) => s.name)).toEqual(["pre-rollback-1"]);
    expect(found.untrusted).toEqual([expect.objectContaining({ name: "pm-2", owner: "forger" })]);
  });

  it("finds leftovers, droppable only when dbship owns them and nobody is connected", () => {
    const oldCheck = `dbship-check-${(now - 2 * 3_600_000).toString(36)}-abcdef`;
    const freshCheck = `dbship-check-${(now - 60_000).toString(36)}-abcdef`;
    const found = classifyDatabases(
      [
        row("prod", "dbship", null),
        row("pm-20260101-000000", "dbship", null),
        row("dbship-scratch-prod-abcdef", "dbship", null, 1),
        row("dbship-rollback-prod-abcdef", "dbship", null),
        row("dbship-rollback-prod-123456", "dbship", { ...marker("rollback-copy"), snapshot: "pm-1", snapshotId: "9" }),
        row(oldCheck, "dbship", null),
        row(freshCheck, "dbship", null),
        row("dbship-scratch-other-abcdef", "dbship", marker("scratch", "other")),
      ],
      "dbship",
      "prod",
      "pm-",
      now,
    );
    expect(found.leftovers.map((l) => [l.name, l.kind, l.droppable])).toEqual([
      ["pm-20260101-000000", "incomplete-snapshot", true],
      ["dbship-scratch-prod-abcdef", "scratch", false],
      ["dbship-rollback-prod-abcdef", "rollback-copy", true],
      [oldCheck, "check", true],
    ]);
    expect(found.rollbackCopies.map((c) => c.name)).toEqual(["dbship-rollback-prod-123456"]);
  });
});
