// Step 5. Checks that production is where the rehearsal said it would be: every migration
// applied with the same checksum, the same schema as the rehearsal copy, every verify.sql
// passing, and Prisma's own status agreeing.
import { DbshipError } from "../../errors.js";
import { migrateStatus } from "../../prisma/commands.js";
import { prismaErrorLine } from "../../prisma/run-prisma.js";
import { schemaFingerprint } from "../../verify/fingerprint.js";
import { readSchemaAt } from "../../verify/schema-model.js";
import { runVerifyScripts } from "../../verify/verify-scripts.js";
import { readStatus } from "../../migrations/apply-migrations.js";
import type { DeployContext, Step } from "../types.js";

export const postVerify: Step = {
  name: "post-verify",
  title: "Post-verify",
  during: "post-verify",
  changesProduction: true,
  onlyChecks: true,
  dryRun: () => "would verify the ledger and the schema",
  async run(ctx) {
    // Prisma's own status is the slow check (a CLI run): it runs while dbship reads production.
    const prismaStatus = ctx.connections.runOnProduction(migrateStatus(ctx.config.schemaPath), { timeoutMs: 120_000, signal: ctx.signal });
    // Should reading fail, Prisma is still awaited: no CLI run outlives the step.
    const read = await readProblems(ctx).then(
      (problems) => ({ problems, unreadable: undefined }),
      (error: Error) => ({ problems: { list: [] as string[], scripts: 0 }, unreadable: error }),
    );
    const status = await prismaStatus;
    if (ctx.signal.aborted) throw new DbshipError("DEPLOY_INTERRUPTED", "interrupted during post-verify", { hint: "The deploy step had finished; production was not verified. Run `dbship status` to check it." });
    const { problems } = read;
    const checks = ["ledger"];
    if (ctx.state.rehearsalFingerprint) checks.push("schema = rehearsal");
    if (problems.scripts) checks.push(`${problems.scripts} verify.sql`);

    ctx.progress.verbose(`$ prisma ${status.args.join(" ")} (exit ${status.exitCode})\n${status.stdout}\n${status.stderr}`);
    // Prisma that cannot reach the database (P1001 can't reach, P1002 timed out, P1017 closed
    // the connection) or was stopped says nothing about production's state.
    const prismaCould = status.exitCode === 0 || !(status.timedOut || /\bP10(01|02|17)\b|Can't reach database server|Server has closed the connection/i.test(`${status.stdout}\n${status.stderr}`));
    if (status.exitCode !== 0 && prismaCould) problems.list.push(`prisma migrate status exited ${status.exitCode}: ${prismaErrorLine(status)}`);
    checks.push("prisma migrate status");

    if (problems.list.length) {
      throw new DbshipError("VERIFY_FAILED", `production does not match what was deployed: ${problems.list.join("; ")}`, {
        hint: "The migrations ran but production is not in the expected state: see the rollback instructions.",
        details: { problems: problems.list },
      });
    }
    const cannot = read.unreadable ? read.unreadable.message : prismaCould ? undefined : `prisma migrate status: ${prismaErrorLine(status)}`;
    if (cannot) {
      throw new DbshipError("VERIFY_INCOMPLETE", `could not verify production after the deploy: ${cannot}`, {
        hint: "The deploy step had finished; production was not found wrong, it could not be checked. Run `dbship status` once the database answers (and the verify.sql checks by hand); roll back with the instructions below only if they show a problem.",
        cause: read.unreadable,
      });
    }
    return { status: "ok", detail: checks.join(", ") };
  },
};

/** The ledger, the schema against the rehearsal's, and the verify.sql scripts of this deploy. */
async function readProblems(ctx: DeployContext): Promise<{ list: string[]; scripts: number }> {
  const list: string[] = [];
  const status = await readStatus(ctx.databaseUrl, ctx.state.local);
  ctx.state.after = status;
  if (status.pending.length) list.push(`not applied: ${status.pending.join(", ")}`);
  if (status.failed.length) list.push(`failed: ${status.failed.join(", ")}`);
  if (status.modified.length) list.push(`checksum differs: ${status.modified.join(", ")}`);
  if (status.missing.length) list.push(`in production but not on disk: ${status.missing.join(", ")}`);
  if (ctx.state.rehearsalFingerprint) {
    const fingerprint = schemaFingerprint(await readSchemaAt(ctx.databaseUrl), "full");
    if (fingerprint !== ctx.state.rehearsalFingerprint) list.push("production's schema differs from the rehearsal copy's");
  }
  const appliedNow = new Set(ctx.state.before?.pending ?? []);
  const scripts = await runVerifyScripts(ctx.databaseUrl, ctx.state.local.filter((m) => appliedNow.has(m.name)));
  for (const script of scripts.filter((s) => !s.ok)) list.push(`verify.sql of ${script.migration}: ${script.message}`);
  return { list, scripts: scripts.length };
}
