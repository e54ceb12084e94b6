// Which databases dbship trusts as snapshots of this production, and the leftovers of interrupted
// runs: found, reported, and dropped where that is safe.
import { afterEach, describe, expect, it } from "vitest";
import { adminUrl, databaseExists, databaseUrl, databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

describe("snapshot trust and leftovers (postgres)", () => {
  let prod: Production | undefined;
  const extra: string[] = [];
  afterEach(async () => {
    for (const name of extra.splice(0)) await query(adminUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await prod?.cleanup();
    prod = undefined;
  });

  it("a pre-migration database forged by another CREATEDB role is neither listed nor restorable", async () => {
    prod = await createProduction();
    const forged = `${prod.prefix}20991231-235959`;
    extra.push(forged);
    await query(adminUrl(), "DO $$ BEGIN CREATE ROLE dbship_forger LOGIN CREATEDB PASSWORD 'forger'; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    const forgerUrl = new URL(adminUrl());
    forgerUrl.username = "dbship_forger";
    forgerUrl.password = "forger";
    await query(forgerUrl.toString(), `CREATE DATABASE "${forged}"`);
    await query(forgerUrl.toString(), `COMMENT ON DATABASE "${forged}" IS '${JSON.stringify({ dbship: "snapshot", source: prod.db.name, createdAt: "2099-12-31T23:59:59.000Z" })}'`);
    const moments = await prod.moments();

    const list = await prod.dbship(["rollback", "--json"]);
    expect(list.json.candidates.map((c: { name: string }) => c.name)).not.toContain(forged);
    const restore = await prod.dbship(["rollback", "--to", forged, "--yes"]);
    expect(restore.exitCode, restore.output).toBe(3);
    expect(restore.stdout).toContain(`${forged} is not trusted: it is owned by dbship_forger`);
    expect(await prod.moments()).toEqual(moments);
    const snapshots = await prod.dbship(["snapshot", "list"]);
    expect(snapshots.stdout).toContain(`${forged}: not trusted`);
  });

  it("the backup a rollback made can be rolled back to", async () => {
    prod = await createProduction({ titles: ["kept"] });
    const snap = await prod.dbship(["snapshot", "create", "--json"]);
    await query(prod.db.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'newer', now())");
    const rollback = await prod.dbship(["rollback", "--to", snap.json.snapshot.name, "--yes", "--json"]);
    expect(rollback.exitCode, rollback.output).toBe(0);
    expect((await prod.moments()).map((m) => m.title)).toEqual(["kept"]);
    const undo = await prod.dbship(["rollback", "--to", rollback.json.backup.name, "--yes", "--json"]);
    expect(undo.exitCode, undo.output).toBe(0);
    expect((await prod.moments()).map((m) => m.title)).toEqual(["kept", "newer"]);
    extra.push(undo.json.backup.name, rollback.json.backup.name);
  });

  it("an unmarked copy an interrupted snapshot left is reported by list and dropped by prune", async () => {
    prod = await createProduction();
    const unmarked = `${prod.prefix}20260101-000000`;
    await query(adminUrl(), `CREATE DATABASE "${unmarked}" TEMPLATE "${prod.db.name}"`);
    const list = await prod.dbship(["snapshot", "list", "--json"]);
    expect(list.exitCode).toBe(0);
    expect(list.json.leftovers).toEqual([expect.objectContaining({ name: unmarked, kind: "incomplete-snapshot" })]);
    const prune = await prod.dbship(["snapshot", "prune", "--yes"]);
    expect(prune.exitCode, prune.output).toBe(0);
    expect(prune.stdout).toContain(`dropped ${unmarked}`);
    expect(await databaseExists(unmarked)).toBe(false);
  });

  it("scratch and check databases leaked by a killed run are dropped by the next deploy, which says so", async () => {
    prod = await createProduction();
    const scratch = `dbship-scratch-${prod.db.name}-abc123`;
    const check = `dbship-check-${(Date.now() - 3 * 3_600_000).toString(36)}-abc123`;
    await query(adminUrl(), `CREATE DATABASE "${scratch}"`);
    await query(adminUrl(), `CREATE DATABASE "${check}"`);
    extra.push(scratch, check);
    const result = await prod.dbship(["deploy"]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain(`dropped ${scratch}`);
    expect(result.output).toContain(`dropped ${check}`);
    expect(await databaseExists(scratch)).toBe(false);
    expect(await databaseExists(check)).toBe(false);
  });

  it("a long non-ASCII production name still gets a unique scratch name within 63 bytes", async () => {
    const name = `é${"é".repeat(29)}`;
    await query(adminUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    prod = await createProduction();
    await query(adminUrl(), `ALTER DATABASE "${prod.db.name}" RENAME TO "${name}"`);
    const url = databaseUrl(name);
    extra.push(name);
    // What a rehearsal copy cut by characters was always truncated to by PostgreSQL.
    const fixed = Buffer.from(`dbship-scratch-${name}`).subarray(0, 63).toString();
    await query(adminUrl(), `CREATE DATABASE "${fixed}"`);
    const busy = new (await import("pg")).default.Client({ connectionString: databaseUrl(fixed) });
    await busy.connect(); // in use: not dropped as a leftover
    try {
      const result = await prod.dbship(["deploy"], { DATABASE_URL: url });
      expect(result.exitCode, result.output).toBe(0);
      expect(await databasesLike("dbship-scratch-é")).toEqual([fixed]);
    } finally {
      await busy.end();
      extra.push(fixed);
    }
  });
});
