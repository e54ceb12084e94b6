// `dbship deploy`: preflight → snapshot → rehearsal → deploy → post-verify, and the report.
import type { ConfigFlags } from "../config.js";
import { openPrisma } from "../prisma-target/open-prisma.js";
import { openTarget } from "../providers/open-target.js";
import type { Progress } from "../ui/progress.js";
import { describeProductionChanges } from "./production-changes.js";
import { emptyMigrations, errorSummary, type Report } from "./report.js";
import { rollbackAdvice, type InvocationFlags } from "./rollback-advice.js";
import { runSteps } from "./run-steps.js";
import { deploy } from "./steps/deploy.js";
import { postVerify } from "./steps/post-verify.js";
import { preflight } from "./steps/preflight.js";
import { rehearsal } from "./steps/rehearsal.js";
import { snapshot } from "./steps/snapshot.js";
import type { DeployContext, DeployOptions, Step } from "./types.js";

export const DEPLOY_STEPS: Step[] = [preflight, snapshot, rehearsal, deploy, postVerify];

export type RunDeployOptions = ConfigFlags &
  Partial<DeployOptions> & {
    progress: Progress;
    signal: AbortSignal;
    invocation?: InvocationFlags;
    /** Asks the person at the terminal; absent in CI and with --yes. */
    confirm?: ((question: string) => Promise<boolean>) | undefined;
  };

export async function runDeploy(options: RunDeployOptions): Promise<Report> {
  const target = await openTarget(options, {
    terminateConnections: options.terminateConnections,
    log: (line) => options.progress.info(line),
  });
  const { databaseUrl, provider } = target;
  const { config, prisma, connections } = await openPrisma(target.config, { productionUrl: databaseUrl, tripwire: true }).catch(async (error: unknown) => {
    await provider.close();
    throw error;
  });
  const deployOptions: DeployOptions = {
    rehearsal: options.rehearsal ?? config.rehearsal,
    dryRun: options.dryRun ?? false,
    terminateConnections: options.terminateConnections ?? false,
    allowDestructive: options.allowDestructive ?? false,
    verbose: options.verbose ?? false,
    allow: options.allow ?? [],
    measure: options.measure ?? false,
  };
  const ctx: DeployContext = {
    config,
    options: deployOptions,
    databaseUrl,
    prisma,
    connections,
    provider,
    progress: options.progress,
    signal: options.signal,
    confirm: options.confirm,
    cleanups: [{ label: "close the provider", run: () => provider.close() }],
    state: { local: [], upToDate: false, warnings: [] },
  };
  const result = await runSteps(DEPLOY_STEPS, ctx);
  const rollback = result.error ? rollbackAdvice(ctx, result.error, result.failedStep, options.invocation ?? {}) : null;
  if (rollback) {
    const changes = await describeProductionChanges(ctx).catch((error: Error) => [`could not compare production with the snapshot: ${error.message}`]);
    if (changes) ctx.state.productionChanges = changes;
  }
  const before = ctx.state.before;
  const after = ctx.state.after ?? before;
  const migrations = emptyMigrations();
  if (after) {
    migrations.applied = (before?.pending ?? []).filter((name) => after.applied.includes(name));
    migrations.pending = after.pending;
    migrations.failed = after.failed;
    migrations.modified = after.modified;
    migrations.missing = after.missing;
  }
  const exitCode = result.error ? result.error.exitCode : 0;
  return {
    command: "deploy",
    ok: !result.error,
    exitCode,
    steps: result.steps,
    migrations,
    snapshot: ctx.state.snapshot
      ? { name: ctx.state.snapshot.name, id: ctx.state.snapshot.id, createdAt: ctx.state.snapshot.createdAt, connectionString: ctx.state.snapshot.connectionString }
      : null,
    rollback,
    error: errorSummary(result.error),
    warnings: ctx.state.warnings,
    ...(deployOptions.dryRun ? { dryRun: true } : {}),
    ...present({ lint: ctx.state.lint, schemaCheck: ctx.state.schemaCheck, rehearsalFailure: ctx.state.rehearsalFailure, productionChanges: ctx.state.productionChanges, measurements: ctx.state.measurements }),
  };
}

/** The facts a run found, without the keys of those it never reached (the --json document has no nulls for them). */
function present<T extends Record<string, unknown>>(facts: T): Partial<T> {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined)) as Partial<T>;
}
