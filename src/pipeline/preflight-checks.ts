// The checks preflight runs on the pending migrations once the history is known to be sound:
// lint on the real PostgreSQL parser and the schema.prisma ↔ migrations comparison. Each may
// refuse the deploy (exit 3) before anything has changed.
import type { ProductionStatus } from "../migrations/production-status.js";
import { applyAcknowledgements, describeAcknowledgement } from "../schema-sync/acknowledge.js";
import { checkSchemaSync, outOfSyncError } from "../schema-sync/check-schema-sync.js";
import { scratchServerFor } from "../schema-sync/scratch-server.js";
import { blockingFindings, lintAllows, lintError, lintPending } from "../lint/lint-check.js";
import type { DeployContext } from "./types.js";

/** Lint of the pending SQL; unacknowledged errors refuse the deploy unless --allow-destructive. */
export async function lintPendingMigrations(ctx: DeployContext, production: ProductionStatus): Promise<void> {
  const pending = ctx.state.local.filter((migration) => production.status.pending.includes(migration.name));
  const allow = await lintAllows(ctx.options.allow ?? [], ctx.config);
  const lint = await lintPending({
    databaseUrl: ctx.databaseUrl,
    prisma: ctx.prisma,
    engine: ctx.connections.facts.engine,
    production,
    pending,
    allow,
    smallTable: ctx.config.lint.smallTable,
  });
  ctx.state.lint = { errors: lint.errors, warnings: lint.warnings, acknowledged: lint.acknowledged, findings: lint.findings };
  const blocking = blockingFindings(lint, ctx.options.allowDestructive);
  if (blocking.length) throw await lintError(blocking);
  // Acknowledged findings are in the report (--json) and counted below, not repeated as warnings.
  const { formatFinding } = await import("../lint/index.js");
  for (const finding of lint.findings.filter((f) => !blocking.includes(f) && !f.acknowledged)) ctx.state.warnings.push(formatFinding(finding));
  ctx.progress.info(`  lint: ${lint.statements} statement(s), ${lint.errors} error(s), ${lint.warnings} warning(s), ${lint.acknowledged} acknowledged`);
}

/**
 * schema.prisma against the migrations. It runs even when nothing is pending: a schema edit
 * committed without its migration leaves nothing pending, and that is the deploy that breaks
 * the application.
 */
export async function checkSchemaAgainstMigrations(ctx: DeployContext): Promise<void> {
  // neon: refuse before the first branch if this deploy's (one throwaway, one snapshot) cannot fit.
  // --measure needs one more throwaway copy.
  await ctx.provider.checkAllowance?.({ branches: ctx.options.dryRun ? 1 : ctx.options.measure ? 3 : 2 });
  const server = await scratchServerFor(ctx.provider);
  ctx.progress.info(`  schema check: replaying ${ctx.state.local.length} migration(s) and schema.prisma on ${server.label}…`);
  try {
    const sync = await checkSchemaSync({ ...ctx, local: ctx.state.local, server, productionUrl: ctx.databaseUrl });
    const { differences, acknowledged, unmatched } = applyAcknowledgements(sync.differences, ctx.config.schemaCheck.acknowledge);
    const inSync = differences.length === 0;
    ctx.state.schemaCheck = { inSync, differences, acknowledged, unmatchedAcknowledgements: unmatched, notCompared: sync.notCompared.map((o) => `${o.kind} ${o.name}`) };
    for (const difference of acknowledged) ctx.progress.info(`  schema check: acknowledged: ${difference.message} (${difference.reason})`);
    for (const acknowledgement of unmatched) ctx.state.warnings.push(`schemaCheck.acknowledge matches no difference: ${describeAcknowledgement(acknowledgement)}`);
    if (!inSync) throw outOfSyncError({ ...sync, inSync, differences });
    ctx.progress.info("  schema check: schema.prisma and the migrations agree");
  } finally {
    await server.close();
  }
}
