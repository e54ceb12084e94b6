// `dbship plan`: what the pending migrations will do to production, measured on copies of it,
// without changing production. Preflight's read-only checks, lint with production's sizes, the
// schema check, then the measured rehearsal (measure-statements.ts) on one copy and Prisma's own
// `migrate deploy` on a second. See README.md in this folder.
import path from "node:path";
import type { ConfigFlags } from "../config.js";
import { DbshipError, isDbshipError } from "../errors.js";
import { connect, describeTarget, withConnection } from "../infra/pg.js";
import { settleAll } from "../infra/settle-all.js";
import { refuseUnsafeHistory } from "../migrations/history-checks.js";
import { readProductionStatus, type ProductionStatus } from "../migrations/production-status.js";
import { describeRunning } from "../migrations/running-migrations.js";
import { applyMigrations } from "../migrations/apply-migrations.js";
import { blockingFindings, lintAllows, lintPending } from "../lint/lint-check.js";
import { checkSchemaAgainstMigrations } from "../pipeline/preflight-checks.js";
import type { Cleanup, DeployContext } from "../pipeline/types.js";
import { projectExecutionMode } from "../prisma/engine-mode.js";
import { openPrisma } from "../prisma-target/open-prisma.js";
import { openTarget } from "../providers/open-target.js";
import type { Scratch, SnapshotProvider } from "../providers/types.js";
import type { Progress } from "../ui/progress.js";
import { readSchemaModel } from "../verify/schema-model.js";
import { schemaFingerprint } from "../verify/fingerprint.js";
import { refuseUnsafeVerifyScripts, runVerifyScripts } from "../verify/verify-scripts.js";
import { assessMigrations, DEFAULT_THRESHOLD_MS } from "./assess.js";
import { measureMigrations } from "./measure-statements.js";
import type { PlanReport } from "./plan-report.js";

export type RunPlanOptions = ConfigFlags & {
  progress: Progress;
  signal: AbortSignal;
  thresholdMs?: number;
  terminateConnections?: boolean;
  allow?: string[];
};

