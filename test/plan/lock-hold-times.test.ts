// How long a measured lock is held depends on how Prisma sends the file (execution modes).
import { describe, expect, it } from "vitest";
import { lockHoldTimes, type StatementMeasure } from "../../src/plan/measure-statements.js";

function statement(durationMs: number, transaction: StatementMeasure["transaction"] = "own"): StatementMeasure {
  return {
    index: 1,
    line: 1,
    sql: "ALTER TABLE t …",
    transaction,
    durationMs,
    locks: [{ relation: "t", mode: "ACCESS EXCLUSIVE", blocks: "reads and writes", heldMs: durationMs, seen: ["commit"] }],
    rewrites: [],
    indexesBuilt: [],
    rows: null,
  };
}

describe("lockHoldTimes", () => {
  it("statement by statement (the 6.x WebAssembly engine's split, 7.4+): as long as the statement", () => {
    const statements = [statement(5), statement(2000), statement(30)];
    lockHoldTimes(statements, "split-on-semicolon");
    expect(statements.map((s) => s.locks[0]!.heldMs)).toEqual([5, 2000, 30]);
  });

  it("one transaction per file (6.x native, 7.0–7.3): until the migration's last statement is done", () => {
    const statements = [statement(5), statement(2000), statement(30)];
    lockHoldTimes(statements, "single-transaction");
    expect(statements.map((s) => s.locks[0]!.heldMs)).toEqual([2035, 2030, 30]);
  });

  it("a statement that ran outside any transaction (CONCURRENTLY) holds its lock only while it runs", () => {
    const statements = [statement(5), statement(2000, "none")];
    lockHoldTimes(statements, "single-transaction");
    expect(statements.map((s) => s.locks[0]!.heldMs)).toEqual([2005, 2000]);
  });
});
