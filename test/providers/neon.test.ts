// The neon provider, only over HTTP against the Neon API emulator (real @neondatabase/api-client,
// real databases behind every branch): snapshots, rehearsal branches, restores, the DATABASE_URL
// check, and every injected fault either retried to success or turned into a clear error that
// leaves nothing behind and never shows the API key.
import { inspect } from "node:util";
import type { Api } from "@neondatabase/api-client";
import { afterEach, describe, expect, it } from "vitest";
import { DbshipError } from "../../src/errors.js";
import { checkProductionUrl, createNeonProvider, type NeonProvider, type NeonProviderOptions } from "../../src/providers/neon.js";
import { describeFailure, NeonClient } from "../../src/providers/neon-client.js";
import { startNeonEmulator, type NeonEmulator, type NeonEmulatorOptions } from "../support/neon-emulator/index.js";
import { apiFor, connectError } from "../support/neon-emulator/testing.js";
import { adminUrl, query } from "../support/postgres.js";

const FAST = { requestMs: 5_000, backoffBaseMs: 5, backoffMaxMs: 40, pollMs: 10, pollMaxMs: 40, retryBudgetMs: 20_000, operationsMs: 20_000, failedGraceMs: 0 };

type Setup = { neon: NeonEmulator; api: Api<unknown>; provider: NeonProvider; logs: string[]; prodUri: string };
const emulators: NeonEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((neon) => neon.close()));
});

async function setup(
  emulatorOptions: Partial<NeonEmulatorOptions> = {},
  providerOptions: Partial<NeonProviderOptions> = {},
): Promise<Setup> {
  const neon = await startNeonEmulator({ adminUrl: adminUrl(), defaultBranchName: "production", operationDelayMs: 60, ...emulatorOptions });
  emulators.push(neon);
  const logs: string[] = [];
  const provider = createNeonProvider({
    apiKey: neon.apiKey,
    apiHost: neon.baseURL,
    projectId: neon.projectId,
    productionBranch: "production",
    snapshotPrefix: "pre-migration-",
    log: (line) => logs.push(line),
    ...providerOptions,
    timeouts: { ...FAST, ...providerOptions.timeouts },
  });
  const prodUri = await provider.productionConnectionString();
  await query(prodUri, `CREATE TABLE "Moment" (id serial PRIMARY KEY, title text NOT NULL); INSERT INTO "Moment" (title) VALUES ('one'), ('two')`);
  return { neon, api: apiFor(neon), provider, logs, prodUri };
}

const titles = async (url: string) => (await query(url, `SELECT title FROM "Moment" ORDER BY id`)).map((row) => row.title as string);

async function branchNames(s: Setup): Promise<string[]> {
  return (await s.api.listProjectBranches({ projectId: s.neon.projectId })).data.branches.map((branch) => branch.name).sort();
}

async function rejection(promise: Promise<unknown>): Promise<DbshipError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbshipError);
  return error as DbshipError;
}

function expectNoKey(s: Setup, ...things: unknown[]) {
  for (const thing of [...things, s.logs]) {
    const text = `${inspect(thing, { depth: 10 })} ${JSON.stringify(thing)} ${String(thing)}`;
    expect(text).not.toContain(s.neon.apiKey);
  }
}

