// Step 5. Checks that production is where the rehearsal said it would be: every migration
// applied with the same checksum, the same schema as the rehearsal copy, every verify.sql
// passing, and Prisma's own status agreeing.
import { DbshipError } from "../../errors.js";
import { connect } from "../../infra/pg.js";
import { migrateStatus } from "../../prisma/commands.js";
import { prismaErrorLine, runPrisma } from "../../prisma/run-prisma.js";
import { schemaFingerprint } from "../../verify/fingerprint.js";
import { readSchemaModel } from "../../verify/schema-model.js";
import { runVerifyScripts } from "../../verify/verify-scripts.js";
import { readStatus } from "../apply-migrations.js";
import type { Step } from "../types.js";

export const postVerify: Step = {
  name: "post-verify",
  title: "Post-verify",
  changesProduction: true,
  async run(ctx) {
    const problems: string[] = [];
    const status = await readStatus(ctx.databaseUrl, ctx.state.local);
    ctx.state.after = status;
    if (status.pending.length) problems.push(`not applied: ${status.pending.join(", ")}`);
    if (status.failed.length) problems.push(`failed: ${status.failed.join(", ")}`);
    if (status.modified.length) problems.push(`checksum differs: ${status.modified.join(", ")}`);
    if (status.missing.length) problems.push(`in production but not on disk: ${status.missing.join(", ")}`);

    const checks = ["ledger"];
    if (ctx.state.rehearsalFingerprint) {
      const client = await connect(ctx.databaseUrl, { applicationName: "dbship verify" });
      try {
        const fingerprint = schemaFingerprint(await readSchemaModel(client), "full");
        if (fingerprint !== ctx.state.rehearsalFingerprint) problems.push("production's schema differs from the rehearsal copy's");
      } finally {
        await client.end().catch(() => undefined);
      }
      checks.push("schema = rehearsal");
    }
    const appliedNow = new Set(ctx.state.before?.pending ?? []);
    const scripts = await runVerifyScripts(ctx.databaseUrl, ctx.state.local.filter((m) => appliedNow.has(m.name)));
    for (const script of scripts.filter((s) => !s.ok)) problems.push(`verify.sql of ${script.migration}: ${script.message}`);
    if (scripts.length) checks.push(`${scripts.length} verify.sql`);

    const prismaStatus = await runPrisma(ctx.prisma, migrateStatus(ctx.config.schemaPath), {
      cwd: ctx.config.root,
      databaseUrlEnv: ctx.config.databaseUrlEnv,
      databaseUrl: ctx.databaseUrl,
      timeoutMs: 120_000,
      signal: ctx.signal,
    });
    ctx.progress.verbose(`$ prisma ${prismaStatus.args.join(" ")} (exit ${prismaStatus.exitCode})\n${prismaStatus.stdout}\n${prismaStatus.stderr}`);
    if (prismaStatus.exitCode !== 0) problems.push(`prisma migrate status exited ${prismaStatus.exitCode}: ${prismaErrorLine(prismaStatus)}`);
    checks.push("prisma migrate status");

    if (problems.length) {
      throw new DbshipError("VERIFY_FAILED", `production does not match what was deployed: ${problems.join("; ")}`, {
        hint: "The migrations ran but production is not in the expected state: see the rollback instructions.",
        details: { problems },
      });
    }
    return { status: "ok", detail: checks.join(", ") };
  },
};
