// `dbship deploy --measure`: plan's per-statement measurements in the rehearsal step and the
// deploy's report, with the rehearsal itself unchanged (Prisma on production's rows).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

describe("dbship deploy --measure", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  async function productionWithViews(): Promise<Production> {
    const created = await createProduction({
      applied: 2,
      titles: [],
      extra: {
        "0003_views": [
          'ALTER TABLE "moments" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;',
          'ALTER TABLE "moments" ADD CONSTRAINT "moments_views_nonnegative" CHECK ("views" >= 0) NOT VALID;',
          'ALTER TABLE "moments" VALIDATE CONSTRAINT "moments_views_nonnegative";',
          "",
        ].join("\n"),
      },
    });
    const schema = await readFile(path.join(created.project.dir, "prisma/schema.prisma"), "utf8");
    await created.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?\n", "  body      String?\n  views     Int      @default(0)\n"));
    await query(created.db.url, "INSERT INTO moments (id, title, updated_at) SELECT gen_random_uuid(), 'moment ' || g, now() FROM generate_series(1, 200000) g");
    await query(created.db.url, "ANALYZE moments");
    return created;
  }

  it("reports each statement's measured lock in the JSON report and the human view, then deploys", async () => {
    prod = await productionWithViews();
    const result = await prod.dbship(["deploy", "--measure", "--allow", "require-lock-timeout", "--json"]);
    expect(result.exitCode, result.output).toBe(0);
    const [migration] = result.json.measurements.migrations;
    expect(migration).toMatchObject({ name: "0003_views", measured: true, completed: true });
    expect(migration.statements.map((s: { locks: Array<{ mode: string }> }) => s.locks.map((l) => l.mode))).toEqual([["ACCESS EXCLUSIVE"], ["ACCESS EXCLUSIVE"], ["SHARE UPDATE EXCLUSIVE"]]);
    expect(migration.statements[0].rewrites).toEqual([]);
    expect(result.stderr).toMatch(/measuring 1 migration\(s\) statement by statement on dbship-scratch-/);
    // The rehearsal and the deploy went on as usual: production has the column and its ledger row.
    expect(await query(prod.db.url, "SELECT count(*)::int AS n FROM moments WHERE views = 0")).toEqual([{ n: 200000 }]);
    expect((await prod.ledger()).map((row) => row.migration_name)).toContain("0003_views");
    expect(await databasesLike(`dbship-scratch-${prod.db.name}`)).toEqual([]);
  });

  it("prints the measurements in the human view", async () => {
    prod = await productionWithViews();
    const result = await prod.dbship(["deploy", "--measure", "--allow", "require-lock-timeout"]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain("Measured on a copy of production (statement by statement, without production's traffic):");
    expect(result.stdout).toMatch(/ {2}0003_views line 3: blocks no reads or writes \(SHARE UPDATE EXCLUSIVE on `moments`, ~[\d.]+ m?s\)/);
  });
});
