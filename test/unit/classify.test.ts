import { describe, expect, it } from "vitest";
import { classifyMigrations } from "../../src/migrations/classify.js";
import type { LedgerRow } from "../../src/migrations/ledger.js";
import { checksumMatches, checksumOf, type LocalMigration } from "../../src/migrations/local-migrations.js";

const local = (name: string, sql = `-- ${name}\n`): LocalMigration => ({ name, dir: `/m/${name}`, sql, checksum: checksumOf(sql), verifySql: undefined });
let clock = 0;
const row = (name: string, sql: string, extra: Partial<LedgerRow> = {}): LedgerRow => ({
  id: `id-${++clock}`,
  migrationName: name,
  checksum: checksumOf(sql),
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)),
  finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)),
  rolledBackAt: null,
  logs: null,
  appliedStepsCount: 1,
  ...extra,
});

describe("classifyMigrations", () => {
  it("classifies applied, pending, failed, modified and missing as Prisma's engine would", () => {
    const a = local("0001_a");
    const b = local("0002_b");
    const c = local("0003_c");
    const d = local("0004_d");
    const status = classifyMigrations(
      [a, b, c, d],
      [
        row("0001_a", a.sql),
        row("0002_b", "-- something else\n"),
        row("0003_c", c.sql, { finishedAt: null, logs: "ERROR: boom" }),
        row("0000_gone", "-- gone\n"),
      ],
    );
    expect(status.applied).toEqual(["0001_a"]);
    expect(status.modified).toEqual(["0002_b"]);
    expect(status.failed).toEqual(["0003_c"]);
    expect(status.pending).toEqual(["0004_d"]);
    expect(status.missing).toEqual(["0000_gone"]);
  });

  it("a rolled-back failure makes the migration pending again; a later success makes it applied", () => {
    const a = local("0001_a");
    const rolledBack = row("0001_a", a.sql, { finishedAt: null, rolledBackAt: new Date() });
    expect(classifyMigrations([a], [rolledBack]).pending).toEqual(["0001_a"]);
    expect(classifyMigrations([a], [rolledBack, row("0001_a", a.sql)]).applied).toEqual(["0001_a"]);
  });

  it("flags a pending migration that sorts before an applied one", () => {
    const early = local("0001_early");
    const late = local("0002_late");
    const status = classifyMigrations([early, late], [row("0002_late", late.sql)]);
    expect(status.entries.find((e) => e.name === "0001_early")).toMatchObject({ state: "pending", outOfOrder: true });
  });
});

describe("checksums", () => {
  it("match sha256sum of the file, ignore line-ending conversions both ways, and accept the old unpadded form", () => {
    const sql = "CREATE TABLE a (id int);\nSELECT 1;\n";
    // sha256sum of the same bytes.
    expect(checksumOf(sql)).toBe("b285292fe94d94f73b25562d3df061217012dac4399319bfa2782beceba6d491");
    expect(checksumMatches(checksumOf(sql), sql)).toBe(true);
    expect(checksumMatches(checksumOf(sql.replace(/\n/g, "\r\n")), sql)).toBe(true);
    expect(checksumMatches(checksumOf(sql), sql.replace(/\n/g, "\r\n"))).toBe(true);
    expect(checksumMatches(checksumOf(sql), `${sql}-- edit\n`)).toBe(false);
    // "SELECT 0;\n" hashes to d96b…0e68…: its 0e byte is written "e" in the old unpadded form.
    const old = "d96b927109b3f16c515822170b7dd7ee8bacf5003874c20e68b6a4806e28486d".match(/../g)!.map((byte) => parseInt(byte, 16).toString(16)).join("");
    expect(old.length).toBeLessThan(64);
    expect(checksumMatches(old, "SELECT 0;\n")).toBe(true);
    expect(checksumMatches(old, "SELECT 1;\n")).toBe(false);
  });
});
