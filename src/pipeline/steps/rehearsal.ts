// Step 3. Applies the pending migrations to a throwaway copy of production first. If they fail
// there, production is never touched.
import { DbshipError } from "../../errors.js";
import { readSchemaAt } from "../../verify/schema-model.js";
import { schemaFingerprint } from "../../verify/fingerprint.js";
import { runVerifyScripts } from "../../verify/verify-scripts.js";
import { applyMigrations } from "../../migrations/apply-migrations.js";
import { explainRehearsalFailure } from "../explain-failure.js";
import type { Step } from "../types.js";

export const rehearsal: Step = {
  name: "rehearsal",
  title: "Rehearsal on a copy of production",
  during: "the rehearsal",
  dryRun: (ctx) => (ctx.options.rehearsal ? `would apply ${ctx.state.before?.pending.length ?? 0} migration(s) to a throwaway copy first` : "off (--no-rehearsal)"),
  async run(ctx) {
    if (!ctx.options.rehearsal) return { status: "skipped", detail: "off (--no-rehearsal)" };
    // --measure: plan's per-statement measurements, on a copy of their own (src/plan/).
    if (ctx.options.measure) {
      const { measureRehearsal } = await import("../../plan/rehearsal-measurements.js");
      ctx.state.measurements = await measureRehearsal(ctx);
    }
    const scratch = await ctx.provider.createScratch(ctx.state.snapshot);
    ctx.cleanups.push({ label: `drop the rehearsal copy ${scratch.name}`, run: () => scratch.drop() });
    const pending = ctx.state.before?.pending ?? [];
    const interrupted = () => new DbshipError("DEPLOY_INTERRUPTED", "interrupted during the rehearsal", { hint: "Nothing was changed in production." });
    // Ctrl-C may land in the probe that precedes Prisma's run as well as in the run itself.
    const result = await applyMigrations(ctx, { kind: "scratch", url: scratch.connectionString }, ctx.state.local, { timeoutMs: ctx.config.deployTimeoutMs }).catch((error: unknown) => {
      throw ctx.signal.aborted ? interrupted() : error;
    });
    if (result.run.interrupted) throw interrupted();
    if (result.run.timedOut) {
      throw new DbshipError("REHEARSAL_TIMEOUT", `the rehearsal did not finish within ${ctx.config.deployTimeoutMs / 1000} s and was stopped`, {
        hint: "Production was not touched. On production the same migrations would have been stopped at the same limit. A migration may be slow on production's data, or wait on a lock: raise deployTimeoutSeconds in dbship.config.json if it is legitimately slow.",
      });
    }
    if (result.failure) {
      const explanation = await explainRehearsalFailure(scratch.connectionString, ctx.state.local, result.failure);
      if (explanation) ctx.state.rehearsalFailure = explanation;
      throw new DbshipError(
        "REHEARSAL_FAILED",
        `migration ${result.failure.migration} failed on the rehearsal copy: ${result.failure.error}${explanation ? ` (${explanation.summary})` : ""}`,
        {
          hint: "Production was not touched. Fix the migration, or the production data it trips on, then deploy again.",
          details: { migration: result.failure.migration, databaseError: result.failure.error },
        },
      );
    }
    if (result.run.exitCode !== 0 || result.status.pending.length > 0) {
      throw new DbshipError("REHEARSAL_FAILED", `prisma migrate deploy failed on the rehearsal copy: ${result.prismaError ?? "migrations left pending"}`, {
        hint: "Production was not touched. Run with --verbose to see Prisma's output.",
      });
    }
    ctx.state.rehearsalFingerprint = schemaFingerprint(await readSchemaAt(scratch.connectionString, { applicationName: "dbship rehearsal" }), "full");
    const scripts = await runVerifyScripts(scratch.connectionString, ctx.state.local.filter((m) => pending.includes(m.name)));
    const failedScript = scripts.find((script) => !script.ok);
    if (failedScript) {
      throw new DbshipError("REHEARSAL_FAILED", `verify.sql of ${failedScript.migration} failed on the rehearsal copy: ${failedScript.message}`, {
        hint: "Production was not touched. Fix the migration or its verify.sql, then deploy again.",
      });
    }
    await scratch.drop();
    return { status: "ok", detail: `${pending.length} migration(s) applied to ${scratch.name}, then dropped` };
  },
};
