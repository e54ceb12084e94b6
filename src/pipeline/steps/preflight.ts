// Step 1. Takes the deploy lock first, then reads production and the migrations folder and
// refuses anything unsafe. Nothing is changed before this step has passed.
import path from "node:path";
import { DbshipError } from "../../errors.js";
import { databaseName } from "../../infra/pg.js";
import { settleAll } from "../../infra/settle-all.js";
import { refuseUnsafeHistory } from "../../migrations/history-checks.js";
import { describeRunning } from "../../migrations/running-migrations.js";
import { housekeep } from "../../snapshots/server-notices.js";
import { readProductionStatus } from "../../migrations/production-status.js";
import { refuseUnsafeVerifyScripts } from "../../verify/verify-scripts.js";
import { acquireDeployLock } from "../../migrations/deploy-lock.js";
import { checkSchemaAgainstMigrations, lintPendingMigrations } from "../preflight-checks.js";
import type { Step } from "../types.js";

/**
 * Leftovers of interrupted runs on production's server are dropped (we hold the lock, so no run
 * of ours is making them); an interrupted rollback must be finished or given up first.
 */
async function refuseDuringInterruptedRun(ctx: Parameters<Step["run"]>[0]): Promise<void> {
  const found = await housekeep(ctx.provider, !ctx.options.dryRun);
  if (!found) return;
  // A missing production is reported by the next read (exit 2), with these notices printed.
  const pending = found.notices.filter((notice) => notice.kind === "interrupted-rollback");
  for (const notice of found.notices.filter((n) => !pending.includes(n) && n.kind !== "restored")) ctx.state.warnings.push(notice.message);
  if (pending.length) {
    throw new DbshipError("ROLLBACK_PENDING", pending.map((notice) => notice.message).join("; "), { hint: pending.map((notice) => notice.hint).filter(Boolean).join("\n") });
  }
}

export const preflight: Step = {
  name: "preflight",
  title: "Preflight",
  during: "preflight",
  async run(ctx) {
    const { config } = ctx;
    const lock = await acquireDeployLock(ctx.provider.deployLockUrl(ctx.databaseUrl), databaseName(ctx.databaseUrl), "deploy");
    ctx.cleanups.push({ label: "release the deploy lock", run: () => lock.release() });
    await refuseDuringInterruptedRun(ctx);

    const production = await readProductionStatus(ctx.databaseUrl, config.migrationsDir);
    ctx.state.local = production.local;
    ctx.state.before = production.status;
    if (!production.ledger.exists) {
      throw new DbshipError("NO_MIGRATIONS_TABLE", `production (${production.target}) has no _prisma_migrations table: it is not managed by Prisma Migrate yet`, {
        hint: "If it was built with `prisma db push`, run `dbship baseline` once to record its current schema as the first migration. If it is a new, empty database, create it with `prisma migrate deploy` once, then use dbship.",
      });
    }
    if (production.running.length) {
      const names = production.status.running ?? [];
      throw new DbshipError("MIGRATION_RUNNING", `${names.length ? `${names.join(", ")} is being applied right now` : "prisma migrate deploy is running on production right now"}: ${describeRunning(production.running)}`, {
        hint: "A Prisma started by an earlier dbship run (stopped or killed) is still working. Wait for it to finish, then run `dbship status`. Do not mark it applied or rolled back by hand while it runs: that could apply it twice. dbship never terminates a migration half way, with --terminate-connections either.",
        details: { running: production.running },
      });
    }
    refuseUnsafeHistory(production.status, {
      root: config.root,
      schemaPath: config.schemaPath,
      relativeMigrationsDir: path.relative(config.root, config.migrationsDir) || ".",
    });
    const { pending, applied } = production.status;
    // The pending migrations' verify.sql run on production after the deploy: one that could
    // write is refused now, before anything changes.
    await refuseUnsafeVerifyScripts(
      ctx.databaseUrl,
      production.local.filter((m) => pending.includes(m.name)),
      path.relative(config.root, config.migrationsDir) || ".",
    );
    for (const entry of production.status.entries.filter((e) => e.outOfOrder)) {
      ctx.state.warnings.push(`${entry.name} sorts before migrations production already has: Prisma will apply it out of order`);
    }
    // Lint runs alongside the schema check, which mostly waits on Prisma's processes: the
    // linter's start (libpg-query's WebAssembly, ~60 ms) then adds no wall time. A lint refusal
    // is reported first, once the check has cleaned up its scratch databases.
    await settleAll([pending.length > 0 ? lintPendingMigrations(ctx, production) : undefined, checkSchemaAgainstMigrations(ctx)]);
    if (pending.length === 0) {
      ctx.state.upToDate = true;
      return { status: "ok", detail: `up to date: ${applied.length} migration(s) applied, nothing pending` };
    }
    if (ctx.confirm && !ctx.options.dryRun) {
      const yes = await ctx.confirm(`Apply ${pending.length} migration(s) to ${production.target}: ${pending.join(", ")}?`);
      if (!yes) throw new DbshipError("CONFIRMATION_REQUIRED", "deploy not confirmed", { hint: "Nothing was changed. Pass --yes to skip the question." });
    }
    return { status: "ok", detail: `${pending.length} pending: ${pending.join(", ")}` };
  },
};
