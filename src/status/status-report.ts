// `dbship status`: the preflight report alone. Exit 0 when up to date, 1 when migrations are
// pending (as `prisma migrate status` does), 3 when any is failed, modified or missing.
import { loadConfig, requireDatabaseUrl, type ConfigFlags } from "../config.js";
import { DbshipError, EXIT, isDbshipError } from "../errors.js";
import type { MigrationEntry } from "../migrations/classify.js";
import type { ServerNotice } from "../providers/types.js";
import { serverNotices } from "../snapshots/server-notices.js";
import { readProductionStatus } from "../migrations/production-status.js";
import { openPrisma } from "../prisma-target/open-prisma.js";

export type StatusReport = {
  command: "status";
  ok: boolean;
  exitCode: number;
  target: string;
  managed: boolean;
  /** No _prisma_migrations and no tables: a new database, for `prisma migrate deploy`, not a baseline. */
  empty: boolean;
  migrations: { applied: string[]; pending: string[]; failed: string[]; modified: string[]; missing: string[] };
  entries: MigrationEntry[];
  /** Interrupted rollbacks, leftovers, untrusted snapshots on production's server (wt-rollback). */
  notices: ServerNotice[];
  error: null;
};

export async function runStatus(flags: ConfigFlags): Promise<StatusReport> {
  const loaded = await loadConfig(flags);
  const databaseUrl = requireDatabaseUrl(loaded);
  // The migrations folder is where Prisma finds it (prisma.config.* included); no Prisma command runs.
  const { config } = await openPrisma(loaded, { productionUrl: databaseUrl, tripwire: false });
  const notices = await serverNotices(config, databaseUrl).catch(() => []);
  const production = await readProductionStatus(databaseUrl, config.migrationsDir).catch((error: unknown) => {
    // Production missing after an interrupted rollback: say where its data is.
    if (isDbshipError(error) && error.code === "DATABASE_NOT_FOUND" && notices.length) {
      throw new DbshipError(error.code, error.message, { hint: notices.map((n) => `${n.message}${n.hint ? `\n  ${n.hint}` : ""}`).join("\n") });
    }
    throw error;
  });
  const { status } = production;
  const broken = status.failed.length + status.modified.length + status.missing.length > 0 || !production.ledger.exists;
  const running = (status.running?.length ?? 0) > 0;
  const exitCode = broken ? EXIT.REFUSED : status.pending.length > 0 || running ? EXIT.FAILED : EXIT.OK;
  return {
    command: "status",
    ok: exitCode === EXIT.OK,
    exitCode,
    target: production.target,
    managed: production.ledger.exists,
    empty: !production.ledger.exists && production.tables.size === 0,
    migrations: { applied: status.applied, pending: status.pending, failed: status.failed, modified: status.modified, missing: status.missing },
    entries: status.entries,
    notices,
    error: null,
  };
}
