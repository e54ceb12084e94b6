// `dbship status`: the preflight report alone. Exit 0 when up to date, 1 when migrations are
// pending (as `prisma migrate status` does), 3 when any is failed, modified or missing.
import { loadConfig, requireDatabaseUrl, type ConfigFlags } from "../config.js";
import { EXIT } from "../errors.js";
import type { MigrationEntry } from "./classify.js";
import { readProductionStatus } from "./production-status.js";

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
  error: null;
};

export async function runStatus(flags: ConfigFlags): Promise<StatusReport> {
  const config = await loadConfig(flags);
  const production = await readProductionStatus(requireDatabaseUrl(config), config.migrationsDir);
  const { status } = production;
  const broken = status.failed.length + status.modified.length + status.missing.length > 0 || !production.ledger.exists;
  const exitCode = broken ? EXIT.REFUSED : status.pending.length > 0 ? EXIT.FAILED : EXIT.OK;
  return {
    command: "status",
    ok: exitCode === EXIT.OK,
    exitCode,
    target: production.target,
    managed: production.ledger.exists,
    empty: !production.ledger.exists && production.tables.size === 0,
    migrations: { applied: status.applied, pending: status.pending, failed: status.failed, modified: status.modified, missing: status.missing },
    entries: status.entries,
    error: null,
  };
}
