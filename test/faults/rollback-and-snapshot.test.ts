// Fault injection on `dbship rollback` (at the comparison of production with the snapshot, the
// copy and the swap) and `dbship snapshot create` (at the housekeeping before the copy, and the
// copy): SIGINT, SIGTERM, two SIGINTs 10 ms apart, kill -9, and a server restart, each while
// dbship is held at that step by a lock the test owns. After each: production exists and
// is unchanged or fully restored, the exit status is the one the shell should see, the next
// dbship command says what happened, and re-running the same rollback completes it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  databasesLike,
  FAULTS,
  holdDatabase,
  holdTable,
  inject,
  makeProduction,
  makeSnapshot,
  settle,
  sql,
  startFaultServer,
  waitBlocked,
  waitBlockedIn,
  whileRunning,
  buildTemplate,
  type Fault,
  type FaultProduction,
  type FaultServer,
} from "./fault-kit.js";
import { signalTwice, sleep } from "../support/processes.js";

let server: FaultServer;
let template: string;
beforeAll(async () => {
  server = await startFaultServer();
  template = await buildTemplate(server);
});
afterAll(async () => {
  await server?.stop();
});

const UNCHANGED = ["after the snapshot", "one", "two"];
const RESTORED = ["one", "two"];

type RollbackCell = { step: "housekeeping" | "compare" | "copy" | "swap"; fault: Fault; exit: number; production: "unchanged" | "restored"; alsoAccepted?: number };
const ROLLBACK_CELLS: RollbackCell[] = [
  // Under the deploy lock, before anything else, leftovers of interrupted runs are dropped (here
  // an unmarked snapshot copy whose DROP DATABASE waits on a lock the test holds).
  { step: "housekeeping", fault: "SIGINT", exit: 1, production: "unchanged" },
  { step: "housekeeping", fault: "SIGTERM", exit: 1, production: "unchanged" },
  { step: "housekeeping", fault: "2×SIGINT", exit: 130, production: "unchanged" },
  { step: "housekeeping", fault: "kill -9", exit: 137, production: "unchanged" },
  // A lost server before the restore: DATABASE_UNREACHABLE (exit 2), "production is unchanged".
  { step: "housekeeping", fault: "restart", exit: 2, production: "unchanged" },
  // Reading production and the snapshot (row counts, schemas), before anything is copied: a
  // signal lets the read finish and stops before the copy (ROLLBACK_INTERRUPTED).
  { step: "compare", fault: "SIGINT", exit: 1, production: "unchanged" },
  { step: "compare", fault: "SIGTERM", exit: 1, production: "unchanged" },
  // Nothing to protect yet: the second signal exits at once.
  { step: "compare", fault: "2×SIGINT", exit: 130, production: "unchanged" },
  { step: "compare", fault: "kill -9", exit: 137, production: "unchanged" },
  { step: "compare", fault: "restart", exit: 2, production: "unchanged" },
  { step: "copy", fault: "SIGINT", exit: 1, production: "unchanged" },
  { step: "copy", fault: "SIGTERM", exit: 1, production: "unchanged" },
  // The graceful stop the first SIGINT starts may finish before the second arrives (exit 1).
  { step: "copy", fault: "2×SIGINT", exit: 130, production: "unchanged", alsoAccepted: 1 },
  { step: "copy", fault: "kill -9", exit: 137, production: "unchanged" },
  { step: "copy", fault: "restart", exit: 1, production: "unchanged" },
  { step: "swap", fault: "SIGINT", exit: 0, production: "restored" },
  { step: "swap", fault: "SIGTERM", exit: 0, production: "restored" },
  { step: "swap", fault: "2×SIGINT", exit: 130, production: "restored" },
  { step: "swap", fault: "kill -9", exit: 137, production: "unchanged" },
  { step: "swap", fault: "restart", exit: 1, production: "unchanged" },
];

