// Fault injection on `dbship deploy` at each of its steps: SIGINT, SIGTERM, two SIGINTs 10 ms
// apart, kill -9, and a server restart. dbship is held at preflight by the schema check replaying
// a migration that sleeps 2.5 s (on a dbship-check-… database), at the snapshot by a lock on
// production's database object, at the rehearsal and the deploy by the same sleeping migration,
// and at post-verify by a read-only verify.sql that sleeps 2.5 s. After each: production exists
// and is unchanged, fully migrated, or restorable with the printed command; the next command says
// what happened; nothing is applied twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../support/processes.js";
import {
  buildTemplate,
  databasesLike,
  holdDatabase,
  inject,
  makeProduction,
  settle,
  sql,
  startFaultServer,
  waitBlocked,
  waitPrismaSleeping,
  waitReplaySleeping,
  waitVerifySleeping,
  whileRunning,
  type Fault,
  type FaultProduction,
  type FaultServer,
} from "./fault-kit.js";

let server: FaultServer;
let template: string;
beforeAll(async () => {
  server = await startFaultServer();
  template = await buildTemplate(server);
});
afterAll(async () => {
  await server?.stop();
});

/** `exit` is what the shell must see; `alsoAccepted`, a second status that is as truthful (see the cell). */
type Cell = { step: "preflight" | "snapshot" | "rehearsal" | "deploy" | "post-verify"; fault: Fault; exit: number; alsoAccepted?: number };
const CELLS: Cell[] = [
  // Interrupted in the schema check: DEPLOY_INTERRUPTED, never SCHEMA_OUT_OF_SYNC (exit 3).
  { step: "preflight", fault: "SIGINT", exit: 1 },
  { step: "preflight", fault: "SIGTERM", exit: 1 },
  { step: "preflight", fault: "2×SIGINT", exit: 130, alsoAccepted: 1 },
  { step: "preflight", fault: "kill -9", exit: 137 },
  // The server went away while dbship was checking, before anything changed (exit 2: the
  // environment, like any other unreachable database), never "the migrations do not apply" (3).
  { step: "preflight", fault: "restart", exit: 2 },
  { step: "snapshot", fault: "SIGINT", exit: 1 },
  { step: "snapshot", fault: "SIGTERM", exit: 1 },
  // 2×SIGINT: the graceful stop the first one starts can finish (exit 1, full report) before the
  // second arrives on a loaded machine; either way the state checks below must hold.
  { step: "snapshot", fault: "2×SIGINT", exit: 130, alsoAccepted: 1 },
  { step: "snapshot", fault: "kill -9", exit: 137 },
  { step: "snapshot", fault: "restart", exit: 1 },
  { step: "rehearsal", fault: "SIGINT", exit: 1 },
  { step: "rehearsal", fault: "SIGTERM", exit: 1 },
  { step: "rehearsal", fault: "2×SIGINT", exit: 130, alsoAccepted: 1 },
  { step: "rehearsal", fault: "kill -9", exit: 137 },
  // Exit 2 (DATABASE_UNREACHABLE, "bad input") today: issue 16 item 4 maps a lost server to 1.
  { step: "rehearsal", fault: "restart", exit: 1, alsoAccepted: 2 },
  { step: "deploy", fault: "SIGINT", exit: 1 },
  { step: "deploy", fault: "SIGTERM", exit: 1 },
  { step: "deploy", fault: "2×SIGINT", exit: 130, alsoAccepted: 1 },
  { step: "deploy", fault: "kill -9", exit: 137 },
  { step: "deploy", fault: "restart", exit: 1 },
  // Production is migrated; only the checks were cut short.
  { step: "post-verify", fault: "SIGINT", exit: 1 },
  { step: "post-verify", fault: "SIGTERM", exit: 1 },
  { step: "post-verify", fault: "2×SIGINT", exit: 130, alsoAccepted: 1 },
  { step: "post-verify", fault: "kill -9", exit: 137 },
  // VERIFY_INCOMPLETE ("could not verify"), never "production does not match what was deployed".
  { step: "post-verify", fault: "restart", exit: 1 },
];

const printedRollback = (stdout: string) => /restore:\s+(dbship rollback .+)$/m.exec(stdout)?.[1]?.trim();

async function pendingOnly(prod: FaultProduction) {
  expect(await prod.hasSlowColumn()).toBe(false);
  expect(await prod.finished()).toEqual({ "0001_baseline": 1, "0002_moment_title_length": 1 });
}

// Cells run side by side, each on a production of its own; restarts run alone afterwards.
describe.concurrent("faults in dbship deploy", () => {
  it.each(CELLS.filter((cell) => cell.fault !== "restart"))("$fault at the $step step → exit $exit", (cell) => deployCell(cell));
});
describe("restarts in dbship deploy", () => {
  it.each(CELLS.filter((cell) => cell.fault === "restart"))("$fault at the $step step → exit $exit", (cell) => deployCell(cell));
});

// A restart during the schema check reads as DATABASE_UNREACHABLE only because the cleanup that
// follows cannot reconnect yet. The same lost connection with the server still up (a session
// terminated by an administrator, or a restart that is over before the cleanup) must not read as
// "the migrations do not apply to an empty database" (SCHEMA_OUT_OF_SYNC, exit 3) either.
describe("a lost connection in deploy's schema check", () => {
  it("a terminated replay session → exit 2 DATABASE_UNREACHABLE, never SCHEMA_OUT_OF_SYNC; production unchanged", async () => {
    const prod = await makeProduction(server, template, true);
    const run = prod.start(["deploy", "--no-rehearsal"]);
    await whileRunning(run, waitReplaySleeping(server, prod));
    const terminated = await sql(
      server.adminUrl,
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE starts_with(datname, 'dbship-check-') AND query LIKE '%pg_sleep%' AND position($1 in query) > 0",
      [prod.name],
    );
    expect(terminated.length).toBe(1);
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toContain("DATABASE_UNREACHABLE");
    expect(result.output).not.toContain("SCHEMA_OUT_OF_SYNC");
    await settle(server, prod);
    await pendingOnly(prod);
    expect(await databasesLike(server, prod.prefix)).toEqual([]);
  });
});

