// `dbship plan` with the neon provider (the Neon API emulator, real databases behind it): each
// copy is a branch of production, both are deleted, production's branch is left as it was.
import { afterEach, describe, expect, it } from "vitest";
import { createNeonProduction, type NeonProduction } from "../support/neon-production.js";

describe("dbship plan on neon", () => {
  let prod: NeonProduction | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("measures on a branch, counts the row the new CHECK rejects, and leaves only production's branch", async () => {
    prod = await createNeonProduction({ titles: ["fine", "x".repeat(250)] });
    const ledger = await prod.ledger();
    const moments = await prod.moments();
    const result = await prod.dbship(["plan", "--json"]);
    expect(result.exitCode, result.output).toBe(3);
    expect(result.json.provider).toBe("neon");
    const [statement] = result.json.migrations[0].statements;
    expect(statement.violation).toMatchObject({ kind: "check", table: "moments", constraint: "moments_title_length", rows: 1 });
    expect(statement.violation.sample).toEqual([`id=${moments.find((m) => m.title !== "fine")?.id}`]);
    expect(result.json.prisma).toMatchObject({ applied: true, withRows: false });
    expect(result.json.blockers.map((b: { code: string }) => b.code)).toEqual(["MIGRATION_FAILS"]);
    expect(await prod.branchNames()).toEqual(["production"]);
    expect(await prod.ledger()).toEqual(ledger);
    expect(await prod.moments()).toEqual(moments);
  });
});
