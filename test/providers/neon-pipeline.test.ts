// The deploy pipeline, rollback and snapshots with the neon provider, end to end: the built CLI
// talks HTTP to the Neon emulator, whose branches are real databases.
import { afterEach, describe, expect, it } from "vitest";
import { withClient } from "../support/postgres.js";
import { createNeonProduction, type NeonProduction } from "../support/neon-production.js";

const LONG_TITLE = "x".repeat(250);

describe("dbship with the neon provider", () => {
  let prod: NeonProduction | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("deploys: the snapshot branch holds the pre-deploy data and connects; the rehearsal branch is gone", async () => {
    prod = await createNeonProduction();
    const before = await prod.moments();
    const result = await prod.dbship(["deploy", "--json", "--show-secrets"]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.json.migrations.applied).toEqual(["0002_moment_title_length"]);
    const snapshot = result.json.snapshot;
    expect(snapshot.name).toMatch(new RegExp(`^${prod.prefix}\\d{8}-\\d{6}$`));
    expect(snapshot.id).toMatch(/^br-/);
    const rows = await withClient(snapshot.connectionString, async (client) => (await client.query("SELECT id::text, title FROM moments ORDER BY title, id")).rows);
    expect(rows).toEqual(before);
    expect(await prod.branchNames()).toEqual(["production", snapshot.name].sort());
    expect((await prod.ledger()).map((row) => row.migration_name)).toEqual(["0001_baseline", "0002_moment_title_length"]);
  });

  it("a failed production deploy prints the snapshot branch's connection string and a rollback that restores production, which keeps its connection string", async () => {
    prod = await createNeonProduction({ titles: ["ok", LONG_TITLE] });
    const before = await prod.moments();
    const ledgerBefore = await prod.ledger();
    const failed = await prod.dbship(["deploy", "--no-rehearsal", "--allow-destructive", "--show-secrets"]);
    expect(failed.exitCode).toBe(1);
    const connection = /connection:\s+(\S+)/.exec(failed.stdout)?.[1];
    const command = /restore:\s+(dbship rollback .+)$/m.exec(failed.stdout)?.[1]?.trim();
    expect(connection).toMatch(/^postgresql:\/\/neondb_owner:/);
    expect(await withClient(connection!, async (client) => (await client.query("SELECT id::text, title FROM moments ORDER BY title, id")).rows)).toEqual(before);

    const [, ...args] = command!.split(/\s+/);
    const rollback = await prod.dbship([...args, "--yes", "--json"]);
    expect(rollback.exitCode, rollback.stdout + rollback.stderr).toBe(0);
    expect(rollback.json.verified).toEqual({ ledger: true, schema: true });
    // Same URL as before the rollback: production kept its connection string.
    expect(await prod.moments()).toEqual(before);
    expect(await prod.ledger()).toEqual(ledgerBefore);
    expect(rollback.json.backup.name).toMatch(/^pre-rollback-\d{8}-\d{6}/);
    expect(await prod.branchNames()).toContain(rollback.json.backup.name);
    // The backup branch holds production as it was just before the rollback: the failed row.
    const backupUrl = prod.neon.branchDatabaseUrl(rollback.json.backup.name);
    expect((await prod.ledger(backupUrl)).map((row) => [row.migration_name, row.finished_at === null])).toEqual([
      ["0001_baseline", false],
      ["0002_moment_title_length", true],
    ]);

    // After the restore the snapshot is an ancestor of production: prune keeps it, and says why.
    const pruned = await prod.dbship(["snapshot", "prune", "--older-than", "0", "--yes", "--json"]);
    expect(pruned.exitCode).toBe(0);
    expect(pruned.json.deleted).toEqual([]);
    expect(pruned.json.kept).toEqual([expect.objectContaining({ name: expect.stringMatching(new RegExp(`^${prod.prefix}`)), reason: expect.stringMatching(/child/) })]);
  });

  it("refuses a pooled DATABASE_URL, naming the direct one to use", async () => {
    prod = await createNeonProduction();
    const { createApiClient } = await import("@neondatabase/api-client");
    const api = createApiClient({ apiKey: prod.neon.apiKey, baseURL: prod.neon.baseURL });
    const { data } = await api.getConnectionUri({ projectId: prod.neon.projectId, branch_id: prod.neon.defaultBranchId, database_name: "neondb", role_name: "neondb_owner", pooled: true });
    const result = await prod.dbship(["deploy"], { DATABASE_URL: data.uri });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/pool/i);
    expect(result.stderr).not.toContain(prod.neon.apiKey);
    expect(await prod.branchNames()).toEqual(["production"]);
  });

  it("a rejected API key is a clear error that never shows the key", async () => {
    prod = await createNeonProduction();
    const result = await prod.dbship(["deploy"], { NEON_API_KEY: "napi_wrong_key_0123456789" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("NEON_API_KEY rejected");
    expect(result.output).not.toContain("napi_wrong_key_0123456789");
  });

  it("retries a 503 and a 429 on branch creation and still deploys, with no orphan branch", async () => {
    prod = await createNeonProduction();
    prod.neon.inject("createProjectBranch", { type: "status", status: 503 }, { times: 1 });
    prod.neon.inject("createProjectBranch", { type: "status", status: 429, retryAfter: 1 }, { times: 1 });
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(prod.neon.pendingFaults()).toBe(0);
    expect(await prod.branchNames()).toEqual(["production", result.json.snapshot.name].sort());
  });

  it("a throwaway branch whose creation operation fails: a clear error, nothing left behind, production untouched", async () => {
    prod = await createNeonProduction();
    const ledger = await prod.ledger();
    // The first branch dbship creates is preflight's scratch branch (the schema check).
    prod.neon.inject("createProjectBranch", { type: "fail-operation" }, { times: 1 });
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toMatch(/NEON_OPERATION_FAILED|STEP_FAILED/);
    expect(await prod.ledger()).toEqual(ledger);
    expect((await prod.branchNames()).filter((name) => name.startsWith("dbship-"))).toEqual([]);
  });

  it("rollback --to-time restores production to a point in its history", async () => {
    prod = await createNeonProduction({ applied: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const point = await prod.neon.recordHistory("production");
    const before = await prod.moments();
    await withClient(prod.url, (client) => client.query("DELETE FROM moments"));
    const result = await prod.dbship(["rollback", "--to-time", point.toISOString(), "--yes", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await prod.moments()).toEqual(before);
    const outside = await prod.dbship(["rollback", "--to-time", "2000-01-01T00:00:00Z", "--yes"]);
    expect(outside.exitCode).toBe(2);
  });
});
