// The Neon scenarios, written once for two targets: the emulator (in `npm test`, under each
// variant of its open questions) and the real Neon API (`npm run test:neon-live`). Each step
// asserts what the user sees (exit status, output, production's rows, ledger and branches) and
// never assumes an answer Neon's sources leave open: it reads it, and records it through
// `observe` (the live suite prints and saves those answers as a table).
import type { Branch } from "@neondatabase/api-client";
import { expect } from "vitest";
import type { CliResult } from "./cli.js";
import { query, withClient } from "./postgres.js";

export type NeonTarget = {
  /** Production's direct connection string (DATABASE_URL). */
  url: string;
  prefix: string;
  dbship(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  branches(): Promise<Branch[]>;
  /** A moment production can be restored to (emulator: a recorded history point). */
  markHistory(): Promise<Date>;
};

export type Observe = (question: string, answer: string) => void;

export const LONG_TITLE = "x".repeat(250);

const rows = (url: string) => query(url, "SELECT id::text, title FROM moments ORDER BY title, id");
const ledger = (url: string) =>
  query(url, "SELECT id, migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at, id");
const named = async (target: NeonTarget, name: string) => (await target.branches()).find((branch) => branch.name === name);

/**
 * Production holds a row the pending migration (0002: title to varchar(200)) cannot take. Runs:
 * a deploy the rehearsal stops, a deploy that fails on production, the rollback its output
 * prints, a deploy that succeeds once the row is fixed, a prune, and a point-in-time restore.
 */
export async function deployRollbackPruneRestore(target: NeonTarget, observe: Observe, options: { rehearsalStop?: boolean } = {}): Promise<void> {
  const before = await rows(target.url);
  const ledgerBefore = await ledger(target.url);
  const productionBefore = (await named(target, "production"))!;

  // 1. The rehearsal catches the failure on the one throwaway branch; production untouched. (It
  //    does not depend on how Neon restores, so the emulator matrix runs it once.)
  if (options.rehearsalStop ?? true) {
    const rehearsed = await target.dbship(["deploy", "--json"]);
    expect(rehearsed.exitCode, rehearsed.stderr + rehearsed.stdout).toBe(1);
    expect(rehearsed.json.error.code).toBe("REHEARSAL_FAILED");
    expect(await ledger(target.url)).toEqual(ledgerBefore);
    expect((await target.branches()).filter((branch) => branch.name.startsWith("dbship-"))).toEqual([]);
  }

  // 2. Without the rehearsal the migration fails on production; the output says how to roll back.
  const failed = await target.dbship(["deploy", "--no-rehearsal", "--allow-destructive", "--show-secrets"]);
  expect(failed.exitCode, failed.stderr + failed.stdout).toBe(1);
  const command = /restore:\s+(dbship rollback .+)$/m.exec(failed.stdout)?.[1]?.trim();
  expect(command, failed.stdout).toBeDefined();

  // 3. The printed rollback: production (same URL) has its rows and ledger back.
  const [, ...args] = command!.split(/\s+/);
  const rollback = await target.dbship([...args, "--yes", "--json"]);
  expect(rollback.exitCode, rollback.stdout + rollback.stderr).toBe(0);
  expect(rollback.json.verified).toEqual({ ledger: true, schema: true });
  expect(await rows(target.url)).toEqual(before);
  expect(await ledger(target.url)).toEqual(ledgerBefore);
  const productionAfter = (await named(target, "production"))!;
  const backup = (await named(target, rollback.json.backup.name))!;
  expect(backup.id).toBe(rollback.json.backup.id);
  observe("restore: production keeps its branch id", productionAfter.id === productionBefore.id ? "yes" : `no (new id; the old id is ${backup.id === productionBefore.id ? "the backup" : "gone"})`);
  if (productionAfter.id !== productionBefore.id) expect(rollback.stderr).toMatch(/production \(production\) is now branch/);
  observe("restore from a snapshot: production's parent", describeParent(productionAfter, rollback.json.snapshot?.id, backup.id));
  observe("restore from a snapshot: the backup's parent", describeParent(backup, rollback.json.snapshot?.id, productionAfter.id));

  // 4. Fixed data: the deploy goes through, leaving production and snapshots, no throwaway branch.
  await query(target.url, "UPDATE moments SET title = 'shortened' WHERE length(title) > 200");
  const deployed = await target.dbship(["deploy", "--json"]);
  expect(deployed.exitCode, deployed.stderr + deployed.stdout).toBe(0);
  expect(deployed.json.migrations.applied).toEqual(["0002_moment_title_length"]);
  expect((await target.branches()).filter((branch) => branch.name.startsWith("dbship-"))).toEqual([]);

  // 5. Prune deletes what Neon can delete; what it keeps has children, as Neon reports them now.
  const pruned = await target.dbship(["snapshot", "prune", "--older-than", "0", "--yes", "--json"]);
  expect(pruned.exitCode, pruned.stderr + pruned.stdout).toBe(0);
  const after = await target.branches();
  for (const name of pruned.json.deleted as string[]) expect(after.find((branch) => branch.name === name)).toBeUndefined();
  for (const kept of pruned.json.kept as Array<{ name: string; reason: string }>) {
    const branch = after.find((candidate) => candidate.name === kept.name)!;
    expect(after.some((child) => child.parent_id === branch.id), `${kept.name}: ${kept.reason}`).toBe(true);
    expect(kept.reason).toMatch(/child/);
  }
  expect(after.filter((branch) => branch.name.startsWith(target.prefix)).length).toBe((pruned.json.kept as unknown[]).length);
  observe("prune after a rollback: snapshots Neon let dbship delete", `${(pruned.json.deleted as string[]).length} deleted, ${(pruned.json.kept as unknown[]).length} kept (children)`);

  // 6. Point in time: possible exactly when production is a root branch now.
  const production = (await named(target, "production"))!;
  observe("after a rollback to a snapshot: production is a root branch", production.parent_id ? "no" : "yes");
  const point = production.parent_id ? new Date(Date.now() - 1_000) : await target.markHistory();
  const good = await rows(target.url);
  await withClient(target.url, (client) => client.query("DELETE FROM moments"));
  const restored = await target.dbship(["rollback", "--to-time", point.toISOString(), "--yes", "--json"]);
  if (production.parent_id) {
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(2);
    expect(restored.json.error.code).toBe("PITR_UNSUPPORTED");
  } else {
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
    expect(await rows(target.url)).toEqual(good);
    const roots = (await target.branches()).filter((branch) => !branch.parent_id).map((branch) => branch.name);
    observe("point-in-time restore: root branches afterwards", roots.sort().join(", "));
  }
}

function describeParent(branch: Branch, snapshotId: string | undefined, otherId: string): string {
  if (!branch.parent_id) return "none (a root branch)";
  if (branch.parent_id === snapshotId) return "the snapshot";
  if (branch.parent_id === otherId) return "the other side of the restore";
  return `another branch (${branch.parent_id})`;
}
