// `dbship baseline`: the one-time cutover from `prisma db push`. Writes the baseline migration
// from schema.prisma (with Prisma's own SQL), proves production really is in that state by
// building the baseline on a scratch database and comparing, and only then marks it applied in
// production. Marking a wrong baseline as applied is how drift starts: a mismatch is refused.
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DbshipError, EXIT } from "../errors.js";
import { databaseName, describeTarget, withConnection } from "../infra/pg.js";
import { migrationsSchema, readLedger } from "../migrations/ledger.js";
import { checksumOf } from "../migrations/local-migrations.js";
import { acquireDeployLock, deployLockUrl } from "../pipeline/deploy-lock.js";
import { displayCommand, migrateResolveApplied } from "../prisma/commands.js";
import { openPrisma } from "../prisma-target/open-prisma.js";
import { prismaErrorLine } from "../prisma/run-prisma.js";
import { schemaToSql } from "../prisma/schema-sql.js";
import { openTarget } from "../providers/open-target.js";
import { scratchServerFor } from "../schema-sync/scratch-server.js";
import type { Progress } from "../ui/progress.js";
import { describeNotCompared } from "../verify/describe.js";
import { diffSchemas, type SchemaDifference } from "../verify/schema-diff.js";
import { readSchemaModel } from "../verify/schema-model.js";
import { suggestedSql } from "./hand-written-objects.js";

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
  /** Objects production has that schema.prisma cannot express: append their SQL to the baseline. */
  handWritten: Array<{ object: string; sql: string }>;
  nextSteps: string[];
  error: { code: string; message: string; hint: string | null } | null;
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
    nextSteps: [],
    error: null,
  };
  const fail = (error: DbshipError): BaselineReport => ({ ...report, exitCode: error.exitCode, error: error.toJSON() });
  try {
    const existing = existsSync(config.migrationsDir)
      ? (await readdir(config.migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
      : [];
    if (existing.length > 0 && !options.force) {
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
    const server = await scratchServerFor(config, databaseUrl, provider);
    let sql: string;
    try {
      const scratch = await server.createDatabase("baseline");
      sql = await schemaToSql({ prisma, connections, schemaPath: config.schemaPath, databaseUrl: scratch.url, signal: options.signal });
      await withConnection(scratch.url, (client) => client.query(sql), { applicationName: "dbship baseline" });
      const [production, baseline] = await Promise.all([
        withConnection(databaseUrl, (client) => readSchemaModel(client), { applicationName: "dbship baseline" }),
        withConnection(scratch.url, (client) => readSchemaModel(client), { applicationName: "dbship baseline" }),
      ]);
      report.differences = diffSchemas(production, baseline, { scope: "prisma", leftLabel: "production", rightLabel: "the baseline" });
      report.handWritten = production.notCompared.map((object) => ({ object: describeNotCompared(object), sql: suggestedSql(object) }));
    } finally {
      await server.close();
    }
    options.progress.succeed(
      report.differences.length ? `The baseline differs from production in ${report.differences.length} place(s)` : "The baseline matches production",
    );

    if (report.differences.length === 0 || options.dryRun) {
      await mkdir(dir, { recursive: true });
      await writeFile(file, sql);
      const lock = path.join(config.migrationsDir, "migration_lock.toml");
      if (!existsSync(lock)) await writeFile(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
      report.written = true;
    }
    if (report.differences.length) {
      return fail(
        new DbshipError("BASELINE_MISMATCH", `production does not match schema.prisma (${report.differences.length} difference(s)):\n${report.differences.map((d) => `  - ${d.message}`).join("\n")}`, {
          hint: `Nothing was marked${report.written ? "" : " or written"}. Bring schema.prisma in line with production (npx prisma db pull shows what production has), then run dbship baseline again.`,
        }),
      );
    }
    if (options.dryRun) {
      report.ok = true;
      report.nextSteps = [`Review ${report.file}, then run dbship baseline again without --dry-run to mark it applied.`];
      return report;
    }
    const question = `Mark ${options.name} as applied in production (${report.target})? Its SQL is not run: production already has this schema.`;
    if (options.confirm) {
      options.progress.pause();
      if (!(await options.confirm(question))) return fail(new DbshipError("CONFIRMATION_REQUIRED", "baseline not confirmed", { hint: `${report.file} was written; nothing was marked.` }));
    } else if (!options.yes) {
      return fail(
        new DbshipError("CONFIRMATION_REQUIRED", "baseline needs confirmation: pass --yes (there is no terminal to ask on)", {
          hint: `${report.file} was written; nothing was marked in production. Review it, then run: dbship baseline --yes`,
        }),
      );
    }

    options.progress.start(`Marking ${options.name} as applied in production`);
    const lock = await acquireDeployLock(deployLockUrl(config, databaseUrl), databaseName(databaseUrl), "baseline");
    try {
      const run = await connections.runOnProduction(migrateResolveApplied(config.schemaPath, options.name), { timeoutMs: 120_000, signal: options.signal });
      if (run.exitCode !== 0) {
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
    report.nextSteps = [
      `Commit ${path.relative(config.root, config.migrationsDir)}/ (the baseline and migration_lock.toml).`,
      ...(report.handWritten.length ? ["Append the SQL of the objects listed above to the baseline, so new environments get them too (the checksum in production was taken now: do it in a new migration instead if you prefer not to touch the applied file)."] : []),
      `From now on: ${displayCommand(["migrate", "dev", "--name", "<change>"], config.root)} in development, dbship deploy for production.`,
    ];
    return report;
  } catch (error) {
    if (error instanceof DbshipError) return fail(error);
    throw error;
  } finally {
    await provider.close();
  }
}
