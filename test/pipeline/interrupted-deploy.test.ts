// A cancelled deploy stops migrating: Prisma's server sessions are ended before dbship exits,
// however many signals arrive; and a Prisma that outlives a killed dbship is reported as running,
// never as failed, so no advice leads to applying its migration twice.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { adminUrl, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { sessionsNamed, signalTwice, sleep, startDbship, waitFor } from "../support/processes.js";

const SLOW = (seconds: number) => `SELECT pg_sleep(${seconds});\nALTER TABLE "moments" ADD COLUMN "slow" INTEGER;\n`;

const hasSlowColumn = async (prod: Production) =>
  (await query(prod.db.url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'moments' AND column_name = 'slow'")).length === 1;

/** Production at 0002 with 0003_slow pending, schema.prisma matching it. */
async function slowProduction(seconds: number): Promise<Production> {
  const prod = await createProduction({ applied: 2, extra: { "0003_slow": SLOW(seconds) } });
  const schema = await readFile(path.join(prod.project.dir, "prisma/schema.prisma"), "utf8");
  await prod.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?", "  body      String?\n  slow      Int?"));
  return prod;
}

describe("interrupted dbship deploy (postgres)", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("two SIGINTs 10 ms apart: Prisma's session is terminated before exit, the migration never lands", async () => {
    prod = await slowProduction(4);
    const run = startDbship(["deploy", "--no-rehearsal"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url } });
    await waitFor("Prisma's session", async () => (await sessionsNamed(adminUrl(), prod!.db.name, "dbship-prisma-")).some((s) => /pg_sleep/.test(s.query)));
    await signalTwice(run.pid, "INT", 10);
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(130);
    // Gone by the time the shell gets its prompt back.
    await waitFor("Prisma's session to end", async () => (await sessionsNamed(adminUrl(), prod!.db.name, "dbship-prisma-")).length === 0, 3_000);
    await sleep(4500);
    expect(await hasSlowColumn(prod)).toBe(false);
  });

  it("after kill -9, the Prisma that runs on is reported as running by status and deploy, never as failed", async () => {
    prod = await slowProduction(5);
    const run = startDbship(["deploy", "--no-rehearsal"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.db.url } });
    await waitFor("Prisma's session", async () => (await sessionsNamed(adminUrl(), prod!.db.name, "dbship-prisma-")).some((s) => /pg_sleep/.test(s.query)));
    run.signal("SIGKILL");
    expect((await run.done).exitCode).toBe(137);

    const status = await prod.dbship(["status"]);
    expect(status.exitCode, status.output).toBe(1);
    expect(status.stdout).toMatch(/0003_slow\s+running/);
    expect(status.stdout).not.toContain("failed");

    const deploy = await prod.dbship(["deploy", "--terminate-connections"]);
    expect(deploy.exitCode, deploy.output).toBe(3);
    expect(deploy.stdout).toContain("0003_slow is being applied right now");
    expect(deploy.stdout).not.toContain("--applied");

    await waitFor("Prisma to finish", async () => (await sessionsNamed(adminUrl(), prod!.db.name, "dbship-prisma-")).length === 0, 20_000);
    expect(await hasSlowColumn(prod)).toBe(true);
    const after = await prod.dbship(["status"]);
    expect(after.exitCode, after.output).toBe(0);
    expect((await prod.ledger()).filter((row) => row.migration_name === "0003_slow")).toHaveLength(1);
  });
});