export async function runPlan(options: RunPlanOptions): Promise<PlanReport> {
  const thresholdMs = options.thresholdMs ?? DEFAULT_THRESHOLD_MS;
  const target = await openTarget(options, { terminateConnections: options.terminateConnections, log: (line) => options.progress.info(line) });
  const { databaseUrl, provider } = target;
  const report: PlanReport = {
    command: "plan",
    ok: true,
    exitCode: 0,
    production: describeTarget(databaseUrl),
    provider: provider.name,
    executionMode: null,
    thresholdMs,
    pending: [],
    lint: null,
    schemaCheck: null,
    migrations: [],
    prisma: null,
    blockers: [],
    error: null,
    warnings: [],
  };
  const cleanups: Cleanup[] = [{ label: "close the provider", run: () => provider.close() }];
  try {
    // The tripwire compares production's ledger and schema before and after every Prisma run.
    const { config, prisma, connections } = await openPrisma(target.config, { productionUrl: databaseUrl, tripwire: true });
    const ctx: DeployContext = {
      config,
      options: { rehearsal: true, dryRun: false, terminateConnections: options.terminateConnections ?? false, allowDestructive: false, verbose: false, allow: options.allow ?? [] },
      databaseUrl,
      prisma,
      connections,
      provider,
      progress: options.progress,
      signal: options.signal,
      cleanups,
      state: { local: [], upToDate: false, warnings: report.warnings },
    };
    report.executionMode = projectExecutionMode(prisma, connections.facts.engine);
    const production = await readProduction(ctx);
    report.pending = production.status.pending;
    const pending = production.local.filter((m) => production.status.pending.includes(m.name));
    await checkBeforeCopying(ctx, production, report);
    if (pending.length === 0) return finish(report);

    options.progress.info(`  measuring ${pending.length} migration(s) statement by statement on a copy of production…`);
    const measuredCopy = await copyOfProduction(provider, cleanups);
    const measured = await measureMigrations(measuredCopy.connectionString, pending, { executionMode: report.executionMode, signal: options.signal });
    report.migrations = assessMigrations(report.pending, measured, report.lint?.findings ?? [], thresholdMs);
    const failed = measured.find((m) => !m.completed);
    let measuredFingerprint: string | undefined;
    if (failed) {
      const statement = failed.statements.at(-1);
      report.blockers.push({
        code: "MIGRATION_FAILS",
        message: `${failed.name}/migration.sql line ${statement?.line ?? 1} fails on production's data: ${statement?.error?.message ?? "error"}${statement?.violation ? ` (${statement.violation.rows} row(s) of ${statement.violation.table} violate ${statement.violation.rule})` : ""}`,
      });
    } else {
      measuredFingerprint = await fingerprint(measuredCopy.connectionString);
      const scripts = await runVerifyScripts(measuredCopy.connectionString, pending);
      for (const script of scripts.filter((s) => !s.ok)) report.blockers.push({ code: "VERIFY_FAILS", message: `verify.sql of ${script.migration} fails on the copy: ${script.message}` });
    }
    await measuredCopy.drop();

    options.progress.info("  prisma migrate deploy on a second copy of production…");
    const prismaCopy = await copyOfProduction(provider, cleanups);
    const withRows = !(await removeRows(prismaCopy.connectionString, report.warnings));
    const applied = await applyMigrations({ ...ctx, connections }, { kind: "scratch", url: prismaCopy.connectionString }, production.local, { timeoutMs: config.deployTimeoutMs });
    if (applied.run.interrupted || options.signal.aborted) throw interrupted();
    const ok = applied.run.exitCode === 0 && !applied.failure && applied.status.pending.length === 0 && !applied.run.timedOut;
    const prismaError = applied.failure ? `${applied.failure.migration}: ${applied.failure.error}` : (applied.prismaError ?? (applied.run.timedOut ? "timed out" : ok ? null : "migrations left pending"));
    report.prisma = {
      applied: ok,
      durationMs: applied.run.durationMs,
      withRows,
      sameSchema: ok && measuredFingerprint ? (await fingerprint(prismaCopy.connectionString)) === measuredFingerprint : null,
      error: prismaError,
    };
    if (!ok) report.blockers.push({ code: "PRISMA_FAILED", message: `prisma migrate deploy failed on a copy of production: ${prismaError}` });
    if (report.prisma.sameSchema === false) report.warnings.push("Prisma's run left a different schema than dbship's statement-by-statement run: the measurements may not match what Prisma does");
    await prismaCopy.drop();
    return finish(report);
  } catch (error) {
    const failure = isDbshipError(error) ? error : options.signal.aborted ? interrupted() : error;
    if (!isDbshipError(failure)) throw failure;
    report.ok = false;
    report.exitCode = failure.exitCode;
    report.error = failure.toJSON();
    return report;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup.run().catch((error: Error) => report.warnings.push(`could not ${cleanup.label}: ${error.message}`));
  }
}

/**
 * Preflight's reads, without the deploy lock: plan changes nothing on production, and holding the
 * lock would make a real deploy wait (or refuse) while a pull request is being planned.
 */
async function readProduction(ctx: DeployContext): Promise<ProductionStatus> {
  const production = await readProductionStatus(ctx.databaseUrl, ctx.config.migrationsDir);
  ctx.state.local = production.local;
  ctx.state.before = production.status;
  if (!production.ledger.exists) {
    throw new DbshipError("NO_MIGRATIONS_TABLE", `production (${production.target}) has no _prisma_migrations table: it is not managed by Prisma Migrate yet`, {
      hint: "If it was built with `prisma db push`, run `dbship baseline` once. Nothing was changed.",
    });
  }
  if (production.running.length) {
    throw new DbshipError("MIGRATION_RUNNING", `prisma migrate deploy is running on production right now: ${describeRunning(production.running)}`, {
      hint: "Plan again once it has finished: what is pending is about to change. Nothing was changed.",
    });
  }
  const relativeMigrationsDir = path.relative(ctx.config.root, ctx.config.migrationsDir) || ".";
  refuseUnsafeHistory(production.status, { root: ctx.config.root, schemaPath: ctx.config.schemaPath, relativeMigrationsDir });
  // A verify.sql that could write is refused by deploy's preflight: plan says so too (it runs
  // them only on the copy).
  await refuseUnsafeVerifyScripts(ctx.databaseUrl, production.local.filter((m) => production.status.pending.includes(m.name)), relativeMigrationsDir);
  return production;
}

