// `dbship lint [migration…]`: the preflight lint alone, for pre-commit hooks and CI. With
// DATABASE_URL it lints what is pending in production, knowing which tables exist there;
// without it, the named migrations (default: all), assuming every table they do not create
// already exists.
import path from "node:path";
import { loadConfig, type ConfigFlags } from "../config.js";
import { DbshipError, EXIT } from "../errors.js";
import { readLocalMigrations, type LocalMigration } from "../migrations/local-migrations.js";
import { readProductionStatus } from "../migrations/production-status.js";
import { lintAllows, lintPending } from "./lint-check.js";
import { projectExecutionMode } from "../prisma/engine-mode.js";
import { openPrisma } from "../prisma-target/open-prisma.js";
import { lintMigrations, notNullChecksBefore, type LintFinding } from "./index.js";

export type LintReport = {
  command: "lint";
  ok: boolean;
  exitCode: number;
  against: "production" | "none";
  /**
   * Offline, table sizes are unknown: lock, scan and rewrite findings stay errors however small
   * the table is. With production, they carry its estimated size (LintFinding.table).
   */
  sizes: "production" | "unknown";
  migrations: string[];
  statements: number;
  errors: number;
  warnings: number;
  acknowledged: number;
  findings: LintFinding[];
  error: null;
};

export async function runLint(flags: ConfigFlags & { migrations: string[]; offline?: boolean; allow?: string[] }): Promise<LintReport> {
  const loaded = await loadConfig(flags);
  const allow = await lintAllows(flags.allow ?? [], loaded);
  // Lint runs no Prisma command, but needs where Prisma finds the migrations and which engine runs them.
  const { config, prisma, connections } = await openPrisma(loaded, { productionUrl: loaded.databaseUrl, tripwire: false });
  const local = await readLocalMigrations(config.migrationsDir);
  const named = flags.migrations.map((arg) => pick(local, arg, config.root));
  const useProduction = Boolean(config.databaseUrl) && !flags.offline;
  let selected: LocalMigration[];
  let result;
  if (useProduction) {
    const production = await readProductionStatus(config.databaseUrl!, config.migrationsDir);
    selected = named.length ? named : local.filter((migration) => production.status.pending.includes(migration.name));
    result = await lintPending({
      databaseUrl: config.databaseUrl!,
      prisma,
      engine: connections.facts.engine,
      production,
      pending: selected,
      allow,
      smallTable: config.lint.smallTable,
    });
  } else {
    // Offline, each migration is linted as it will run: after the ones before it, so a table
    // an earlier migration created counts as existing.
    selected = named.length ? named : local;
    const executionMode = projectExecutionMode(prisma, connections.facts.engine);
    // What earlier migrations validated (CHECK col IS NOT NULL) is known to the later ones.
    const notNull = selected.some((migration) => /set\s+not\s+null/i.test(migration.sql)) ? await notNullChecksBefore(local) : undefined;
    const results = await Promise.all(
      selected.map((migration) =>
        lintMigrations([{ name: migration.name, sql: migration.sql }], { executionMode, allow, validNotNullChecks: notNull?.get(migration.name) }),
      ),
    );
    result = {
      findings: results.flatMap((r) => r.findings),
      errors: sum(results, "errors"),
      warnings: sum(results, "warnings"),
      acknowledged: sum(results, "acknowledged"),
      statements: sum(results, "statements"),
    };
  }
  const errors = result.findings.filter((finding) => finding.severity === "error" && !finding.acknowledged).length;
  return {
    command: "lint",
    ok: errors === 0,
    exitCode: errors === 0 ? EXIT.OK : EXIT.FAILED,
    against: useProduction ? "production" : "none",
    sizes: useProduction ? "production" : "unknown",
    migrations: selected.map((migration) => migration.name),
    statements: result.statements,
    errors,
    warnings: result.warnings,
    acknowledged: result.acknowledged,
    findings: result.findings,
    error: null,
  };
}

/** A migration by folder name, folder path or migration.sql path. */
function pick(local: LocalMigration[], arg: string, root: string): LocalMigration {
  const absolute = path.resolve(root, arg);
  const found = local.find((m) => m.name === arg || m.dir === absolute || path.join(m.dir, "migration.sql") === absolute || m.name === path.basename(arg));
  if (!found) {
    throw new DbshipError("USAGE", `no migration named ${arg} in the migrations folder`, { hint: `Migrations: ${local.map((m) => m.name).join(", ") || "none"}` });
  }
  return found;
}

function sum<K extends "errors" | "warnings" | "acknowledged" | "statements">(results: Array<Record<K, number>>, key: K): number {
  return results.reduce((total, result) => total + result[key], 0);
}
