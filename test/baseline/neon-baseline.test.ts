// dbship baseline with the neon provider, end to end: production is a Neon branch (on the
// emulator) built by `prisma db push`, so it has the schema and rows but no _prisma_migrations.
// The baseline is built on a throwaway branch of production, which must be gone afterwards.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createNeonProduction, type NeonProduction } from "../support/neon-production.js";
import { query } from "../support/postgres.js";
import { repoRoot } from "../support/project.js";

describe("dbship baseline with the neon provider", () => {
  let prod: NeonProduction | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("db push branch → baseline → status up to date → a new migration → deploy applies only it; no throwaway branch left", async () => {
    prod = await createNeonProduction({ pushed: true, titles: ["kept"] });
    await rm(prod.project.migrationsDir, { recursive: true });
    expect(await query(prod.url, "SELECT to_regclass('_prisma_migrations') AS t")).toEqual([{ t: null }]);

    const baseline = await prod.dbship(["baseline", "--yes", "--json"]);
    expect(baseline.exitCode, baseline.stdout + baseline.stderr).toBe(0);
    expect(baseline.json).toMatchObject({ ok: true, written: true, marked: true, differences: [], handWritten: [], file: "prisma/migrations/0001_baseline/migration.sql" });
    const sql = await readFile(path.join(prod.project.migrationsDir, "0001_baseline/migration.sql"), "utf8");
    // Prisma's own SQL for schema.prisma: the example project's baseline (which ends in one more newline).
    expect(sql.trimEnd()).toBe((await readFile(path.join(repoRoot, "prisma/migrations/0001_baseline/migration.sql"), "utf8")).trimEnd());
    expect(existsSync(path.join(prod.project.migrationsDir, "migration_lock.toml"))).toBe(true);
    const [row, ...more] = await prod.ledger();
    expect(more).toEqual([]);
    expect(row).toMatchObject({ migration_name: "0001_baseline", checksum: createHash("sha256").update(sql).digest("hex"), rolled_back_at: null, logs: "" });
    expect(row!.finished_at).toBeInstanceOf(Date);
    // Only production: the baseline's scratch branch was deleted, and a baseline takes no snapshot.
    expect(await prod.branchNames()).toEqual(["production"]);

    const status = await prod.dbship(["status"]);
    expect(status.exitCode, status.output).toBe(0);
    expect(status.stdout).toMatch(/0001_baseline\s+applied/);
    expect(status.stdout).toContain("up to date: 1 migration(s) applied");

    await prod.project.addMigration("0002_moment_title_length", await readFile(path.join(repoRoot, "prisma/migrations/0002_moment_title_length/migration.sql"), "utf8"));
    const deploy = await prod.dbship(["deploy", "--json"]);
    expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.json.migrations.applied).toEqual(["0002_moment_title_length"]);
    expect((await prod.ledger()).map((r) => r.migration_name)).toEqual(["0001_baseline", "0002_moment_title_length"]);
    expect(await query(prod.url, "SELECT title FROM moments")).toEqual([{ title: "kept" }]);
    // Production and the deploy's snapshot: no dbship-check-… or dbship-rehearsal-… branch left.
    expect(await prod.branchNames()).toEqual(["production", deploy.json.snapshot.name].sort());
  });
});
