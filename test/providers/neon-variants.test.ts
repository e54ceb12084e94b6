// The neon provider under each answer Neon's sources leave open (docs/neon.md), one emulator
// switch at a time: production's id kept or swapped by a restore, lineage afterwards, a failed
// operation that Neon retries, a long 423, restore restricted on production, and the root-branch
// and branch allowances. Over HTTP against the emulator, with real databases behind the branches.
import type { Api } from "@neondatabase/api-client";
import { afterEach, describe, expect, it } from "vitest";
import { DbshipError } from "../../src/errors.js";
import { createNeonProvider, type NeonProvider, type NeonProviderOptions } from "../../src/providers/neon.js";
import { startNeonEmulator, type NeonEmulator, type NeonEmulatorOptions } from "../support/neon-emulator/index.js";
import { apiFor } from "../support/neon-emulator/testing.js";
import { adminUrl, query } from "../support/postgres.js";

const FAST = { requestMs: 5_000, backoffBaseMs: 5, backoffMaxMs: 40, pollMs: 10, pollMaxMs: 40, retryBudgetMs: 20_000, operationsMs: 20_000, failedGraceMs: 0 };

type Setup = { neon: NeonEmulator; api: Api<unknown>; provider: NeonProvider; logs: string[]; prodUri: string };
const emulators: NeonEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((neon) => neon.close()));
});

async function setup(emulatorOptions: Partial<NeonEmulatorOptions> = {}, providerOptions: Partial<NeonProviderOptions> = {}): Promise<Setup> {
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
const branchByName = async (s: Setup, name: string) =>
  (await s.api.listProjectBranches({ projectId: s.neon.projectId })).data.branches.find((branch) => branch.name === name);

async function rejection(promise: Promise<unknown>): Promise<DbshipError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbshipError);
  return error as DbshipError;
}

describe("neon provider: a restore that gives production a new branch id (restoreIdentity swap)", () => {
  it("finds production by name, keeps its connection string, and reports the id change as information", async () => {
    const s = await setup({ restoreIdentity: "swap" });
    const snapshot = await s.provider.createSnapshot("pre-migration-swap");
    await query(s.prodUri, `INSERT INTO "Moment" (title) VALUES ('bad')`);
    const oldId = s.neon.defaultBranchId;

    const result = await s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-swap");
    const prod = await branchByName(s, "production");
    expect(prod!.id).not.toBe(oldId);
    // The backup is the old id, holding the pre-restore data.
    expect(result.backupId).toBe(oldId);
    expect(await titles(s.neon.branchDatabaseUrl(result.backupId))).toEqual(["one", "two", "bad"]);
    // Production: same connection string, the snapshot's data.
    expect(await s.provider.productionConnectionString()).toBe(s.prodUri);
    expect(await titles(s.prodUri)).toEqual(["one", "two"]);
    expect(s.logs.join("\n")).toMatch(new RegExp(`production \\(production\\) is now branch ${prod!.id}; ${oldId} is the backup dbship-backup-swap`));
    // The provider now works on the new id: the backup is listed as any other branch, production is not.
    expect((await s.provider.findSnapshot("production"))).toBeUndefined();
    expect((await s.provider.findSnapshot(oldId))?.name).toBe("dbship-backup-swap");
  });

  it("says what to update when the config pins production's old id", async () => {
    const neonOptions = { restoreIdentity: "swap" as const };
    const s = await setup(neonOptions);
    const pinned = createNeonProvider({
      apiKey: s.neon.apiKey,
      apiHost: s.neon.baseURL,
      projectId: s.neon.projectId,
      productionBranch: s.neon.defaultBranchId,
      snapshotPrefix: "pre-migration-",
      log: (line) => s.logs.push(line),
      timeouts: FAST,
    });
    const snapshot = await pinned.createSnapshot("pre-migration-pin");
    await pinned.restore({ snapshot: snapshot.name }, "dbship-backup-pin");
    expect(s.logs.join("\n")).toMatch(/pins neon.productionBranch to the old id: set it to "production"/);
  });
});

