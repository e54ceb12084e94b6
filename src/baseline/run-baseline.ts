// `dbship baseline`: the one-time cutover from `prisma db push`. Writes the baseline migration
// from schema.prisma (with Prisma's own SQL), proves production really is in that state by
// building the baseline on a scratch database and comparing, and only then marks it applied in
// production. Marking a wrong baseline as applied is how drift starts: a mismatch is refused.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DbshipError, EXIT, type ErrorDocument } from "../errors.js";
import { databaseName, describeTarget, withConnection } from "../infra/pg.js";
import { migrationsSchema, readLedger } from "../migrations/ledger.js";
import { checksumOf } from "../migrations/local-migrations.js";
import { acquireDeployLock } from "../migrations/deploy-lock.js";
import { displayCommand, migrateResolveApplied } from "../prisma/commands.js";
import { openPrisma } from "../prisma-target/open-prisma.js";
import { prismaErrorLine } from "../prisma/run-prisma.js";
import { schemaToSql } from "../prisma/schema-sql.js";
import { openTarget } from "../providers/open-target.js";
import { scratchServerFor } from "../schema-sync/scratch-server.js";
import type { Progress } from "../ui/progress.js";
import { describeNotCompared } from "../verify/describe.js";
import { diffSchemas, type SchemaDifference } from "../verify/schema-diff.js";
import { readSchemaAt } from "../verify/schema-model.js";
import { prepareScratchExtensions } from "../schema-sync/scratch-extensions.js";
import type { SchemaModel } from "../verify/schema-types.js";
import { objectKey, planBaseline, type BaselinePlan } from "./hand-written-objects.js";

export type BaselineReport = {
  command: "baseline";
  ok: boolean;
  exitCode: number;
  target: string;
  name: string;
  file: string | null;
  written: boolean;
  marked: boolean;
  dryRun: boolean;
  differences: SchemaDifference[];
  /** Objects production has that schema.prisma cannot express, included in the baseline with this SQL. */
  handWritten: Array<{ object: string; sql: string }>;
  /** Objects production has that the baseline cannot recreate (partitioning, foreign tables, aggregates). */
  leftOut: string[];
  /** The baseline's SQL, on a dry run (nothing is written). */
  sql: string | null;
  nextSteps: string[];
  error: ErrorDocument | null;
};

export type BaselineOptions = {
  config?: string | undefined;
  provider?: string | undefined;
  name: string;
  force: boolean;
  dryRun: boolean;
  yes: boolean;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  progress: Progress;
  signal: AbortSignal;
};