async function deployCell(cell: Cell) {
  {
    const prod = await makeProduction(server, template, true, { quick: cell.step === "post-verify" });
    const hold = cell.step === "snapshot" ? await holdDatabase(server, prod.name) : undefined;
    const run = prod.start(["deploy", ...(cell.step === "rehearsal" ? [] : ["--no-rehearsal"])]);
    await whileRunning(
      run,
      cell.step === "preflight"
        ? waitReplaySleeping(server, prod)
        : cell.step === "snapshot"
          ? waitBlocked(server, /CREATE DATABASE/, prod.name)
          : cell.step === "post-verify"
            ? waitVerifySleeping(server, prod)
            : waitPrismaSleeping(server, cell.step === "rehearsal" ? `dbship-scratch-${prod.name}` : prod.name),
    );
    await inject(cell.fault, run, server);
    if (hold && cell.fault !== "restart") await sleep(300);
    await hold?.release();
    const result = await run.done;
    expect([cell.exit, cell.alsoAccepted ?? cell.exit], result.output).toContain(result.exitCode);
    await settle(server, prod);

    const status = await prod.dbship(["status"]);
    const finished = await prod.finished();
    // Nothing is ever applied twice.
    expect(Object.values(finished).every((n) => n === 1)).toBe(true);
    if (cell.step === "preflight") {
      // Nothing was changed, and nothing says the schema check failed: it was cut short.
      expect(result.output).not.toContain("SCHEMA_OUT_OF_SYNC");
      expect(result.output).not.toMatch(/do not apply|disagree/);
      if (result.exitCode === 1) expect(result.output).toContain("DEPLOY_INTERRUPTED");
      if (cell.fault === "restart") expect(result.output).toContain("DATABASE_UNREACHABLE");
      await pendingOnly(prod);
      expect(status.exitCode, status.output).toBe(1);
      expect(status.stdout).toMatch(/0003_slow\s+pending/);
      // No snapshot was started.
      expect(await databasesLike(server, prod.prefix)).toEqual([]);
      if (cell.fault === "kill -9") {
        // The deploy lock died with its session, the orphaned check ends: the next deploy runs
        // and applies 0003 once.
        const next = await prod.dbship(["deploy", "--no-rehearsal"]);
        expect(next.exitCode, next.output).toBe(0);
        expect(await prod.finished()).toEqual({ "0001_baseline": 1, "0002_moment_title_length": 1, "0003_slow": 1 });
      }
      return;
    }
    if (cell.step === "post-verify") {
      // Past the point of no return, the deploy step finished: production is fully migrated,
      // 0003 applied once, and dbship status says so.
      expect(await prod.hasSlowColumn()).toBe(true);
      expect(finished["0003_slow"]).toBe(1);
      expect(status.exitCode, status.output).toBe(0);
      expect(status.stdout).toMatch(/0003_slow\s+applied/);
      // Cut short is not "checked and wrong": no report invites a needless rollback.
      expect(result.output).not.toContain("does not match");
      expect(result.output).not.toContain("VERIFY_FAILED");
      if (cell.fault === "restart") expect(result.output).toContain("VERIFY_INCOMPLETE");
      if (result.exitCode === 1) expect(result.output).toMatch(/VERIFY_INCOMPLETE|DEPLOY_INTERRUPTED/);
      return;
    }
    if (cell.step !== "deploy") {
      // Before the point of no return: production unchanged, 0003 still pending.
      await pendingOnly(prod);
      expect(status.exitCode, status.output).toBe(1);
      expect(status.stdout).toMatch(/0003_slow\s+pending/);
      // The snapshot step's copy (the rehearsal's snapshot is complete and kept), the rehearsal's copy.
      const leftovers = await databasesLike(server, cell.step === "snapshot" ? prod.prefix : `dbship-scratch-${prod.name}`);
      if (leftovers.length) {
        // What a killed run leaves is named by the next command and dropped by the next deploy.
        for (const name of leftovers) expect(status.stdout).toContain(name);
        const next = await prod.dbship(["deploy", "--no-rehearsal"]);
        expect(next.exitCode, next.output).toBe(0);
        for (const name of leftovers) expect(next.output).toContain(`dropped ${name}`);
        expect(await prod.hasSlowColumn()).toBe(true);
      }
      return;
    }
    if (cell.fault === "kill -9") {
      // Prisma ran on after dbship died, and finished: fully migrated, applied once.
      expect(await prod.hasSlowColumn()).toBe(true);
      expect(finished["0003_slow"]).toBe(1);
      expect(status.exitCode, status.output).toBe(0);
      return;
    }
    // Stopped at the point of no return: Prisma's session was ended, so 0003 did not land, and
    // the ledger says so (failed) rather than pretending it is still running.
    expect(await prod.hasSlowColumn()).toBe(false);
    expect(status.exitCode, status.output).toBe(3);
    expect(status.stdout).toMatch(/0003_slow\s+failed/);
    const command = printedRollback(result.stdout);
    if (result.exitCode === 130) {
      // Quit at once: no report; the snapshot is still listed for a rollback.
      expect(command).toBeUndefined();
      return;
    }
    expect(command, result.output).toBeDefined();
    const restored = await prod.dbship([...command!.split(/\s+/).slice(1), "--yes"]);
    expect(restored.exitCode, restored.output).toBe(0);
    await pendingOnly(prod);
  }
}
