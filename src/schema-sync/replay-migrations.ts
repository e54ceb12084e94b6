// The schema check's replay: every migration.sql, in order, sent by dbship itself on one
// connection to an empty scratch database. The check needs only the schema the history builds,
// not Prisma's ledger, so no `prisma migrate deploy` process runs here: on a 160-migration history
// that process cost ~6x the time PostgreSQL needs for the SQL (bench/RESULTS.md, check-replay),
// most of it Prisma's per-migration bookkeeping and its engine's 10 s idle wait before exiting.
//
// Fidelity: each script is sent whole as one simple-protocol query, as Prisma's native schema
// engine applies a migration (one script per migration, in name order); PostgreSQL runs a
// multi-statement simple query as one implicit transaction unless the script has its own
// BEGIN/COMMIT (PostgreSQL docs, "Multiple Statements in a Simple Query"). Prisma 6 with
// `engine: "js"` does not: its driver adapter splits each script on every ";" (@prisma/adapter-pg,
// executeScript), so a dollar-quoted body fails there. The check must fail where the project's
// Prisma fails, so on that path it keeps running `prisma migrate deploy`. The deploy's rehearsal
// and the deploy itself always run the project's own Prisma.
import { connect } from "../infra/pg.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import { applyMigrations } from "../migrations/apply-migrations.js";
import type { SchemaSyncInput } from "./check-schema-sync.js";

export type ReplayOutcome = { failure?: { migration: string; error: string } | undefined; prismaError?: string | undefined };

/** The replay as the project's Prisma would run it: whole scripts, or Prisma itself on the splitting path. */
export async function replayAsPrismaWould(input: SchemaSyncInput, url: string): Promise<ReplayOutcome> {
  if (input.prisma.major === 6 && input.connections.facts.engine === "js") {
    const applied = await applyMigrations(input, { kind: "scratch", url }, input.local, { timeoutMs: input.config.deployTimeoutMs });
    return { failure: applied.failure, prismaError: applied.run.exitCode !== 0 && !applied.failure ? (applied.prismaError ?? `prisma exited with code ${applied.run.exitCode}`) : undefined };
  }
  return replayMigrations(url, input.local, { signal: input.signal });
}

export type ReplayResult = {
  /** The migration that failed and PostgreSQL's error, if one did. */
  failure?: { migration: string; error: string };
  applied: string[];
};

export async function replayMigrations(url: string, local: LocalMigration[], options: { signal?: AbortSignal | undefined } = {}): Promise<ReplayResult> {
  const client = await connect(url, { applicationName: "dbship check replay" });
  const applied: string[] = [];
  try {
    for (const migration of local) {
      if (options.signal?.aborted) return { applied, failure: { migration: migration.name, error: "interrupted" } };
      try {
        await client.query(migration.sql);
      } catch (error) {
        return { applied, failure: { migration: migration.name, error: error instanceof Error ? error.message : String(error) } };
      }
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.end().catch(() => undefined);
  }
}