describe("neon provider: lineage after a restore is read, never assumed", () => {
  it.each(["source-parent", "backup-parent", "roots"] as const)("%s: snapshots list children as Neon reports them; point in time works when production is a root", async (lineage) => {
    const s = await setup({ restoreLineage: lineage });
    const snapshot = await s.provider.createSnapshot("pre-migration-l");
    await s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-l");
    const prod = await branchByName(s, "production");
    const listed = (await s.provider.listSnapshots()).find((item) => item.name === snapshot.name)!;
    if (prod!.parent_id === snapshot.id) expect(listed.protectedReason).toMatch(/child branches \(production\)/);
    else expect(listed.protectedReason).toBeUndefined();
    expect(s.logs.join("\n")).toMatch(new RegExp(`after the restore: production \\(${prod!.id}\\) is ${prod!.parent_id ? `a child of ${prod!.parent_id}` : "a root branch"}`));

    await s.neon.recordHistory("production").catch(() => undefined);
    const at = new Date();
    if (prod!.parent_id) {
      expect((await rejection(s.provider.restore({ time: at }, "dbship-backup-t"))).code).toBe("PITR_UNSUPPORTED");
    } else {
      await query(s.prodUri, `DELETE FROM "Moment"`);
      await s.provider.restore({ time: at }, "dbship-backup-t");
      expect(await titles(s.prodUri)).toEqual(["one", "two"]);
    }
  });
});

describe("neon provider: a failed operation that Neon retries", () => {
  it("re-reads a failed operation for a bounded time and uses the branch once the retry finished", async () => {
    const s = await setup({ retryFailedOperationsAfterMs: 400 }, { timeouts: { failedGraceMs: 5_000 } });
    s.neon.inject("createProjectBranch", { type: "fail-operation", action: "create_branch" });
    const snapshot = await s.provider.createSnapshot("pre-migration-retried");
    expect(await titles(await s.provider.connectionString(snapshot))).toEqual(["one", "two"]);
    expect(s.logs.join("\n")).toMatch(/create_branch ended failed; Neon may retry it, re-reading for up to 5 s/);
    expect(s.logs.join("\n")).toMatch(/retried by Neon and finished/);
  });

  it("a failed operation that stays failed past the grace period is reported, and the half-made branch deleted", async () => {
    const s = await setup({}, { timeouts: { failedGraceMs: 300 } });
    s.neon.inject("createProjectBranch", { type: "fail-operation", action: "start_compute" });
    const error = await rejection(s.provider.createSnapshot("pre-migration-final"));
    expect(error.code).toBe("NEON_OPERATION_FAILED");
    expect(error.hint).toMatch(/was deleted/);
    expect(await branchByName(s, "pre-migration-final")).toBeUndefined();
  });
});

describe("neon provider: waiting on 423", () => {
  it("waits out another operation for the retry budget, not a number of attempts, naming what it waits for", async () => {
    const s = await setup({ lockRetryAfterSeconds: undefined }, { timeouts: { attempts: 3, backoffBaseMs: 100, backoffMaxMs: 400, retryBudgetMs: 15_000 } });
    s.neon.holdOperation(2_500);
    const snapshot = await s.provider.createSnapshot("pre-migration-busy");
    expect(snapshot.name).toBe("pre-migration-busy");
    expect(s.neon.countRequests("createProjectBranch", "POST"), s.logs.join("\n")).toBeGreaterThan(3);
    expect(s.logs.join("\n"), s.logs.join("\n")).toMatch(/the project is busy \(423, waiting for apply_config on br-[a-z0-9-]+ \((scheduling|running)\)\); retry 2 in \d+ ms, 0 s of 15 s waited/);
  });

  it("honours Retry-After on 423 and gives up at the budget with the time it waited", async () => {
    const s = await setup({ lockRetryAfterSeconds: 1 }, { timeouts: { retryBudgetMs: 2_500 } });
    s.neon.holdOperation(10_000);
    const error = await rejection(s.provider.createSnapshot("pre-migration-busy2"));
    expect(error.message).toMatch(/423 .* over [23] s\)/);
    expect(s.logs.join("\n")).toMatch(/retry 2 in 1000 ms \(Retry-After\)/);
    await s.neon.finishOperations();
  });
});

