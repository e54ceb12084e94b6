// The postgres provider has no point-in-time restore: `dbship rollback --to-time` says so (exit 2,
// PITR_UNSUPPORTED) before it takes the lock or touches anything. The refusal is the provider's
// own (SnapshotProvider.checkRestoreTarget), not a test of which provider is configured.
import { afterEach, describe, expect, it } from "vitest";
import { databasesLike } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

describe("dbship rollback --to-time on the postgres provider", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("is refused as bad input, production untouched", async () => {
    prod = await createProduction({ applied: 2 });
    const ledger = await prod.ledger();
    const at = new Date(Date.now() - 60_000).toISOString();
    const result = await prod.dbship(["rollback", "--to-time", at, "--yes", "--json"]);
    expect(result.exitCode).toBe(2);
    expect(result.json).toMatchObject({ command: "rollback", ok: false, exitCode: 2, error: { code: "PITR_UNSUPPORTED" } });
    expect(result.json.error.hint).toContain("dbship rollback --to <snapshot>");
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });
});