describe("neon provider: snapshots", () => {
  it("snapshots production as a branch with an endpoint and no expiry; its connection string holds the pre-snapshot data", async () => {
    // Operations take a while: connecting right after createSnapshot only works if it waited.
    const s = await setup({ operationDelayMs: 400 });
    const snapshot = await s.provider.createSnapshot("pre-migration-20261125-100000");
    await query(s.prodUri, `INSERT INTO "Moment" (title) VALUES ('after')`);

    const uri = await s.provider.connectionString(snapshot);
    expect(await titles(uri)).toEqual(["one", "two"]);
    expect(await titles(s.prodUri)).toEqual(["one", "two", "after"]);
    const { branch } = (await s.api.getProjectBranch(s.neon.projectId, snapshot.id)).data;
    expect(branch).toMatchObject({ name: snapshot.name, parent_id: s.neon.defaultBranchId, current_state: "ready" });
    expect(branch.expires_at).toBeUndefined();
    const { endpoints } = (await s.api.listProjectBranchEndpoints(s.neon.projectId, snapshot.id)).data;
    expect(endpoints.map((endpoint) => endpoint.type)).toEqual(["read_write"]);
    expect(snapshot).toMatchObject({ name: "pre-migration-20261125-100000", id: branch.id, protectedReason: undefined });
    expect(new Date(snapshot.createdAt).toISOString()).toBe(snapshot.createdAt);

    expect(await s.provider.findSnapshot(snapshot.name)).toMatchObject({ id: snapshot.id });
    expect(await s.provider.findSnapshot(snapshot.id)).toMatchObject({ name: snapshot.name });
    expect(await s.provider.findSnapshot("production")).toBeUndefined();
    expect(await s.provider.findSnapshot("no-such-branch")).toBeUndefined();
    const taken = await rejection(s.provider.createSnapshot(snapshot.name));
    expect(taken.code).toBe("SNAPSHOT_NAME_TAKEN");
  });

  it("takes connection strings from Neon as given, keeping their parameters", async () => {
    const s = await setup({ connectionParams: "sslmode=disable&application_name=neon-emulator-test" });
    const snapshot = await s.provider.createSnapshot("pre-migration-params");
    const uri = new URL(await s.provider.connectionString(snapshot));
    expect(uri.search).toBe("?sslmode=disable&application_name=neon-emulator-test");
    const official = (
      await s.api.getConnectionUri({ projectId: s.neon.projectId, branch_id: snapshot.id, database_name: "neondb", role_name: "neondb_owner" })
    ).data.uri;
    expect(uri.toString()).toBe(official);
    const [row] = await query(uri.toString(), "SELECT current_setting('application_name') AS app");
    expect(row?.app).toBe("neon-emulator-test");
  });

  it("lists only prefixed snapshots, newest first, and says which cannot be deleted", async () => {
    const s = await setup();
    const first = await s.provider.createSnapshot("pre-migration-1");
    const second = await s.provider.createSnapshot("pre-migration-2");
    const other = await s.api.createProjectBranch(s.neon.projectId, { branch: { name: "feature-pre-migration" } });
    const scratch = await s.provider.createScratch(first);
    await s.neon.finishOperations();
    // A child under the first snapshot: Neon will refuse to delete it.
    const child = await s.api.createProjectBranch(s.neon.projectId, { branch: { name: "child", parent_id: first.id } });
    await s.neon.finishOperations();

    const list = await s.provider.listSnapshots();
    expect(list.map((snapshot) => snapshot.name)).toEqual(["pre-migration-2", "pre-migration-1"]);
    expect(list[0]?.protectedReason).toBeUndefined();
    expect(list[1]?.protectedReason).toMatch(/child branches \(child\)/);
    expect(other.data.branch.name).toBe("feature-pre-migration");
    expect(child.data.branch.parent_id).toBe(first.id);
    expect(second.id).not.toBe(first.id);
    await scratch.drop();

    const refused = await rejection(s.provider.deleteSnapshot(list[1]!));
    expect(refused.code).toBe("NEON_API");
    expect(refused.message).toMatch(/child branches/);
    await s.provider.deleteSnapshot(list[0]!);
    expect(await branchNames(s)).toEqual(["child", "feature-pre-migration", "pre-migration-1", "production"]);
    // Deleting what is already gone is fine.
    await s.provider.deleteSnapshot(list[0]!);
  });
});

describe("neon provider: rehearsal branches", () => {
  it("creates a throwaway branch of production with a working connection string; drop() deletes it, twice safely", async () => {
    const s = await setup();
    const scratch = await s.provider.createScratch(undefined);
    expect(scratch.name).toMatch(/^dbship-scratch-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(await titles(scratch.connectionString)).toEqual(["one", "two"]);
    await query(scratch.connectionString, `ALTER TABLE "Moment" ADD COLUMN rehearsed boolean`);
    expect(await titles(s.prodUri)).toEqual(["one", "two"]);
    const { branch } = (await s.api.getProjectBranch(s.neon.projectId, scratch.id)).data;
    expect(branch.parent_id).toBe(s.neon.defaultBranchId);
    expect(branch.expires_at).toBeDefined();
    expect(await s.provider.listSnapshots()).toEqual([]);

    await scratch.drop();
    await scratch.drop();
    expect(await branchNames(s)).toEqual(["production"]);
    expect(await connectError(scratch.connectionString)).toMatch(/does not exist/);
  });
});

describe("neon provider: rehearsal branches without expiry", () => {
  it("creates the rehearsal branch without expires_at when Neon refuses branch expiry", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "status", status: 400, message: "expires_at: branch expiration is not available" });
    const scratch = await s.provider.createScratch(undefined);
    const { branch } = (await s.api.getProjectBranch(s.neon.projectId, scratch.id)).data;
    expect(branch.expires_at).toBeUndefined();
    expect(s.neon.countRequests("createProjectBranch")).toBe(2);
    expect(await titles(scratch.connectionString)).toEqual(["one", "two"]);
    await scratch.drop();
  });
});

