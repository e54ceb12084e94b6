// Before the deploy step, no Prisma run may reach production, whatever variable the project's
// Prisma configuration reads its URL from. Each set-up runs a dry run, a deploy refused by the
// schema check and a deploy whose rehearsal fails — production must come out byte-for-byte as it
// went in — then a good deploy, which must migrate production (and only production).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databasesLike } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { applySetup, productionState, type Setup } from "./setups.js";

const LONG_TITLE = "x".repeat(250);

async function productionFor(setup: Setup, titles?: string[]): Promise<Production> {
  const prod = await createProduction({ titles, config: setup.dbshipConfig });
  await applySetup(prod, setup);
  return prod;
}

function run(prod: Production, setup: Setup, args: string[]) {
  return prod.dbship(args, { DATABASE_URL: prod.db.url, ...setup.env(prod.db.url) });
}

export function defineRedirectTests(setups: Setup[]): void {
  describe.each(setups)("Prisma's connection: $name", (setup) => {
    let prod: Production | undefined;
    afterEach(async () => {
      await prod?.cleanup();
      prod = undefined;
    });

    it("deploy --dry-run leaves production unchanged", async () => {
      prod = await productionFor(setup);
      const before = await productionState(prod.db.url);
      const result = await run(prod, setup, ["deploy", "--dry-run"]);
      expect(await productionState(prod.db.url)).toBe(before);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain("0002_moment_title_length");
    });

    it("a deploy refused by the schema check leaves production unchanged", async () => {
      prod = await productionFor(setup);
      const schemaPath = path.join(prod.project.dir, "prisma/schema.prisma");
      const schema = await readFile(schemaPath, "utf8");
      await prod.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?", "  body      String?\n  subtitle  String?"));
      const before = await productionState(prod.db.url);
      const result = await run(prod, setup, ["deploy", "--yes"]);
      expect(await productionState(prod.db.url)).toBe(before);
      expect(result.exitCode, result.output).toBe(3);
      expect(result.output).toContain("subtitle");
    });

    it("a deploy whose rehearsal fails leaves production unchanged", async () => {
      prod = await productionFor(setup, ["ok", LONG_TITLE]);
      const before = await productionState(prod.db.url);
      const result = await run(prod, setup, ["deploy", "--yes"]);
      expect(await productionState(prod.db.url)).toBe(before);
      expect(result.exitCode, result.output).toBe(1);
      expect(result.output).toMatch(/0002_moment_title_length failed on the rehearsal copy/);
    });

    it("a good deploy migrates production", async () => {
      prod = await productionFor(setup);
      const result = await run(prod, setup, ["deploy", "--yes"]);
      expect(result.exitCode, result.output).toBe(0);
      expect((await prod.ledger()).map((row) => [row.migration_name, row.finished_at !== null])).toEqual([
        ["0001_baseline", true],
        ["0002_moment_title_length", true],
      ]);
      expect(await databasesLike(prod.prefix)).toHaveLength(1);
    });
  });
}