// Cells run one after the other. Side by side they pass too (two rollbacks in the same second
// pick the same pre-rollback-<time> name, and the swap retries with the next one inside the part
// a signal lets finish: "the backup-name race" below provokes it deterministically), but on two
// cores that saved ~10 s of ~110 and made the signals' timing depend on the load.
describe("faults in dbship rollback", () => {
  it.each(ROLLBACK_CELLS.filter((cell) => cell.fault !== "restart"))("$fault at the $step → exit $exit, production $production", (cell) => rollbackCell(cell));
});
describe("restarts in dbship rollback", () => {
  it.each(ROLLBACK_CELLS.filter((cell) => cell.fault === "restart"))("$fault at the $step → exit $exit, production $production", (cell) => rollbackCell(cell));
});

async function rollbackCell(cell: RollbackCell) {
  {
    expect(FAULTS).toContain(cell.fault);
    const prod = await makeProduction(server, template, false);
    const snapshot = await makeSnapshot(server, prod);
    await sql(prod.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'after the snapshot', now())");
    const leftover = `${prod.prefix}20250101-000000`;
    if (cell.step === "housekeeping") await sql(server.adminUrl, `CREATE DATABASE "${leftover}" TEMPLATE "${prod.name}"`);
    // The comparison counts production's rows: a lock on a table of production holds it there.
    const hold =
      cell.step === "compare"
        ? await holdTable(server, prod.name, "moments")
        : await holdDatabase(server, cell.step === "housekeeping" ? leftover : cell.step === "copy" ? snapshot : prod.name);
    const run = prod.start(["rollback", "--to", snapshot, "--yes"]);
    await whileRunning(
      run,
      cell.step === "compare"
        ? waitBlockedIn(server, prod.name, /count/)
        : cell.step === "housekeeping"
          ? waitBlocked(server, /DROP DATABASE/, leftover)
          : waitBlocked(server, cell.step === "copy" ? /CREATE DATABASE/ : /RENAME/, cell.step === "copy" ? snapshot : prod.name),
    );
    await inject(cell.fault, run, server);
    if (cell.fault !== "restart") await sleep(300);
    await hold.release();
    const result = await run.done;
    expect([cell.exit, cell.alsoAccepted ?? cell.exit], result.output).toContain(result.exitCode);
    await settle(server, prod);

    expect(await prod.titles()).toEqual(cell.production === "unchanged" ? UNCHANGED : RESTORED);
    const status = await prod.dbship(["status"]);
    expect(status.exitCode, status.output).toBe(0);
    const leftBehind = await databasesLike(server, `dbship-rollback-${prod.name}`);
    // kill -9 at the copy: the orphaned CREATE DATABASE finishes unmarked; at the swap (kill -9 or
    // a restart): the marked copy waits to be swapped in. Anything else leaves nothing.
    const expectLeftover = (cell.step === "copy" || cell.step === "swap") && (cell.fault === "kill -9" || (cell.fault === "restart" && cell.step === "swap"));
    expect(leftBehind.length).toBe(expectLeftover ? 1 : 0);
    if (leftBehind.length) {
      // Only after kill -9 or a restart; the next command names it and says production is unchanged.
      expect(["kill -9", "restart"]).toContain(cell.fault);
      expect(status.stdout).toMatch(/interrupted rollback/);
      expect(status.stdout).toContain("production is unchanged");
    }
    if ((cell.step === "housekeeping" || cell.step === "compare") && result.exitCode !== 130 && result.exitCode !== 137) expect(result.output).toContain("production is unchanged");
    // The housekeeping's leftover, if the restart came before its drop: reported, dropped by the next rollback.
    const stillLeft = await databasesLike(server, leftover);
    if (stillLeft.length) {
      expect(cell.fault).toBe("restart");
      expect(status.stdout).toContain(leftover);
    }
    if (cell.production === "restored") expect(status.stdout).toContain(`production was restored from ${snapshot}`);
    else {
      const again = await prod.dbship(["rollback", "--to", snapshot, "--yes"]);
      expect(again.exitCode, again.output).toBe(0);
      expect(await prod.titles()).toEqual(RESTORED);
    }
    expect(await databasesLike(server, `dbship-rollback-${prod.name}`)).toEqual([]);
    expect(await databasesLike(server, leftover)).toEqual([]);
    expect(Object.values(await prod.finished()).every((n) => n === 1)).toBe(true);
  }
}

