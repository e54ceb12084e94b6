// Which database is production when DATABASE_URL names none? The one the server reports for a
// connection made with that URL (node-postgres, libpq and Prisma all default it to the user's
// name) — never the server's `postgres` database.
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { adminUrl, query } from "../support/postgres.js";
import { createRoleProduction, type RoleProduction } from "../support/role-production.js";

const LONG_TITLE = "x".repeat(250);

/** Databases on the server other than production and its copies: what dbship must never touch. */
async function otherDatabases() {
  return query(
    adminUrl(),
    `SELECT oid::text, datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database
      WHERE datname IN ('postgres', 'template1') ORDER BY datname`,
  );
}

describe("a DATABASE_URL with no database name", () => {
  let prod: RoleProduction | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("snapshot, deploy and rollback act on the user-named database; the server's postgres database is untouched", async () => {
    prod = await createRoleProduction({ titles: ["ok", LONG_TITLE] });
    const untouched = await otherDatabases();
    const ledgerBefore = await query(prod.namedUrl, "SELECT id, migration_name, finished_at FROM _prisma_migrations ORDER BY started_at");
    const run = (args: string[]) => runDbship(args, { cwd: prod!.project.dir, env: { DATABASE_URL: prod!.serverUrl } });

    // snapshot create copies the user-named database.
    const created = await run(["snapshot", "create", "--json"]);
    expect(created.exitCode, created.stderr + created.stdout).toBe(0);
    const snapshotName: string = created.json.snapshot.name;
    const snapshotUrl = `${prod.serverUrl}/${snapshotName}`;
    expect((await query(snapshotUrl, "SELECT title FROM moments ORDER BY title")).map((r) => r.title)).toEqual(["ok", LONG_TITLE]);

    // deploy: 0002 fails on the long title, on the user-named database.
    const deployed = await run(["deploy", "--no-rehearsal"]);
    expect(deployed.exitCode, deployed.stderr + deployed.stdout).toBe(1);
    expect(deployed.stdout).toContain("0002_moment_title_length");
    const failed = await query(prod.namedUrl, "SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY started_at");
    expect(failed).toHaveLength(2);
    const command = /restore:\s+(dbship rollback .+)$/m.exec(deployed.stdout)?.[1];
    expect(command).toBeDefined();

    // The printed rollback restores the user-named database.
    const [, ...args] = command!.trim().split(/\s+/);
    const rolledBack = await run([...args, "--yes", "--json"]);
    expect(rolledBack.exitCode, rolledBack.stderr + rolledBack.stdout).toBe(0);
    expect(await query(prod.namedUrl, "SELECT id, migration_name, finished_at FROM _prisma_migrations ORDER BY started_at")).toEqual(ledgerBefore);

    // No dbship snapshot or backup was made of `postgres`, and it is the same database as before.
    expect(await otherDatabases()).toEqual(untouched);
    const copiesOfPostgres = await query(adminUrl(), `SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE '%"source":"postgres"%'`);
    expect(copiesOfPostgres).toEqual([]);
  });

  it("refuses (exit 2) when libpq and node-postgres would reach different databases", async () => {
    prod = await createRoleProduction({ titles: ["ok", LONG_TITLE] });
    const run = (url: string, env: Record<string, string> = {}) =>
      runDbship(["snapshot", "list", "--json"], { cwd: prod!.project.dir, env: { DATABASE_URL: url, ...env } });
    // libpq takes ?dbname= over the path; node-postgres and Prisma ignore it.
    const twoNames = await run(`${prod.namedUrl}?dbname=postgres`);
    expect(twoNames.exitCode, twoNames.stdout).toBe(2);
    expect(twoNames.json.error.code).toBe("DATABASE_URL_AMBIGUOUS");
    // PGDATABASE steers node-postgres and libpq when the URL names no database; Prisma's own
    // engine does not read it.
    const steered = await run(prod.serverUrl, { PGDATABASE: "postgres" });
    expect(steered.exitCode, steered.stdout).toBe(2);
    expect(steered.json.error.code).toBe("DATABASE_URL_AMBIGUOUS");
    // Agreeing forms are accepted.
    const same = await run(`${prod.namedUrl}?dbname=${prod.role}`);
    expect(same.exitCode, same.stdout).toBe(0);
  });

  it("refuses postgres.maintenanceDatabase equal to production (config error, exit 2)", async () => {
    prod = await createRoleProduction({ titles: ["ok", LONG_TITLE] });
    await prod.project.writeFile("dbship.config.json", JSON.stringify({ snapshot: { prefix: prod.prefix }, postgres: { maintenanceDatabase: prod.role } }));
    const result = await runDbship(["deploy", "--json"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.serverUrl } });
    expect(result.exitCode, result.stdout).toBe(2);
    expect(result.json.error.code).toBe("CONFIG_INVALID");
    expect(result.json.error.message).toContain("maintenanceDatabase");
  });
});
