// The pipeline's failure paths that need forcing: a snapshot that cannot be taken, a deploy that
// waits on a lock until the timeout, a Ctrl-C during the deploy, a post-verify that fails. Each
// checks what the user sees and that production is either untouched or restorable.
import { execa } from "execa";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { testEnv } from "../support/cli.js";
import { createNeonProduction, type NeonProduction } from "../support/neon-production.js";
import { query, withClient } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { repoRoot } from "../support/project.js";

/** A session that reads moments in an open transaction: ALTER TABLE on it must wait. */
async function holdReadLock(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "long-report" });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT count(*) FROM moments");
  return client;
}

/** Runs dbship and sends it SIGINT (Ctrl-C) `afterMs` after `marker` shows in its progress. */
async function interruptWhen(neon: NeonProduction, args: string[], marker: string, afterMs: number) {
  const child = execa("node", [path.join(repoRoot, "bin/dbship.js"), ...args], {
    cwd: neon.project.dir,
    env: testEnv({ DATABASE_URL: neon.url, NEON_API_KEY: neon.neon.apiKey, NEON_API_HOST: neon.neon.baseURL }),
    reject: false,
  });
  let stderr = "";
  await new Promise<void>((resolve) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(marker)) resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  child.kill("SIGINT");
  return child;
}

describe("deploy failure paths", () => {
  let neon: NeonProduction | undefined;
  let prod: Production | undefined;
  let blocker: pg.Client | undefined;
  afterEach(async () => {
    await blocker?.end().catch(() => undefined);
    await neon?.cleanup();
    await prod?.cleanup();
    neon = prod = blocker = undefined;
  });

  it("a snapshot that cannot be taken: exit 1, nothing changed, no rollback needed", async () => {
    neon = await createNeonProduction();
    const ledger = await neon.ledger();
    // The first branch is preflight's scratch branch, the second the snapshot.
    neon.neon.inject("createProjectBranch", { type: "fail-operation" }, { skip: 1 });
    const result = await neon.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "preflight:ok",
      "snapshot:failed",
      "rehearsal:skipped",
      "deploy:skipped",
      "post-verify:skipped",
    ]);
    expect(result.json.rollback).toBeNull();
    expect(await neon.ledger()).toEqual(ledger);
    const human = await neon.dbship(["status"]);
    expect(human.stdout).toMatch(/0002_moment_title_length\s+pending/);
  });

  it("a deploy stuck behind a lock is stopped at the timeout, its server session ended, and the rollback printed", async () => {
    neon = await createNeonProduction({ config: { deployTimeoutSeconds: 10 } });
    const before = await neon.moments();
    blocker = await holdReadLock(neon.url);
    const result = await neon.dbship(["deploy", "--no-rehearsal", "--json", "--show-secrets"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe("DEPLOY_TIMEOUT");
    expect(result.json.rollback.command).toBe(`dbship rollback --to ${result.json.snapshot.name}`);
    expect(result.stderr).toMatch(/terminated \d+ database session\(s\) the stopped Prisma run left behind/);
    // Once the long transaction ends, nothing of the stopped run goes on to apply its statement.
    await blocker.query("COMMIT");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await query(neon.url, "SELECT conname FROM pg_constraint WHERE conname = 'moments_title_length'")).toEqual([]);
    expect(await query(neon.url, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369")).toEqual([]);
    const snapshotRows = await withClient(result.json.snapshot.connectionString, async (c) => (await c.query("SELECT id::text, title FROM moments ORDER BY title, id")).rows);
    expect(snapshotRows).toEqual(before);
  });

  it("Ctrl-C during the deploy stops Prisma's whole process group and prints the rollback", async () => {
    neon = await createNeonProduction();
    blocker = await holdReadLock(neon.url);
    // Give Prisma time to start and block on the lock, then interrupt as a person would.
    const result = await interruptWhen(neon, ["deploy", "--no-rehearsal"], "Deploy to production…", 2500);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("interrupted while prisma migrate deploy was running on production [DEPLOY_INTERRUPTED]");
    expect(result.stdout).toMatch(/restore: +dbship rollback --to /);
    await blocker.query("COMMIT");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await query(neon.url, "SELECT conname FROM pg_constraint WHERE conname = 'moments_title_length'")).toEqual([]);
    const leftovers = await query(neon.url, "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'dbship-prisma-%'");
    expect(leftovers).toEqual([]);
  });

  it("Ctrl-C during the rehearsal deletes the rehearsal branch and leaves production untouched", async () => {
    // A slow migration (everywhere it runs) keeps the rehearsal busy long enough to interrupt it.
    neon = await createNeonProduction({ applied: 2, extra: { "0003_slow": "SELECT pg_sleep(4);\n" } });
    const ledger = await neon.ledger();
    const result = await interruptWhen(neon, ["deploy"], "Rehearsal on a copy of production…", 1500);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("interrupted during the rehearsal [DEPLOY_INTERRUPTED]");
    expect(result.stdout).toContain("Nothing was changed in production.");
    expect(result.stdout).not.toContain("dbship rollback");
    expect(await neon.ledger()).toEqual(ledger);
    expect((await neon.branchNames()).filter((name) => name.startsWith("dbship-"))).toEqual([]);
  });

  it("a verify.sql that fails after the deploy: exit 1 and the rollback instructions", async () => {
    prod = await createProduction();
    await prod.project.writeFile(
      "prisma/migrations/0002_moment_title_length/verify.sql",
      "-- every moment still has its title\nSELECT count(*) = 3 FROM moments;\n",
    );
    const result = await prod.dbship(["deploy", "--no-rehearsal", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe("VERIFY_FAILED");
    expect(result.json.error.message).toContain("verify.sql of 0002_moment_title_length: a check returned false");
    expect(result.json.rollback).toMatchObject({ failedStep: "post-verify", command: `dbship rollback --to ${result.json.snapshot.name}` });
    expect(result.json.migrations.applied).toEqual(["0002_moment_title_length"]);
  });

  it("the rehearsal runs verify.sql too, so a failing check stops before production", async () => {
    prod = await createProduction();
    await prod.project.writeFile("prisma/migrations/0002_moment_title_length/verify.sql", "SELECT count(*) = 3 FROM moments;\n");
    const ledger = await prod.ledger();
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.error.code).toBe("REHEARSAL_FAILED");
    expect(result.json.rollback).toBeNull();
    expect(await prod.ledger()).toEqual(ledger);
  });
});
