// The example project's own migrations, as `dbship deploy` would lint them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lintMigrations, type LintInput } from "../../src/lint/index.js";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

function readMigrations(): LintInput[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => statSync(join(MIGRATIONS_DIR, name)).isDirectory())
    // Prisma applies migration folders in name order.
    .sort((a, b) => a.localeCompare(b))
    .map((name) => ({ name, sql: readFileSync(join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") }));
}

describe("the example project's migrations", () => {
  const migrations = readMigrations();

  it("are there to lint", () => {
    expect(migrations.map((m) => m.name)).toEqual(expect.arrayContaining(["0001_baseline", "0002_moment_title_length"]));
  });

  it.each([
    ["an empty production, split on `;` (this repo's Prisma 6 adapter path)", { existingTables: new Set<string>(), executionMode: "split-on-semicolon" as const }],
    ["an unknown production and Prisma version", {}],
    ["PostgreSQL 18 and Prisma 7.4+", { existingTables: new Set<string>(), serverVersionNum: 180004, executionMode: "per-statement" as const }],
  ])("lint clean of errors against %s", async (_, context) => {
    const result = await lintMigrations(migrations, context);
    expect(result.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(result.errors).toBe(0);
    expect(result.statements).toBe(4);
  });

  it("flag 0002's CHECK when production already has the moments table, acknowledged by its allow comments", async () => {
    const pending = migrations.filter((m) => m.name === "0002_moment_title_length");
    const result = await lintMigrations(pending, { existingTables: new Set(["public.moments"]) });
    expect(result.findings.map((f) => [f.rule, f.severity, f.line, f.column, f.acknowledged?.reason])).toEqual([
      ["constraint-missing-not-valid", "error", 10, 1, "moments is small, the full scan takes milliseconds"],
      ["require-lock-timeout", "warning", 10, 1, "the lock is held for milliseconds on a small table"],
    ]);
    expect(result.errors).toBe(0);
    expect(result.acknowledged).toBe(2);
  });
});
