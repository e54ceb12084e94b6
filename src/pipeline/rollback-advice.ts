// What to print when a step that changes production fails: everything needed to get production
// back without reading any documentation, including the exact command to run.
import { migrateResolveRolledBack, displayCommand, shellQuote } from "../prisma/commands.js";
import type { DbshipError } from "../errors.js";
import type { DeployContext, Step } from "./types.js";

export type RollbackAdvice = {
  /** The step that failed and the database's own error. */
  failedStep: string;
  databaseError: string;
  snapshot: { name: string; id: string; createdAt: string };
  /** The exact command that restores production from the snapshot. */
  command: string;
  /** The snapshot's connection string (masked at render time unless secrets may be shown). */
  connectionString: string;
  /** The alternative to a restore: point the app at the snapshot. */
  alternative: string;
  /** `prisma migrate resolve --rolled-back` lines for migrations left failed in production. */
  resolve: string[];
};

export function rollbackAdvice(ctx: DeployContext, error: DbshipError, failedStep: Step | undefined, invocation: InvocationFlags): RollbackAdvice | null {
  const snapshot = ctx.state.snapshot;
  // A tripwire (production changed under a run meant for a copy) needs the way back as much as a failed deploy.
  const productionMayHaveChanged = failedStep?.changesProduction || error.code === "PRODUCTION_CHANGED";
  if (!failedStep || !productionMayHaveChanged || !snapshot) return null;
  const failed = ctx.state.after?.failed ?? [];
  return {
    failedStep: failedStep.name,
    databaseError: typeof error.details?.databaseError === "string" ? error.details.databaseError : error.message,
    snapshot: { name: snapshot.name, id: snapshot.id, createdAt: snapshot.createdAt },
    command: rollbackCommand(snapshot.name, invocation),
    connectionString: snapshot.connectionString,
    alternative: `point ${ctx.config.databaseUrlEnv} at the snapshot's connection string (the app then runs on the pre-deploy copy; writes made since the snapshot are not in it)`,
    resolve: failed.map((name) => displayCommand(migrateResolveRolledBack(ctx.config.schemaPath, name), ctx.config.root)),
  };
}

/** Flags the user passed that the rollback command must repeat to reach the same production. */
export type InvocationFlags = { config?: string | undefined; provider?: string | undefined };

export function rollbackCommand(snapshotName: string, invocation: InvocationFlags): string {
  const parts = ["dbship", "rollback", "--to", snapshotName];
  if (invocation.config) parts.push("--config", invocation.config);
  if (invocation.provider) parts.push("--provider", invocation.provider);
  return parts.map(shellQuote).join(" ");
}