/** Lint with production's sizes and the schema check, side by side; their refusals become blockers. */
async function checkBeforeCopying(ctx: DeployContext, production: ProductionStatus, report: PlanReport): Promise<void> {
  const pending = production.local.filter((m) => production.status.pending.includes(m.name));
  const lint = async () => {
    if (pending.length === 0) return;
    const allow = await lintAllows(ctx.options.allow ?? [], ctx.config);
    const result = await lintPending({ databaseUrl: ctx.databaseUrl, prisma: ctx.prisma, engine: ctx.connections.facts.engine, production, pending, allow, smallTable: ctx.config.lint.smallTable });
    report.lint = { errors: result.errors, warnings: result.warnings, acknowledged: result.acknowledged, findings: result.findings };
    const blocking = blockingFindings(result, false);
    if (blocking.length) {
      report.blockers.push({ code: "LINT_ERRORS", message: `lint found ${blocking.length} blocking problem(s): ${blocking.map((f) => `${f.migration}:${f.line} ${f.rule}`).join(", ")}` });
    }
  };
  const schema = async () => {
    try {
      await checkSchemaAgainstMigrations(ctx);
    } catch (error) {
      if (!isDbshipError(error) || error.code !== "SCHEMA_OUT_OF_SYNC") throw error;
      report.blockers.push({ code: "SCHEMA_OUT_OF_SYNC", message: error.message.split("\n")[0] ?? error.message });
    }
    const check = ctx.state.schemaCheck;
    if (check) report.schemaCheck = { inSync: check.inSync, differences: check.differences.map((d) => d.message) };
  };
  await settleAll([lint(), schema()]);
}

/**
 * A throwaway copy of production as it is now. neon: a branch of production. postgres: production
 * copied as a template (like a snapshot, so the same rule holds: nobody else may be connected,
 * unless --terminate-connections).
 */
async function copyOfProduction(provider: SnapshotProvider, cleanups: Cleanup[]): Promise<Scratch> {
  const scratch = await provider.createScratchOfProduction("rehearsal");
  cleanups.push({ label: `drop the copy ${scratch.name}`, run: () => scratch.drop() });
  return scratch;
}

/**
 * Empties every table but Prisma's ledger on the copy Prisma proves itself on: the data work was
 * measured on the first copy, and doing it twice would double the plan's time. False (rows kept,
 * with a warning) when the role may not truncate them.
 */
async function removeRows(url: string, warnings: string[]): Promise<boolean> {
  return withConnection(
    url,
    async (client) => {
      const tables = await client.query<{ name: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> '_prisma_migrations'`,
      );
      if (tables.rows.length === 0) return true;
      try {
        await client.query(`TRUNCATE ${tables.rows.map((row) => row.name).join(", ")}`);
        return true;
      } catch (error) {
        warnings.push(`could not empty the second copy's tables (${(error as Error).message}): Prisma applied the migrations with production's rows`);
        return false;
      }
    },
    { applicationName: "dbship plan" },
  );
}

async function fingerprint(url: string): Promise<string> {
  const client = await connect(url, { applicationName: "dbship plan" });
  try {
    return schemaFingerprint(await readSchemaModel(client), "full");
  } finally {
    await client.end().catch(() => undefined);
  }
}

function finish(report: PlanReport): PlanReport {
  if (report.blockers.length) {
    const blocked = new DbshipError(
      "PLAN_BLOCKED",
      `the plan found ${report.blockers.length} problem(s) that would stop \`dbship deploy\`: ${report.blockers.map((b) => b.code).join(", ")}`,
      { hint: "Production was not changed. Fix the migrations (or the data they trip on) before merging." },
    );
    report.ok = false;
    report.exitCode = blocked.exitCode;
    report.error = blocked.toJSON();
  }
  return report;
}

function interrupted(): DbshipError {
  return new DbshipError("DEPLOY_INTERRUPTED", "plan interrupted", { hint: "Nothing was changed in production." });
}