// The backup-name race (docs/interruptions.md): two rollbacks on one server in the same second
// choose the same pre-rollback-<time> name. Provoked here deterministically: the swap is held,
// the name it is about to take is taken by someone else (committed, or in a rename not yet
// committed), then the swap goes on.
describe("the backup-name race", () => {
  async function heldSwap() {
    const prod = await makeProduction(server, template, false);
    const snapshot = await makeSnapshot(server, prod);
    await sql(prod.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'after the snapshot', now())");
    const hold = await holdDatabase(server, prod.name);
    const run = prod.start(["rollback", "--to", snapshot, "--yes"]);
    await whileRunning(run, waitBlocked(server, /RENAME/, prod.name));
    const [row] = await sql<{ query: string }>(server.adminUrl, "SELECT query FROM pg_stat_activity WHERE starts_with(application_name, 'dbship') AND query ~ 'RENAME TO' AND position($1 in query) > 0", [prod.name]);
    const backup = /RENAME TO "([^"]+)"/.exec(row?.query ?? "")?.[1];
    // Backup names are made of the second; an earlier test's backup made in the same second on this
    // shared server has already taken the plain name, and then this one starts at -2.
    expect(backup, row?.query).toMatch(/^pre-rollback-\d{8}-\d{6}(-\d+)?$/);
    return { prod, snapshot, hold, run, backup: backup! };
  }

  /** The next name the swap tries when `backup` was taken (src/providers/postgres.ts, swap). */
  const nextName = (backup: string) => `${backup}-2`;

  async function restoredUnder(prod: FaultProduction, snapshot: string, backup: string) {
    await settle(server, prod);
    expect(await prod.titles()).toEqual(RESTORED);
    // Production's previous state is kept, under the next free name.
    const next = nextName(backup);
    expect(await databasesLike(server, next)).toEqual([next]);
    expect((await sql(server.url(next), "SELECT title FROM moments ORDER BY title")).map((r) => r.title)).toEqual(UNCHANGED);
    const status = await prod.dbship(["status"]);
    expect(status.exitCode, status.output).toBe(0);
    expect(status.stdout).toContain(`production was restored from ${snapshot}`);
    expect(status.stdout).not.toMatch(/interrupted rollback/);
    expect(await databasesLike(server, `dbship-rollback-${prod.name}`)).toEqual([]);
  }

  it("two SIGINTs during a swap whose backup name was taken meanwhile: the swap finishes under the next name (130, restored)", async () => {
    const { prod, snapshot, hold, run, backup } = await heldSwap();
    await sql(server.adminUrl, `CREATE DATABASE "${backup}"`);
    try {
      await signalTwice(run.pid, "INT", 10);
      await sleep(300);
      await hold.release();
      const result = await run.done;
      expect(result.exitCode, result.output).toBe(130);
      await restoredUnder(prod, snapshot, backup);
    } finally {
      await sql(server.adminUrl, `DROP DATABASE IF EXISTS "${backup}"`);
    }
  });

  it("a rename to the same backup name not yet committed by another session: the swap takes the next name (0, restored)", async () => {
    const { prod, snapshot, hold, run, backup } = await heldSwap();
    const decoy = `decoy_${prod.name}`;
    await sql(server.adminUrl, `CREATE DATABASE "${decoy}"`);
    const other = new pg.Client({ connectionString: server.adminUrl });
    other.on("error", () => undefined);
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`ALTER DATABASE "${decoy}" RENAME TO "${backup}"`);
      await hold.release();
      // dbship's rename now waits for the other transaction (pg_database's unique name index).
      await whileRunning(run, waitBlocked(server, /RENAME/, prod.name));
      await other.query("COMMIT");
      const result = await run.done;
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain(nextName(backup));
      await restoredUnder(prod, snapshot, backup);
    } finally {
      await other.end().catch(() => undefined);
      await sql(server.adminUrl, `DROP DATABASE IF EXISTS "${backup}"`);
      await sql(server.adminUrl, `DROP DATABASE IF EXISTS "${decoy}"`);
    }
  });
});

