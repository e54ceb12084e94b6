// Outcomes that must tell the truth when the server misbehaves, on a PostgreSQL of the test's
// own (it is stopped and started again): a restart during the deploy step is exit 1 with the
// rollback instructions, a restart during post-verify says production could not be verified,
// and an autovacuum worker on production does not stop a snapshot.
import { execa } from "execa";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDbship, runPrisma, testEnv, type CliResult } from "../support/cli.js";
import { query } from "../support/postgres.js";
import { createProject, repoRoot, type TestProject } from "../support/project.js";
import { startOwnServer, type OwnServer } from "../support/own-server.js";

let server: OwnServer;

beforeAll(async () => {
  // autovacuum_naptime=1: the autovacuum test need not wait a minute for a worker.
  server = await startOwnServer(["-c", "autovacuum_naptime=1"]);
});

afterAll(async () => {
  await server?.destroy();
});

type OwnProduction = { name: string; url: string; project: TestProject };

/** Production at the baseline with rows; the project has 0002 and `extra` migrations pending. */
async function ownProduction(extra: Record<string, string> = {}): Promise<OwnProduction> {
  const name = `prod_${randomBytes(4).toString("hex")}`;
  await query(server.adminUrl, `CREATE DATABASE "${name}"`);
  const url = server.urlOf(name);
  const builder = await createProject({ migrations: 1 });
  try {
    const built = await runPrisma(["migrate", "deploy"], { cwd: builder.dir, databaseUrl: url });
    if (built.exitCode !== 0) throw new Error(`building production failed: ${built.stderr}${built.stdout}`);
  } finally {
    await builder.cleanup();
  }
  await query(url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), 'one', now()), (gen_random_uuid(), 'two', now())");
  const project = await createProject({ extra, config: { snapshot: { prefix: `pm${randomBytes(3).toString("hex")}-` } } });
  return { name, url, project };
}

/** Starts dbship; `during` runs once `ready` says so; resolves with what the shell saw. */
async function runWhile(prod: OwnProduction, args: string[], ready: (stderr: string) => Promise<boolean>, during: () => Promise<void>): Promise<CliResult> {
  const child = execa("node", [path.join(repoRoot, "bin/dbship.js"), ...args], {
    cwd: prod.project.dir,
    env: testEnv({ DATABASE_URL: prod.url }),
    reject: false,
    timeout: 110_000,
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let done = false;
  void child.finally(() => (done = true));
  while (!done && !(await ready(stderr).catch(() => false))) await new Promise((resolve) => setTimeout(resolve, 100));
  if (done) throw new Error(`dbship ended before the fault could be injected:\n${stderr}`);
  await during();
  const result = await child;
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), output: `${result.stderr}\n${result.stdout}`, json: undefined };
}

describe("server faults", () => {
  it("a restart during the deploy step: exit 1 and the rollback instructions, and the printed command restores production", async () => {
    // 0003 sleeps on production (it has rows), long enough to stop the server under it.
    const prod = await ownProduction({ "0003_slow": "SELECT pg_sleep(20) FROM moments LIMIT 1;\n" });
    const rows = await query(prod.url, "SELECT title FROM moments ORDER BY title");
    const sleeping = async () =>
      (await query(server.adminUrl, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query ILIKE '%pg_sleep%' AND pid <> pg_backend_pid()", [prod.name])).length > 0;
    const result = await runWhile(prod, ["deploy", "--no-rehearsal"], () => sleeping(), async () => {
      await server.stop();
    });
    await server.start();
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toContain("[DEPLOY_FAILED]");
    expect(result.stdout).not.toContain("DATABASE_UNREACHABLE]");
    const command = /restore:\s+(dbship rollback .+)$/m.exec(result.stdout)?.[1];
    expect(command, result.stdout).toBeDefined();

    // The printed command gives production back.
    const [, ...args] = command!.trim().split(/\s+/);
    const restored = await runDbship([...args, "--yes"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.url } });
    expect(restored.exitCode, restored.output).toBe(0);
    expect(await query(prod.url, "SELECT title FROM moments ORDER BY title")).toEqual(rows);
    expect((await query(prod.url, "SELECT migration_name FROM _prisma_migrations")).map((r) => r.migration_name)).toEqual(["0001_baseline"]);
  });

  it("a restart during post-verify says production could not be verified, not that it is wrong", async () => {
    const prod = await ownProduction();
    const result = await runWhile(prod, ["deploy", "--no-rehearsal"], async (stderr) => stderr.includes("Post-verify"), async () => {
      await server.stop();
    });
    await server.start();
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toContain("[VERIFY_INCOMPLETE]");
    expect(result.stdout).toContain("could not verify production");
    expect(result.stdout).not.toContain("does not match what was deployed");
    expect(result.stdout).toContain("Production could not be verified");
    // The deploy itself went through.
    expect((await query(prod.url, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1")).map((r) => r.migration_name)).toEqual([
      "0001_baseline",
      "0002_moment_title_length",
    ]);
  });

  it("an autovacuum worker on production does not stop a snapshot, and is not named as someone's session", async () => {
    const prod = await ownProduction();
    // A table vacuumed as slowly as PostgreSQL allows, so a worker stays on production.
    await query(
      prod.url,
      `CREATE TABLE churn (id int) WITH (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
         autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1);
       INSERT INTO churn SELECT generate_series(1, 200000);
       DELETE FROM churn;`,
    );
    const deadline = Date.now() + 60_000;
    let vacuuming = false;
    while (!vacuuming && Date.now() < deadline) {
      vacuuming = (await query(server.adminUrl, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'autovacuum worker'", [prod.name])).length > 0;
      if (!vacuuming) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(vacuuming, "no autovacuum worker started on production").toBe(true);
    const result = await runDbship(["snapshot", "create", "--json"], { cwd: prod.project.dir, env: { DATABASE_URL: prod.url } });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).not.toContain("SESSIONS_ON_DATABASE");
  });
});
