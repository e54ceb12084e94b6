// The checks preflight runs on the pending migrations once the history is known to be sound:
// lint on the real PostgreSQL parser and the schema.prisma ↔ migrations comparison. Each may
// refuse the deploy (exit 3) before anything has changed.
import { formatFinding } from "../lint/index.js";
import type { ProductionStatus } from "../migrations/production-status.js";
import { checkSchemaSync, outOfSyncError } from "../schema-sync/check-schema-sync.js";
import { scratchServerFor } from "../schema-sync/scratch-server.js";
import { blockingFindings, lintError, lintPending } from "./lint-check.js";
import type { DeployContext } from "./types.js";

export async function runPreflightChecks(ctx: DeployContext, production: ProductionStatus): Promise<void> {
  const pending = ctx.state.local.filter((migration) => production.status.pending.includes(migration.name));
  const lint = await lintPending({ databaseUrl: ctx.databaseUrl, root: ctx.config.root, prisma: ctx.prisma, production, pending });
  ctx.state.extra.lint = { errors: lint.errors, warnings: lint.warnings, acknowledged: lint.acknowledged, findings: lint.findings };
  const blocking = blockingFindings(lint, ctx.options.allowDestructive);
  if (blocking.length) throw lintError(blocking);
  for (const finding of lint.findings.filter((f) => !blocking.includes(f))) ctx.state.warnings.push(formatFinding(finding));

  const server = await scratchServerFor(ctx.config, ctx.databaseUrl, ctx.provider);
  try {
    const sync = await checkSchemaSync({ ...ctx, local: ctx.state.local, server });
    ctx.state.extra.schemaCheck = { inSync: sync.inSync, differences: sync.differences, notCompared: sync.notCompared.map((o) => `${o.kind} ${o.name}`) };
    if (!sync.inSync) throw outOfSyncError(sync);
  } finally {
    await server.close();
  }
}