describe("neon provider: refusals before a restore", () => {
  it("refuses (exit 3) to restore production whose restricted_actions include restore, before asking Neon", async () => {
    const s = await setup({ protectedDefaultBranch: true, defaultBranchRestrictedActions: [{ name: "restore", reason: "the branch is protected" }] });
    const snapshot = await s.provider.createSnapshot("pre-migration-p");
    const error = await rejection(s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-p"));
    expect(error.code).toBe("NEON_RESTORE_RESTRICTED");
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/does not allow restoring production: the branch is protected; nothing was changed/);
    expect(s.neon.countRequests("restoreProjectBranch")).toBe(0);
  });

  it("refuses a point-in-time restore that would need a root branch over the plan's allowance (Free: 3)", async () => {
    const s = await setup({ rootBranchLimit: 3, plan: "free_v3" });
    for (const n of [1, 2]) {
      const at = await s.neon.recordHistory("production");
      await s.provider.restore({ time: at }, `dbship-backup-root-${n}`);
    }
    const at = await s.neon.recordHistory("production");
    const error = await rejection(s.provider.restore({ time: at }, "dbship-backup-root-3"));
    expect(error.code).toBe("NEON_ROOT_BRANCH_LIMIT");
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/3 of the 3 root branches/);
    expect(error.hint).toMatch(/3 \(Free\), 5 \(Launch\) or 25 \(Scale\)/);
    expect(s.neon.countRequests("restoreProjectBranch")).toBe(2);
  });

  it("maps Neon's ROOT_BRANCHES_LIMIT_EXCEEDED on a restore from a snapshot to a clear refusal", async () => {
    const s = await setup({ rootBranchLimit: 1, plan: "UNKNOWN", restoreLineage: "roots" });
    const snapshot = await s.provider.createSnapshot("pre-migration-r");
    const error = await rejection(s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-r"));
    expect(error.code).toBe("NEON_ROOT_BRANCH_LIMIT");
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/root-branch limit is reached .*nothing was changed/);
    expect(await titles(s.prodUri)).toEqual(["one", "two"]);
  });

  it("refuses a restore whose backup branch would not fit the plan's branch limit", async () => {
    const s = await setup({ branchLimit: 2 });
    const snapshot = await s.provider.createSnapshot("pre-migration-full");
    const error = await rejection(s.provider.restore({ snapshot: snapshot.name }, "dbship-backup-full"));
    expect(error.code).toBe("SNAPSHOT_LIMIT");
    expect(error.hint).toMatch(/dbship snapshot prune/);
    expect(s.neon.countRequests("restoreProjectBranch")).toBe(0);
  });
});

describe("neon provider: one throwaway branch per deploy", () => {
  it("the check's branch is released, taken over by the rehearsal, and deleted once", async () => {
    const s = await setup();
    const check = await s.provider.createScratch(undefined, "check");
    await check.drop();
    const rehearsal = await s.provider.createScratch(undefined, "rehearsal");
    expect(rehearsal.id).toBe(check.id);
    expect(await titles(rehearsal.connectionString)).toEqual(["one", "two"]);
    await rehearsal.drop();
    await s.provider.close();
    expect(s.neon.countRequests("createProjectBranch", "POST")).toBe(1);
    expect(s.neon.countRequests("deleteProjectBranch", "DELETE")).toBe(1);
    expect(await branchByName(s, check.name)).toBeUndefined();
  });

  it("a check's branch no rehearsal took is deleted on close (dry run)", async () => {
    const s = await setup();
    const check = await s.provider.createScratch(undefined, "check");
    await check.drop();
    expect(await branchByName(s, check.name)).toBeDefined();
    await s.provider.close();
    expect(await branchByName(s, check.name)).toBeUndefined();
  });

  it("checkAllowance refuses when the deploy's peak (throwaway + snapshot) exceeds the plan's branch limit", async () => {
    const s = await setup({ branchLimit: 3 });
    await s.provider.checkAllowance!({ branches: 2 });
    await s.provider.createSnapshot("pre-migration-one");
    const fresh = createNeonProvider({ apiKey: s.neon.apiKey, apiHost: s.neon.baseURL, projectId: s.neon.projectId, productionBranch: "production", snapshotPrefix: "pre-migration-", timeouts: FAST });
    const error = await rejection(fresh.checkAllowance!({ branches: 2 }));
    expect(error.code).toBe("SNAPSHOT_LIMIT");
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/needs 2 more Neon branch\(es\) .* has 2 of the 3/);
    expect(error.hint).toMatch(/dbship snapshot prune/);
    await fresh.checkAllowance!({ branches: 1 });
  });
});
