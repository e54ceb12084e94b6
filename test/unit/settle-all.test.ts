import { describe, expect, it } from "vitest";
import { settleAll } from "../../src/infra/settle-all.js";

const later = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

describe("settleAll", () => {
  it("returns every value in order", async () => {
    expect(await settleAll([later(20, "a"), later(5, 2), undefined])).toEqual(["a", 2, undefined]);
  });

  it("throws the first failure in the order given, only after the slower task has finished", async () => {
    let slowFinished = false;
    const slow = later(60, "slow").then((value) => {
      slowFinished = true;
      return value;
    });
    await expect(settleAll([later(5, "lint refused", true), slow, later(1, "second failure", true)])).rejects.toThrow("lint refused");
    expect(slowFinished).toBe(true);
  });
});
