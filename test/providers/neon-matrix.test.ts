// dbship with the neon provider, end to end (the built CLI, the emulator's HTTP API, real
// databases), under each combination of the answers Neon's sources leave open that changes what
// dbship must do: does a restore keep production's branch id, and what is the lineage afterwards
// (docs/neon.md). The scenario code is the one `npm run test:neon-live` runs against Neon itself.
import { afterEach, describe, expect, it } from "vitest";
import { createNeonProduction, type NeonProduction } from "../support/neon-production.js";
import { deployRollbackPruneRestore, LONG_TITLE } from "../support/neon-scenarios.js";
import type { NeonEmulatorOptions } from "../support/neon-emulator/index.js";

let prod: NeonProduction | undefined;
afterEach(async () => {
  await prod?.cleanup();
  prod = undefined;
});

const VARIANTS: Array<[string, Partial<NeonEmulatorOptions>]> = [
  // The emulator's earlier model: same id, production a child of the snapshot.
  ["id kept, production a child of the snapshot", { restoreIdentity: "keep", restoreLineage: "source-parent" }],
  // The restore endpoint's "creates a new branch" with the branch-restore page's separate roots.
  ["ids swapped, separate root branches", { restoreIdentity: "swap", restoreLineage: "roots" }],
  // Older branch-restore pages: the backup becomes production's parent.
  ["ids swapped, production a child of the backup", { restoreIdentity: "swap", restoreLineage: "backup-parent" }],
];

describe.each(VARIANTS.map(([label, variant], index) => [label, variant, index === 0] as const))("neon end to end: %s", (_label, variant, first) => {
  it("deploy stopped by the rehearsal, failed deploy, its rollback, deploy, prune, point-in-time restore", async () => {
    prod = await createNeonProduction({ titles: ["ok", LONG_TITLE], emulator: variant });
    const answers = new Map<string, string>();
    const target = prod;
    await deployRollbackPruneRestore(
      { url: target.url, prefix: target.prefix, dbship: target.dbship, branches: target.branches, markHistory: () => target.neon.recordHistory("production") },
      (question, answer) => answers.set(question, answer),
      { rehearsalStop: first },
    );
    // The emulator answered as switched: the scenario saw it, and dbship coped.
    expect(answers.get("restore: production keeps its branch id")).toMatch(variant.restoreIdentity === "swap" ? /^no/ : /^yes/);
    // One throwaway branch per deploy, shared by the schema check and the rehearsal: each deploy
    // (stopped by the rehearsal, failed, succeeded) made one of them and one snapshot.
    const created = target.neon.requests.filter((entry) => entry.route === "createProjectBranch" && entry.method === "POST" && entry.status === 201);
    expect(created.length).toBe(first ? 6 : 4);
    const parent = answers.get("restore from a snapshot: production's parent");
    expect(parent).toBe({ "source-parent": "the snapshot", roots: "none (a root branch)", "backup-parent": "the other side of the restore" }[variant.restoreLineage!]);
  });
});

describe("neon end to end: operations and allowances", () => {
  // Both run a dry run: its one throwaway branch meets the fault, and it is the quickest deploy.
  it("a branch operation that fails and is retried by Neon: the deploy waits and goes through", async () => {
    prod = await createNeonProduction({ emulator: { retryFailedOperationsAfterMs: 600 } });
    prod.neon.inject("createProjectBranch", { type: "fail-operation", action: "create_branch" }, { times: 1 });
    const result = await prod.dbship(["deploy", "--dry-run", "--json"], { DBSHIP_NEON_TIMEOUTS: JSON.stringify({ failedGraceMs: 10_000 }) });
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stderr).toMatch(/Neon may retry it/);
    expect(prod.neon.pendingFaults()).toBe(0);
    expect(await prod.branchNames()).toEqual(["production"]);
  });

  it("another operation holds the project (423) longer than the attempts allow: the deploy waits, saying for what", async () => {
    prod = await createNeonProduction();
    // Someone else's operation starts as dbship makes its first branch, and outlasts 2 attempts.
    prod.neon.inject("createProjectBranch", { type: "hold", ms: 4_000 }, { times: 1 });
    const result = await prod.dbship(["deploy", "--dry-run", "--json"], { DBSHIP_NEON_TIMEOUTS: JSON.stringify({ failedGraceMs: 500, attempts: 2, backoffBaseMs: 200, backoffMaxMs: 800 }) });
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(prod.neon.pendingFaults()).toBe(0);
    expect(result.stderr).toMatch(/the project is busy \(423, waiting for apply_config on br-/);
  });

  it("refuses (exit 3) a rollback of production whose restricted_actions include restore; production untouched", async () => {
    prod = await createNeonProduction({
      titles: ["ok", LONG_TITLE],
      emulator: { protectedDefaultBranch: true, defaultBranchRestrictedActions: [{ name: "restore", reason: "protected branch" }] },
    });
    const snapshot = await prod.dbship(["snapshot", "create", "--json"]);
    expect(snapshot.exitCode, snapshot.stderr + snapshot.stdout).toBe(0);
    const before = await prod.moments();
    const result = await prod.dbship(["rollback", "--to", snapshot.json.snapshot?.name ?? snapshot.json.name, "--yes", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    expect(result.json.error.code).toBe("NEON_RESTORE_RESTRICTED");
    expect(result.json.error.message).toMatch(/protected branch; nothing was changed/);
    expect(prod.neon.countRequests("restoreProjectBranch")).toBe(0);
    expect(await prod.moments()).toEqual(before);
  });

  it("Neon's ROOT_BRANCHES_LIMIT_EXCEEDED during a rollback is a clear refusal (exit 3), production untouched", async () => {
    prod = await createNeonProduction({ emulator: { restoreLineage: "roots", rootBranchLimit: 1, plan: "UNKNOWN" } });
    const snapshot = await prod.dbship(["snapshot", "create", "--json"]);
    const before = await prod.moments();
    const result = await prod.dbship(["rollback", "--to", snapshot.json.snapshot?.name ?? snapshot.json.name, "--yes", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    expect(result.json.error.code).toBe("NEON_ROOT_BRANCH_LIMIT");
    expect(result.json.error.hint).toMatch(/3 \(Free\), 5 \(Launch\) or 25 \(Scale\) root branches/);
    expect(await prod.moments()).toEqual(before);
  });

  it("refuses (exit 3) a deploy whose branches (throwaway + snapshot) exceed the plan's limit, before making any", async () => {
    prod = await createNeonProduction({ emulator: { branchLimit: 3 } });
    const snapshot = await prod.dbship(["snapshot", "create", "--json"]);
    expect(snapshot.exitCode).toBe(0);
    const created = prod.neon.countRequests("createProjectBranch", "POST");
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    expect(result.json.error.code).toBe("SNAPSHOT_LIMIT");
    expect(result.json.error.hint).toMatch(/dbship snapshot prune/);
    expect(prod.neon.countRequests("createProjectBranch", "POST")).toBe(created);
    // A dry run needs one branch only, and fits.
    const dry = await prod.dbship(["deploy", "--dry-run", "--json"]);
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect((await prod.branchNames()).filter((name) => name.startsWith("dbship-"))).toEqual([]);
  });
});
