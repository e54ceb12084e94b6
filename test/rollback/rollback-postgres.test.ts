// dbship rollback on the postgres provider: the printed command, executed, gives production back.
import { afterEach, describe, expect, it } from "vitest";
import { adminUrl, databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

const LONG_TITLE = "x".repeat(250);

/** Production after a deploy that failed on it: returns the printed rollback command. */
async function failedDeploy(prod: Production): Promise<string> {
  const result = await prod.dbship(["deploy", "--no-rehearsal"]);
  expect(result.exitCode).toBe(1);
  const command = /restore:\s+(dbship rollback .+)$/m.exec(result.stdout)?.[1];
  expect(command).toBeDefined();
  return command!.trim();
}

describe("dbship rollback (postgres)", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("the printed command restores production's pre-deploy data and ledger and keeps the failed state as a backup", async () => {
    prod = await createProduction({ titles: ["ok", LONG_TITLE] });
    const ledgerBefore = await prod.ledger();
    const rowsBefore = await query(prod.db.url, "SELECT * FROM moments ORDER BY id");
    const command = await failedDeploy(prod);
    const failedLedger = await prod.ledger();
    expect(failedLedger).toHaveLength(2);

    const [, ...args] = command.split(/\s+/);
    const result = await prod.dbship([...args, "--yes", "--json"]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.json.verified).toEqual({ ledger: true, schema: true });
    expect(result.json.migrationsNow).toEqual(["0001_baseline"]);
    expect(result.json.migrationsUndone).toEqual(["0002_moment_title_length (failed)"]);
    expect(await prod.ledger()).toEqual(ledgerBefore);
    expect(await query(prod.db.url, "SELECT * FROM moments ORDER BY id")).toEqual(rowsBefore);

    const backup = result.json.backup.name;
    expect(backup).toMatch(/^pre-rollback-\d{8}-\d{6}/);
    const backupUrl = prod.db.url.replace(prod.db.name, backup);
    expect(await query(backupUrl, "SELECT id, migration_name, finished_at FROM _prisma_migrations ORDER BY started_at")).toEqual(
      failedLedger.map((row) => ({ id: row.id, migration_name: row.migration_name, finished_at: row.finished_at })),
    );
  });

  it("says which writes made since the snapshot will be discarded, per table", async () => {
    prod = await createProduction({ titles: [LONG_TITLE] });
    await failedDeploy(prod);
    await query(prod.db.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'written after the snapshot', now())");
    const [snapshot] = await databasesLike(prod.prefix);
    const result = await prod.dbship(["rollback", "--to", snapshot!, "--yes", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json.discarded).toEqual([{ table: "public.moments", production: 2, snapshot: 1, difference: 1 }]);
    // The discarded row is still readable in the backup.
    const backupUrl = prod.db.url.replace(prod.db.name, result.json.backup.name);
    expect(await query(backupUrl, "SELECT title FROM moments WHERE title = 'written after the snapshot'")).toHaveLength(1);
  });

  it("without --yes and without a terminal refuses with exit 3 and changes nothing", async () => {
    prod = await createProduction({ titles: [LONG_TITLE] });
    await failedDeploy(prod);
    const ledger = await prod.ledger();
    const [snapshot] = await databasesLike(prod.prefix);
    const result = await prod.dbship(["rollback", "--to", snapshot!]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain("rollback needs confirmation: pass --yes");
    expect(result.stdout).toMatch(/production's current state is kept as pre-rollback-\d{8}-\d{6}/);
    expect(await prod.ledger()).toEqual(ledger);
    const backups = await query(adminUrl(), "SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE $1", [
      `%"pre-rollback","source":"${prod.db.name}"%`,
    ]);
    expect(backups).toEqual([]);
  });

  it("an unknown snapshot exits 2 and names the snapshots there are", async () => {
    prod = await createProduction({ titles: [LONG_TITLE] });
    await failedDeploy(prod);
    const ledger = await prod.ledger();
    const result = await prod.dbship(["rollback", "--to", "pre-migration-19990101-000000", "--yes"]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("no snapshot named pre-migration-19990101-000000");
    expect(result.stdout).toContain(prod.prefix);
    expect(await prod.ledger()).toEqual(ledger);
  });

  it("--to-time is refused with exit 2: the postgres provider has no point-in-time restore", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["rollback", "--to-time", new Date(Date.now() - 60_000).toISOString(), "--yes"]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("the postgres provider has no point-in-time restore");
  });

  it("--to-time in the future or unparseable exits 2", async () => {
    prod = await createProduction();
    const future = await prod.dbship(["rollback", "--to-time", "2999-01-01T00:00:00Z", "--yes"]);
    expect(future.exitCode).toBe(2);
    expect(future.stdout).toContain("is in the future");
    const garbage = await prod.dbship(["rollback", "--to-time", "yesterday", "--yes"]);
    expect(garbage.exitCode).toBe(2);
    expect(garbage.stdout).toContain("is not an ISO-8601 time");
  });

  it("without --to lists the snapshots with the migrations production had then, and exits 2", async () => {
    prod = await createProduction({ titles: [LONG_TITLE] });
    await failedDeploy(prod);
    const result = await prod.dbship(["rollback", "--json"]);
    expect(result.exitCode).toBe(2);
    expect(result.json.error.code).toBe("SNAPSHOT_NOT_CHOSEN");
    expect(result.json.candidates).toEqual([
      expect.objectContaining({ name: expect.stringMatching(new RegExp(`^${prod.prefix}`)), migrations: ["0001_baseline"] }),
    ]);
  });
});
