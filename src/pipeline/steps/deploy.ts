// Step 4, the point of no return: `prisma migrate deploy` against production. From here on a
// failure prints rollback instructions, because production may be partly migrated.
import { DbshipError } from "../../errors.js";
import { applyMigrations } from "../../migrations/apply-migrations.js";
import type { Step } from "../types.js";

export const deploy: Step = {
  name: "deploy",
  title: "Deploy to production",
  during: "deploy",
  dryRun: (ctx) => `would apply ${(ctx.state.before?.pending ?? []).join(", ")}`,
  changesProduction: true,
  async run(ctx) {
    const pending = ctx.state.before?.pending ?? [];
    const result = await applyMigrations(ctx, { kind: "production", url: ctx.databaseUrl }, ctx.state.local, { timeoutMs: ctx.config.deployTimeoutMs });
    ctx.state.after = result.status;
    ctx.state.deployRun = result.run;
    if (result.run.timedOut) {
      throw new DbshipError("DEPLOY_TIMEOUT", `prisma migrate deploy did not finish within ${ctx.config.deployTimeoutMs / 1000} s and was stopped`, {
        hint: "A migration may be waiting on a lock held by a long transaction. Production may be partly migrated: see the rollback instructions. Raise deployTimeoutSeconds in dbship.config.json if the migration is legitimately slow.",
      });
    }
    if (result.run.interrupted) {
      throw new DbshipError("DEPLOY_INTERRUPTED", "interrupted while prisma migrate deploy was running on production", {
        hint: "Prisma's processes were stopped. Production may be partly migrated: see the rollback instructions.",
      });
    }
    if (result.failure) {
      throw new DbshipError("DEPLOY_FAILED", `migration ${result.failure.migration} failed on production: ${result.failure.error}`, {
        hint: "Production may be partly migrated: see the rollback instructions.",
        details: { migration: result.failure.migration, databaseError: result.failure.error },
      });
    }
    if (result.run.exitCode !== 0) {
      throw new DbshipError("DEPLOY_FAILED", `prisma migrate deploy failed on production: ${result.prismaError}`, {
        hint: "Run with --verbose to see Prisma's output. Production may be partly migrated: see the rollback instructions.",
      });
    }
    const applied = pending.filter((name) => result.status.applied.includes(name));
    return { status: "ok", detail: `applied ${applied.length}: ${applied.join(", ")}` };
  },
};
