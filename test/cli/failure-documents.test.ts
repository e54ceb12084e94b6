// Each command's --json document has one shape, success or failure (README, "JSON documents"):
// a failure before the command has a report of its own (here: a config file that does not exist)
// prints that command's keys, its facts empty, and the error; and an error's details reach the
// document.
import { afterEach, describe, expect, it } from "vitest";
import { acquireDeployLock, type DeployLock } from "../../src/migrations/deploy-lock.js";
import { runDbship } from "../support/cli.js";
import { adminUrl } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

const ENVELOPE = ["command", "ok", "exitCode", "error"];

/** The keys of each command's report, as the README documents them (besides the envelope). */
const KEYS: Record<string, string[]> = {
  status: ["target", "managed", "empty", "migrations", "entries", "notices"],
  check: ["inSync", "server", "migrations", "differences", "acknowledged", "unmatchedAcknowledgements", "notCompared"],
  lint: ["against", "sizes", "migrations", "statements", "errors", "warnings", "acknowledged", "findings"],
  deploy: ["steps", "migrations", "snapshot", "rollback", "warnings"],
  "snapshot create": ["snapshot", "notices"],
  "snapshot list": ["retentionDays", "snapshots", "backups", "leftovers", "notices"],
  "snapshot url": ["snapshot", "connectionString"],
  "snapshot prune": ["deleted", "kept", "planned", "dropped", "notices"],
  rollback: ["target", "snapshot", "toTime", "backup", "discarded", "migrationsUndone", "migrationsNow", "verified", "candidates", "notices", "nextSteps"],
  baseline: ["target", "name", "file", "written", "marked", "dryRun", "differences", "handWritten", "leftOut", "sql", "nextSteps"],
};

const ARGS: Record<string, string[]> = {
  "snapshot url": ["snapshot", "url", "pre-migration-x"],
  rollback: ["rollback", "--to", "pre-migration-x", "--yes"],
};

describe("--json failure documents", () => {
  let project: TestProject | undefined;
  let prod: Production | undefined;
  let lock: DeployLock | undefined;
  afterEach(async () => {
    await lock?.release();
    lock = undefined;
    await project?.cleanup();
    project = undefined;
    await prod?.cleanup();
    prod = undefined;
  });

  it("a failure before the command's report has that command's keys, its facts empty", async () => {
    project = await createProject();
    for (const [command, keys] of Object.entries(KEYS)) {
      const args = [...(ARGS[command] ?? command.split(" ")), "--config", "no-such-config.json", "--json"];
      const result = await runDbship(args, { cwd: project.dir, env: { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/db" } });
      expect(result.exitCode, command).toBe(2);
      expect(Object.keys(result.json).sort(), command).toEqual([...ENVELOPE, ...keys].sort());
      expect(result.json, command).toMatchObject({ command, ok: false, exitCode: 2, error: { code: "CONFIG_NOT_FOUND" } });
    }
  });

  it("status has the same keys on success as on failure", async () => {
    prod = await createProduction({ applied: 2 });
    const ok = await prod.dbship(["status", "--json"]);
    expect(ok.exitCode).toBe(0);
    expect(Object.keys(ok.json).sort()).toEqual([...ENVELOPE, ...KEYS.status!].sort());
  });

  it("an error's details are in the document (the session holding the deploy lock)", async () => {
    prod = await createProduction();
    lock = await acquireDeployLock(adminUrl(), prod.db.name, "deploy");
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(3);
    expect(result.json.error.code).toBe("LOCK_HELD");
    expect(result.json.error.details.holder).toMatchObject({ pid: expect.any(Number), applicationName: expect.stringContaining("dbship deploy") });
    expect(result.json.error.details.holder.since).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  });
});