export async function runBaseline(options: BaselineOptions): Promise<BaselineReport> {
  if (!/^[A-Za-z0-9_-]+$/.test(options.name)) {
    throw new DbshipError("USAGE", `--name "${options.name}" is not a valid migration folder name`, { hint: "Use letters, digits, - and _ (e.g. 0001_baseline)." });
  }
  const target = await openTarget(options);
  const { databaseUrl, provider } = target;
  const { config, prisma, connections } = await openPrisma(target.config, { productionUrl: databaseUrl, tripwire: true }).catch(async (error: unknown) => {
    await provider.close();
    throw error;
  });
  const dir = path.join(config.migrationsDir, options.name);
  const file = path.join(dir, "migration.sql");
  const report: BaselineReport = {
    command: "baseline",
    ok: false,
    exitCode: EXIT.OK,
    target: describeTarget(databaseUrl),
    name: options.name,
    file: path.relative(config.root, file),
    written: false,
    marked: false,
    dryRun: options.dryRun,
    differences: [],
    handWritten: [],
    leftOut: [],
    sql: null,
    nextSteps: [],
    error: null,
  };
  const fail = (error: DbshipError): BaselineReport => ({ ...report, exitCode: error.exitCode, error: error.toJSON() });
  // What this run wrote, removed again unless the baseline ends up marked applied: a dry run, a
  // refusal or an unanswered question leave the project as they found it.
  const wrote: string[] = [];
  const undoWrites = async () => {
    for (const target of wrote.reverse()) await rm(target, { recursive: true, force: true });
    wrote.length = 0;
    report.written = false;
  };
  try {
    const existing = existsSync(config.migrationsDir)
      ? (await readdir(config.migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
      : [];
    // A folder holding only this baseline is an earlier run's (before this one cleaned up after
    // itself, or interrupted): it is compared with what this run writes, below.
    const earlierBaseline = existing.length === 1 && existing[0] === options.name;
    if (existing.length > 0 && !earlierBaseline && !options.force) {
      return fail(
        new DbshipError("BASELINE_EXISTS", `${path.relative(config.root, config.migrationsDir)} already has ${existing.length} migration(s): ${existing.join(", ")}`, {
          hint: "A baseline is the first migration. If you are squashing the history on purpose, pass --force.",
        }),
      );
    }
    const ledger = await withConnection(databaseUrl, (client) => readLedger(client, migrationsSchema(databaseUrl)), { applicationName: "dbship baseline" });
    if (ledger.rows.length > 0) {
      return fail(
        new DbshipError("BASELINE_EXISTS", `production already has ${ledger.rows.length} row(s) in _prisma_migrations: it is managed by Prisma Migrate`, {
          hint: "Use dbship status and dbship deploy. A baseline is only for a database built with prisma db push.",
        }),
      );
    }

    options.progress.start("Writing the baseline from schema.prisma and building it on a scratch database");
    const server = await scratchServerFor(provider);
    let plan: BaselinePlan;
    try {
      const scratch = await server.createDatabase("baseline");
      const production = await readSchemaAt(databaseUrl, { applicationName: "dbship baseline" });
      // Production's extensions first: schema.prisma's SQL may use their types and operator classes.
      const extensions = production.notCompared.filter((object) => object.kind === "extension").map((object) => object.name);
      await prepareScratchExtensions(scratch.url, extensions, server.label);
      const prismaSql = await schemaToSql({ prisma, connections, schemaPath: config.schemaPath, databaseUrl: scratch.url, signal: options.signal });
      plan = planBaseline(prismaSql, production.notCompared);
      try {
        await withConnection(scratch.url, (client) => client.query(plan.sql), { applicationName: "dbship baseline" });
      } catch (error) {
        throw new DbshipError("BASELINE_MISMATCH", `the baseline does not build on an empty database: ${error instanceof Error ? error.message : String(error)}`, {
          hint: "Nothing was written or marked. The baseline is schema.prisma's SQL plus production's objects that schema.prisma cannot express; bring schema.prisma in line with production (npx prisma db pull shows what production has).",
        });
      }
      const baseline = await readSchemaAt(scratch.url, { applicationName: "dbship baseline" });
      report.differences = [...diffSchemas(production, baseline, { scope: "prisma", leftLabel: "production", rightLabel: "the baseline" }), ...handWrittenDifferences(plan, baseline)];
      report.handWritten = plan.included.map((item) => ({ object: describeNotCompared(item.object), sql: item.sql }));
      report.leftOut = plan.leftOut.map((object) => describeNotCompared(object));
    } finally {
      await server.close();
    }
    if (report.differences.length) options.progress.fail(`The baseline differs from production in ${report.differences.length} place(s)`);
    else options.progress.succeed("The baseline matches production");
    if (report.differences.length) {
      return fail(
        new DbshipError("BASELINE_MISMATCH", `production does not match schema.prisma (${report.differences.length} difference(s)):\n${report.differences.map((d) => `  - ${d.message}`).join("\n")}`, {
          hint: "Nothing was written or marked. Bring schema.prisma in line with production (npx prisma db pull shows what production has), then run dbship baseline again.",
        }),
      );
    }
    const sql = plan.sql;
    if (options.dryRun) {
      report.ok = true;
      report.sql = sql;
      report.nextSteps = [`Run dbship baseline without --dry-run to write ${report.file} and mark it applied (nothing was written).`];
      return report;
    }
    if (existsSync(file) && !options.force && (await readFile(file, "utf8")) !== sql) {
      return fail(
        new DbshipError("BASELINE_EXISTS", `${report.file} exists and differs from the baseline built now from schema.prisma and production`, {
          hint: `Nothing was marked. Delete ${path.relative(config.root, dir)} (an earlier run's) and run dbship baseline again, or pass --force to overwrite it.`,
        }),
      );
    }
    if (!existsSync(config.migrationsDir)) wrote.push(config.migrationsDir);
    else if (!existsSync(dir)) wrote.push(dir);
    await mkdir(dir, { recursive: true });
    await writeFile(file, sql);
    const lockFile = path.join(config.migrationsDir, "migration_lock.toml");
    if (!existsSync(lockFile)) {
      await writeFile(lockFile, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
      if (!wrote.includes(config.migrationsDir)) wrote.push(lockFile);
    }
    report.written = true;

    const question = `Mark ${options.name} as applied in production (${report.target})? Its SQL is not run: production already has this schema. (${report.file} is written: review it now.)`;
    if (options.confirm) {
      options.progress.pause();
      if (!(await options.confirm(question))) {
        await undoWrites();
        return fail(new DbshipError("CONFIRMATION_REQUIRED", "baseline not confirmed", { hint: "Nothing was written or marked." }));
      }
    } else if (!options.yes) {
      await undoWrites();
      return fail(
        new DbshipError("CONFIRMATION_REQUIRED", "baseline needs confirmation: pass --yes (there is no terminal to ask on)", {
          hint: "Nothing was written or marked in production. See the baseline with dbship baseline --dry-run --json (its sql field), then run: dbship baseline --yes",
        }),
      );
    }

    options.progress.start(`Marking ${options.name} as applied in production`);
    const lock = await acquireDeployLock(provider.deployLockUrl(databaseUrl), databaseName(databaseUrl), "baseline");
    try {
      const run = await connections.runOnProduction(migrateResolveApplied(config.schemaPath, options.name), { timeoutMs: 120_000, signal: options.signal });
      if (run.exitCode !== 0) {
        await undoWrites();
        return fail(new DbshipError("PRISMA_FAILED", `prisma migrate resolve --applied ${options.name} failed: ${prismaErrorLine(run)}`, { hint: "Nothing was marked." }));
      }
    } finally {
      await lock.release();
    }
    const after = await withConnection(databaseUrl, (client) => readLedger(client, migrationsSchema(databaseUrl)), { applicationName: "dbship baseline" });
    const row = after.rows.find((r) => r.migrationName === options.name && r.finishedAt !== null && r.rolledBackAt === null);
    if (!row || row.checksum !== checksumOf(sql)) {
      return fail(new DbshipError("VERIFY_FAILED", `${options.name} is not recorded as applied with the file's checksum`, { hint: "Check with dbship status." }));
    }
    options.progress.succeed(`${options.name} is recorded as applied`);
    report.marked = true;
    report.ok = true;
    wrote.length = 0;
    report.nextSteps = [
      `Commit ${path.relative(config.root, config.migrationsDir)}/ (the baseline and migration_lock.toml), as written: it is applied, and editing it changes its checksum.`,
      `From now on: ${displayCommand(["migrate", "dev", "--name", "<change>"], config.root)} in development, dbship deploy for production.`,
    ];
    return report;
  } catch (error) {
    await undoWrites();
    if (error instanceof DbshipError) return fail(error);
    throw error;
  } finally {
    await provider.close();
  }
}

/** The hand-written objects the baseline includes and does not build as production has them. */
function handWrittenDifferences(plan: BaselinePlan, baseline: SchemaModel): SchemaDifference[] {
  const built = new Set(baseline.notCompared.map(objectKey));
  return plan.included
    .filter((item) => !built.has(objectKey(item.object)))
    .map((item) => ({
      kind: item.object.kind === "check" ? "check" : "other",
      object: item.object.table ? `${item.object.table}.${item.object.name}` : item.object.name,
      left: item.object.definition,
      message: `${describeNotCompared(item.object)}: the baseline's SQL for it does not build it as production has it`,
    }));
}