type SnapshotCell = { step: "housekeeping" | "copy"; fault: Fault; exit: number; alsoAccepted?: number };
const SNAPSHOT_CELLS: SnapshotCell[] = [
  // Before the copy, under the deploy lock, dbship drops what interrupted runs left (here an
  // unmarked copy, held by a lock so that its DROP DATABASE waits). A signal lets the drop
  // finish and stops before the copy.
  { step: "housekeeping", fault: "SIGINT", exit: 1 },
  { step: "housekeeping", fault: "SIGTERM", exit: 1 },
  { step: "housekeeping", fault: "2×SIGINT", exit: 130 },
  { step: "housekeeping", fault: "kill -9", exit: 137 },
  { step: "housekeeping", fault: "restart", exit: 1 },
  { step: "copy", fault: "SIGINT", exit: 1 },
  { step: "copy", fault: "SIGTERM", exit: 1 },
  { step: "copy", fault: "2×SIGINT", exit: 130, alsoAccepted: 1 },
  { step: "copy", fault: "kill -9", exit: 137 },
  { step: "copy", fault: "restart", exit: 1 },
];

describe("faults in dbship snapshot create", () => {
  it.each(SNAPSHOT_CELLS.filter((cell) => cell.fault !== "restart"))("$fault during the $step → exit $exit, production unchanged, no unreported copy", (cell) => snapshotCell(cell));
});
describe("restarts in dbship snapshot create", () => {
  it.each(SNAPSHOT_CELLS.filter((cell) => cell.fault === "restart"))("$fault during the $step → exit $exit, production unchanged, no unreported copy", (cell) => snapshotCell(cell));
});

async function snapshotCell(cell: SnapshotCell) {
  {
    const prod = await makeProduction(server, template, false);
    // An interrupted snapshot's copy (no marker), as a killed run leaves it.
    const leftover = `${prod.prefix}20250101-000000`;
    if (cell.step === "housekeeping") await sql(server.adminUrl, `CREATE DATABASE "${leftover}" TEMPLATE "${prod.name}"`);
    const hold = await holdDatabase(server, cell.step === "housekeeping" ? leftover : prod.name);
    const run = prod.start(["snapshot", "create"]);
    await whileRunning(run, cell.step === "housekeeping" ? waitBlocked(server, /DROP DATABASE/, leftover) : waitBlocked(server, /CREATE DATABASE/, prod.name));
    await inject(cell.fault, run, server);
    if (cell.fault !== "restart") await sleep(300);
    await hold.release();
    const result = await run.done;
    expect([cell.exit, cell.alsoAccepted ?? cell.exit], result.output).toContain(result.exitCode);
    // Not an internal error: a failure says production is unchanged.
    expect(result.output).not.toMatch(/internal error|\n\s+at /i);
    if (result.exitCode === 1) expect(result.output).toMatch(/production is unchanged/i);
    await settle(server, prod);
    expect(await prod.titles()).toEqual(["one", "two"]);

    const list = await prod.dbship(["snapshot", "list", "--json"]);
    expect(list.exitCode, list.output).toBe(0);
    expect(list.json.snapshots).toEqual([]);
    const copies = await databasesLike(server, prod.prefix);
    // Whatever copy the interrupted run left (or did not get to drop) is reported, never silently kept.
    expect(list.json.leftovers.map((l: { name: string }) => l.name)).toEqual(copies);
    if (copies.length) {
      // The copy step's leftover after kill -9; the housekeeping's when the restart came before its drop.
      expect(cell.step === "copy" ? ["kill -9"] : ["restart"]).toContain(cell.fault);
      const again = await prod.dbship(["snapshot", "create"]);
      expect(again.exitCode, again.output).toBe(0);
      for (const copy of copies) expect(again.output).toContain(`dropped ${copy}`);
    }
  }
}
