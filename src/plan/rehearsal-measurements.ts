// `dbship deploy --measure`: plan's measurements in the deploy's rehearsal step. The statements
// are measured on a copy of the snapshot of their own, before Prisma's rehearsal on the usual
// copy, so the rehearsal itself stays exactly what it was (Prisma on production's rows). The
// price is the data work done twice, which is why it is a flag (README.md here).
import { projectExecutionMode } from "../prisma/engine-mode.js";
import type { DeployContext } from "../pipeline/types.js";
import { assessMigrations, DEFAULT_THRESHOLD_MS, type RehearsalMeasurements } from "./assess.js";
import { measureMigrations } from "./measure-statements.js";


export async function measureRehearsal(ctx: DeployContext): Promise<RehearsalMeasurements> {
  const pendingNames = ctx.state.before?.pending ?? [];
  const pending = ctx.state.local.filter((m) => pendingNames.includes(m.name));
  const copy = await ctx.provider.createScratch(ctx.state.snapshot, "rehearsal");
  ctx.cleanups.push({ label: `drop the measured copy ${copy.name}`, run: () => copy.drop() });
  ctx.progress.info(`  measuring ${pending.length} migration(s) statement by statement on ${copy.name}…`);
  const measured = await measureMigrations(copy.connectionString, pending, {
    executionMode: projectExecutionMode(ctx.prisma, ctx.connections.facts.engine),
    signal: ctx.signal,
  });
  await copy.drop();
  const findings = ctx.state.lint?.findings ?? [];
  return { thresholdMs: DEFAULT_THRESHOLD_MS, migrations: assessMigrations(pendingNames, measured, findings, DEFAULT_THRESHOLD_MS) };
}
