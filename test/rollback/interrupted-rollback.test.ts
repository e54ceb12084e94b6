// An interrupted postgres rollback never leaves production missing or half restored: the snapshot
// is copied under a temporary name first and the two renames commit together. The test holds a
// lock on a database object (an open COMMENT ON DATABASE) to stop the rollback at the copy or at
// the swap, then interrupts it there.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { adminUrl, databaseExists, databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { sessionsNamed, startDbship, waitFor } from "../support/processes.js";

/** Holds the lock COMMENT ON DATABASE takes on `database` until release(): CREATE DATABASE … TEMPLATE and RENAME wait. */
async function holdDatabase(database: string) {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  const [row] = (await client.query("SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", [database])).rows;
  await client.query("BEGIN");
  await client.query(`COMMENT ON DATABASE "${database}" IS ${row?.c === null || row?.c === undefined ? "NULL" : `'${String(row.c).replace(/'/g, "''")}'`}`);
  return { release: async () => (await client.query("COMMIT"), await client.end()) };
}

/** A backend of dbship's waiting on a lock while running `statement`. */
async function waitingOn(statement: RegExp) {
  return waitFor(`dbship waiting on ${statement}`, async () => {
    const rows = await query<{ query: string }>(adminUrl(), "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(application_name, 'dbship')");
    return rows.some((row) => statement.test(row.query));
  });
}

async function setUp(): Promise<{ prod: Production; snapshot: string }> {
  const prod = await createProduction({ titles: ["before the snapshot"] });
  const created = await prod.dbship(["snapshot", "create", "--json"]);
  expect(created.exitCode, created.output).toBe(0);
  await query(prod.db.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'after the snapshot', now())");
  return { prod, snapshot: created.json.snapshot.name };
}

const titles = async (prod: Production) => (await prod.moments()).map((m) => m.title);

describe("interrupted dbship rollback (postgres)", () => {
  let prod: Production | undefined;
  let hold: { release(): Promise<unknown> } | undefined;
  afterEach(async () => {
    await hold?.release().catch(() => undefined);
    hold = undefined;
    await prod?.cleanup();
    prod = undefined;
  });

  it("kill -9 during the copy leaves production in place; the next status says so and the same rollback completes", async () => {
    const setup = await setUp();
    prod = setup.prod;
    hold = await holdDatabase(setup.snapshot);
    const run = startDbship(["rollback", "--to", setup.snapshot, "--yes"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url } });
    await waitingOn(/CREATE DATABASE/);
    run.signal("SIGKILL");
    expect((await run.done).exitCode).toBe(137);
    // Production is still there, unchanged, while the orphaned copy is still being made.
    expect(await databaseExists(prod.db.name)).toBe(true);
    expect(await titles(prod)).toEqual(["after the snapshot", "before the snapshot"]);
    await hold.release();
    hold = undefined;
    await waitFor("the orphaned copy to finish", async () => (await query(adminUrl(), "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE DATABASE%' AND state = 'active'")).length === 0);

    const status = await prod.dbship(["status"]);
    expect(status.output).toMatch(/interrupted rollback/i);
    expect(status.output).toContain("production is unchanged");

    const again = await prod.dbship(["rollback", "--to", setup.snapshot, "--yes", "--json"]);
    expect(again.exitCode, again.output).toBe(0);
    expect(await titles(prod)).toEqual(["before the snapshot"]);
    expect(await databasesLike("dbship-rollback-")).toEqual([]);
  });

  it("SIGINT during the copy stops it: exit 1, production unchanged, no copy left behind", async () => {
    const setup = await setUp();
    prod = setup.prod;
    hold = await holdDatabase(setup.snapshot);
    const run = startDbship(["rollback", "--to", setup.snapshot, "--yes"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url } });
    await waitingOn(/CREATE DATABASE/);
    run.signal("SIGINT");
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toContain("rollback interrupted before production was touched: production is unchanged");
    await hold.release();
    hold = undefined;
    expect(await titles(prod)).toEqual(["after the snapshot", "before the snapshot"]);
    await waitFor("no copy", async () => (await databasesLike("dbship-rollback-")).length === 0 && (await sessionsNamed(adminUrl(), "postgres", "dbship")).length === 0);
  });

  it("SIGTERM during the swap finishes it: exit 0, production restored, backup named", async () => {
    const setup = await setUp();
    prod = setup.prod;
    hold = await holdDatabase(prod.db.name);
    const run = startDbship(["rollback", "--to", setup.snapshot, "--yes", "--json"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url } });
    await waitingOn(/RENAME/);
    run.signal("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await hold.release();
    hold = undefined;
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(0);
    expect(await titles(prod)).toEqual(["before the snapshot"]);
    expect(result.json.backup.name).toMatch(/^pre-rollback-/);
  });

  it("kill -9 during the swap: nothing renamed, and the same rollback then completes", async () => {
    const setup = await setUp();
    prod = setup.prod;
    hold = await holdDatabase(prod.db.name);
    const run = startDbship(["rollback", "--to", setup.snapshot, "--yes"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url } });
    await waitingOn(/RENAME/);
    run.signal("SIGKILL");
    await run.done;
    await hold.release();
    hold = undefined;
    await waitFor("the swap's backend to go", async () => (await query(adminUrl(), "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%RENAME%' AND pid <> pg_backend_pid()")).length === 0);
    expect(await titles(prod)).toEqual(["after the snapshot", "before the snapshot"]);
    const list = await prod.dbship(["snapshot", "list"]);
    expect(list.output).toMatch(/interrupted rollback/i);
    const again = await prod.dbship(["rollback", "--to", setup.snapshot, "--yes"]);
    expect(again.exitCode, again.output).toBe(0);
    expect(await titles(prod)).toEqual(["before the snapshot"]);
  });
});