describe("neon provider: restore", () => {
  it("restores production from a snapshot: same id and connection string, snapshot's data, backup holds the pre-restore data", async () => {
    const s = await setup();
    const snapshot = await s.provider.createSnapshot("pre-migration-restore");
    // A migration that went wrong half way.
    await query(s.prodUri, `ALTER TABLE "Moment" ADD COLUMN broken int; INSERT INTO "Moment" (title, broken) VALUES ('bad', 1)`);

    const result = await s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-restore");
    expect(await s.provider.productionConnectionString()).toBe(s.prodUri);
    expect(await titles(s.prodUri)).toEqual(["one", "two"]);
    const columns = await query(s.prodUri, `SELECT column_name FROM information_schema.columns WHERE table_name = 'Moment' ORDER BY 1`);
    expect(columns.map((row) => row.column_name)).toEqual(["id", "title"]);

    expect(result.backupName).toBe("dbship-backup-restore");
    const backup = (await s.api.getProjectBranch(s.neon.projectId, result.backupId)).data.branch;
    expect(backup.name).toBe("dbship-backup-restore");
    expect(await titles(s.neon.branchDatabaseUrl(result.backupId))).toEqual(["one", "two", "bad"]);
    const prod = (await s.api.getProjectBranch(s.neon.projectId, s.neon.defaultBranchId)).data.branch;
    expect(prod).toMatchObject({ name: "production", current_state: "ready", parent_id: snapshot.id });

    // Production can be migrated again with the same URL.
    await query(s.prodUri, `INSERT INTO "Moment" (title) VALUES ('three')`);
    const listed = await s.provider.listSnapshots();
    expect(listed.find((item) => item.id === snapshot.id)?.protectedReason).toMatch(/child branches \(production\)/);
  });

  it("reports a restore whose operation failed as NEON_OPERATION_FAILED", async () => {
    const s = await setup();
    const snapshot = await s.provider.createSnapshot("pre-migration-r");
    s.neon.inject("restoreProjectBranch", { type: "fail-operation", action: "create_branch" });
    const error = await rejection(s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-r"));
    expect(error.code).toBe("NEON_OPERATION_FAILED");
    expect(error.message).toMatch(/restore production from pre-migration-r.*create_branch .* ended failed/);
  });

  it("refuses an unknown snapshot and a backup name that is taken, changing nothing", async () => {
    const s = await setup();
    const snapshot = await s.provider.createSnapshot("pre-migration-x");
    expect((await rejection(s.provider.restore({ snapshot: "pre-migration-nope" }, "backup-1"))).code).toBe("SNAPSHOT_NOT_FOUND");
    expect((await rejection(s.provider.restore({ snapshot: snapshot.name }, snapshot.name))).code).toBe("SNAPSHOT_NAME_TAKEN");
    expect(await branchNames(s)).toEqual(["pre-migration-x", "production"]);
    expect(s.neon.countRequests("restoreProjectBranch")).toBe(0);
  });

  it("restores production to a point in time; the backup keeps the later state", async () => {
    const s = await setup();
    await s.neon.recordHistory();
    const good = new Date();
    await query(s.prodUri, `DELETE FROM "Moment" WHERE title = 'one'`);
    await s.neon.recordHistory();

    const result = await s.provider.restore({ time: good }, "dbship-backup-pitr");
    expect(await titles(s.prodUri)).toEqual(["one", "two"]);
    expect(await titles(s.neon.branchDatabaseUrl(result.backupId))).toEqual(["two"]);
    const prod = (await s.api.getProjectBranch(s.neon.projectId, s.neon.defaultBranchId)).data.branch;
    expect(prod.parent_id).toBeUndefined();
    expect(await s.provider.productionConnectionString()).toBe(s.prodUri);
  });

  it("refuses a time outside the history window or in the future before asking Neon", async () => {
    const s = await setup({ historyRetentionSeconds: 3600 });
    const old = await rejection(s.provider.restore({ time: new Date(Date.now() - 2 * 3600_000) }, "b1"));
    expect(old.code).toBe("TIME_OUT_OF_WINDOW");
    expect(old.message).toMatch(/1 hour/);
    expect((await rejection(s.provider.restore({ time: new Date(Date.now() + 60_000) }, "b2"))).code).toBe("TIME_OUT_OF_WINDOW");
    expect(s.neon.countRequests("restoreProjectBranch")).toBe(0);
  });

  it("says clearly that production is no longer a root branch after a snapshot restore, so no point in time", async () => {
    const s = await setup();
    const snapshot = await s.provider.createSnapshot("pre-migration-a");
    await s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-a");
    const refused = await rejection(s.provider.restore({ time: new Date() }, "dbship-backup-b"));
    expect(refused.code).toBe("PITR_UNSUPPORTED");
    expect(refused.message).toMatch(/root branch.*production.*parent is pre-migration-a/);
    expect(refused.hint).toMatch(/dbship rollback --to/);
  });

  it("turns Neon's own refusal of a point-in-time restore into PITR_UNSUPPORTED", async () => {
    const s = await setup();
    s.neon.inject("restoreProjectBranch", {
      type: "status",
      status: 400,
      message: "point in time restore is supported only for root branches",
    });
    const refused = await rejection(s.provider.restore({ time: new Date() }, "dbship-backup-c"));
    expect(refused.code).toBe("PITR_UNSUPPORTED");
    expect(refused.message).toMatch(/supported only for root branches/);
  });
});

describe("neon provider: the DATABASE_URL check", () => {
  it("accepts production's direct URL, refuses the pooled one and another branch's, masking passwords", async () => {
    const s = await setup();
    await s.provider.verifyDatabaseUrl(s.prodUri);
    const pooledUri = (
      await s.api.getConnectionUri({ projectId: s.neon.projectId, database_name: "neondb", role_name: "neondb_owner", pooled: true })
    ).data.uri;
    const pooled = await rejection(s.provider.verifyDatabaseUrl(pooledUri));
    expect(pooled.code).toBe("NEON_POOLED_URL");
    expect(pooled.hint).toMatch(/advisory lock/);
    const password = decodeURIComponent(new URL(s.prodUri).password);
    expect(pooled.hint).toContain(new URL(s.prodUri).pathname);
    expect(`${pooled.message} ${pooled.hint}`).not.toContain(password);

    const snapshot = await s.provider.createSnapshot("pre-migration-wrong");
    const wrong = await rejection(s.provider.verifyDatabaseUrl(await s.provider.connectionString(snapshot)));
    expect(wrong.code).toBe("NEON_WRONG_TARGET");
    expect(`${wrong.message} ${wrong.hint}`).not.toContain(password);
  });

  it("recognises Neon's -pooler hosts and compares host, port and database", () => {
    const direct = "postgresql://neondb_owner:npg_secret@ep-cool-night-12345678.us-east-2.aws.neon.tech/neondb?sslmode=require";
    const production = { branchName: "production", direct };
    expect(() => checkProductionUrl(direct.replace("?sslmode=require", ""), production)).not.toThrow();
    const pooled = direct.replace("12345678.", "12345678-pooler.");
    expect(() => checkProductionUrl(pooled, production)).toThrow(expect.objectContaining({ code: "NEON_POOLED_URL" }));
    const otherDb = direct.replace("/neondb?", "/other?");
    expect(() => checkProductionUrl(otherDb, production)).toThrow(expect.objectContaining({ code: "NEON_WRONG_TARGET" }));
    const otherHost = direct.replace("ep-cool-night", "ep-warm-day");
    expect(() => checkProductionUrl(otherHost, production)).toThrow(expect.objectContaining({ code: "NEON_WRONG_TARGET" }));
    try {
      checkProductionUrl(pooled, production);
    } catch (error) {
      expect(String((error as DbshipError).hint)).toContain("neondb_owner:****@");
      expect(`${(error as DbshipError).message} ${(error as DbshipError).hint}`).not.toContain("npg_secret");
    }
  });
});

describe("neon provider: faults", () => {
  it("retries 503 on a POST and makes exactly one branch", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "status", status: 503 }, { times: 2 });
    const snapshot = await s.provider.createSnapshot("pre-migration-503");
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(3);
    expect(await branchNames(s)).toEqual(["pre-migration-503", "production"]);
    expect(await titles(await s.provider.connectionString(snapshot))).toEqual(["one", "two"]);
  });

  it("honours Retry-After on 429", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "status", status: 429, retryAfter: 1 });
    await s.provider.createSnapshot("pre-migration-429");
    expect(s.logs.some((line) => /429 .*retry 2\/\d+ in 1000 ms \(Retry-After\)/.test(line))).toBe(true);
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(2);
  });

  it("retries 423 on a restore", async () => {
    const s = await setup();
    const snapshot = await s.provider.createSnapshot("pre-migration-423");
    s.neon.inject("restoreProjectBranch", { type: "status", status: 423 }, { times: 2 });
    await s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-423");
    expect(s.neon.countRequests("restoreProjectBranch")).toBe(3);
    expect(await titles(s.prodUri)).toEqual(["one", "two"]);
  });

  it("retries 500s and timeouts on GETs", async () => {
    const s = await setup({}, { timeouts: { requestMs: 300 } });
    s.neon.inject("getProjectOperation", { type: "status", status: 500 }, { times: 2 });
    s.neon.inject("listProjectBranches", { type: "delay", ms: 1000 });
    const snapshot = await s.provider.createSnapshot("pre-migration-get");
    expect(snapshot.name).toBe("pre-migration-get");
    expect(s.neon.requests.filter((entry) => entry.fault).map((entry) => entry.route).sort()).toEqual([
      "getProjectOperation",
      "getProjectOperation",
      "listProjectBranches",
    ]);
  });

  it("does not retry a 500 on a POST: a clear error, and no branch left behind", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "status", status: 500 });
    const error = await rejection(s.provider.createSnapshot("pre-migration-500"));
    expect(error.code).toBe("NEON_API");
    expect(error.message).toMatch(/create snapshot pre-migration-500: 500/);
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(1);
    expect(await branchNames(s)).toEqual(["production"]);
    expectNoKey(s, error);
  });

  it("after a 500 on a POST that was applied anyway, finds and uses the branch instead of leaving an orphan", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "status", status: 500, afterApply: true });
    const snapshot = await s.provider.createSnapshot("pre-migration-500-applied");
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(1);
    expect(await branchNames(s)).toEqual(["pre-migration-500-applied", "production"]);
    expect(await titles(await s.provider.connectionString(snapshot))).toEqual(["one", "two"]);
  });

  it("recovers a POST whose response was lost by re-reading, without sending it again", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "drop-response" });
    const snapshot = await s.provider.createSnapshot("pre-migration-lost");
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(1);
    expect(await branchNames(s)).toEqual(["pre-migration-lost", "production"]);
    expect(await titles(await s.provider.connectionString(snapshot))).toEqual(["one", "two"]);
  });

  it("after a POST timed out, re-reads before re-sending: still exactly one branch", async () => {
    const s = await setup({}, { timeouts: { requestMs: 300 } });
    s.neon.inject("createProjectBranch", { type: "delay", ms: 1200 });
    const snapshot = await s.provider.createSnapshot("pre-migration-slow");
    // Let the delayed request land too before counting.
    while (s.neon.requests.some((entry) => entry.status === 0)) await new Promise((resolve) => setTimeout(resolve, 50));
    await s.neon.idle();
    expect(await branchNames(s)).toEqual(["pre-migration-slow", "production"]);
    expect(s.neon.countRequests("listProjectBranches")).toBeGreaterThan(1);
    expect(await titles(await s.provider.connectionString(snapshot))).toEqual(["one", "two"]);
  });

  it("reports a failed operation and deletes the half-made branch", async () => {
    const s = await setup();
    s.neon.inject("createProjectBranch", { type: "fail-operation", action: "start_compute", error: "compute failed to start" });
    const error = await rejection(s.provider.createSnapshot("pre-migration-failed"));
    expect(error.code).toBe("NEON_OPERATION_FAILED");
    expect(error.message).toMatch(/start_compute .* ended failed: compute failed to start/);
    expect(error.hint).toMatch(/was deleted/);
    expect(await branchNames(s)).toEqual(["production"]);
    // Its database is gone too.
    const { operations } = (await s.api.listProjectOperations({ projectId: s.neon.projectId, limit: 100 })).data;
    const failed = operations.find((op) => op.action === "start_compute" && op.status === "failed");
    expect(failed?.branch_id).toBeDefined();
    const physical = s.neon.physicalDatabaseName(failed!.branch_id!);
    expect(await query(adminUrl(), "SELECT 1 FROM pg_database WHERE datname = $1", [physical])).toEqual([]);
  });

  it("turns 422 BRANCHES_LIMIT_EXCEEDED into SNAPSHOT_LIMIT naming the plan limits and the prune command", async () => {
    const s = await setup({ branchLimit: 2 });
    await s.provider.createSnapshot("pre-migration-fits");
    const error = await rejection(s.provider.createSnapshot("pre-migration-over"));
    expect(error.code).toBe("SNAPSHOT_LIMIT");
    expect(error.hint).toMatch(/10–25 branches/);
    expect(error.hint).toMatch(/dbship snapshot prune/);
    expect(await branchNames(s)).toEqual(["pre-migration-fits", "production"]);
  });

  it("rejects a wrong API key with NEON_AUTH and never shows any key", async () => {
    const s = await setup();
    const wrongKey = `napi_${"x".repeat(40)}`;
    const logs: string[] = [];
    const provider = createNeonProvider({
      apiKey: wrongKey,
      apiHost: s.neon.baseURL,
      projectId: s.neon.projectId,
      productionBranch: "production",
      snapshotPrefix: "pre-migration-",
      log: (line) => logs.push(line),
      timeouts: FAST,
    });
    const error = await rejection(provider.createSnapshot("pre-migration-auth"));
    expect(error.code).toBe("NEON_AUTH");
    expect(error.message).toBe("NEON_API_KEY rejected");
    for (const text of [inspect(error, { depth: 10 }), JSON.stringify(error), String(error.hint), logs.join("\n")]) {
      expect(text).not.toContain(wrongKey);
    }
  });

  it("keeps axios errors, which carry the key in their request headers, out of everything it throws", async () => {
    const s = await setup();
    const client = new NeonClient({ apiKey: s.neon.apiKey, apiHost: s.neon.baseURL, projectId: s.neon.projectId, timeouts: FAST });
    const raw = await client.api.getProject("no-such-project-1").catch((error: unknown) => error);
    // The hazard is real: the client's own error holds the Authorization header.
    expect(inspect(raw, { depth: 10 })).toContain(s.neon.apiKey);
    const error = client.toError({ method: "GET", what: "read project" }, describeFailure(raw));
    expect(error.code).toBe("NEON_NOT_FOUND");
    expect(error.message).toMatch(/project not found/);
    expectNoKey(s, error, describeFailure(raw));
  });

  it("says NEON_NOT_FOUND for an unknown production branch or project", async () => {
    const s = await setup();
    const base = { apiKey: s.neon.apiKey, apiHost: s.neon.baseURL, snapshotPrefix: "pre-migration-", timeouts: FAST };
    const noBranch = createNeonProvider({ ...base, projectId: s.neon.projectId, productionBranch: "prod-typo" });
    const branchError = await rejection(noBranch.listSnapshots());
    expect(branchError.code).toBe("NEON_NOT_FOUND");
    expect(branchError.message).toMatch(/project or branch not found: .*prod-typo/);
    const noProject = createNeonProvider({ ...base, projectId: "no-such-project-1", productionBranch: "production" });
    const projectError = await rejection(noProject.listSnapshots());
    expect(projectError.code).toBe("NEON_NOT_FOUND");
    expect(projectError.message).toMatch(/^project or branch not found: /);
  });

  it("gives up after bounded retries with a clear error, and the key is nowhere in errors or logs", async () => {
    const s = await setup({}, { timeouts: { attempts: 3 } });
    s.neon.inject("createProjectBranch", { type: "status", status: 503 }, { times: 5 });
    const error = await rejection(s.provider.createSnapshot("pre-migration-down"));
    expect(error.code).toBe("NEON_API");
    expect(error.message).toMatch(/503 service unavailable .*after 3 attempts/);
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(3);
    expect(await branchNames(s)).toEqual(["production"]);
    expectNoKey(s, error);
  });
});
