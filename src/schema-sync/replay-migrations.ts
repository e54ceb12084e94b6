// The schema check's replay: every migration.sql, in order, into an empty scratch database, done
// the way the project's Prisma does it but without a `prisma migrate deploy` process: on a
// 160-migration history that process cost ~4-6x the time PostgreSQL needs for the SQL
// (bench/RESULTS.md, check-replay), most of it Prisma's per-migration bookkeeping. The check needs
// only the schema the history builds and the migration that fails, not Prisma's ledger.
//
// Fidelity (README.md, "The replay on the driver-adapter path"): Prisma's native schema engine
// sends each script whole as one simple-protocol query; PostgreSQL runs a multi-statement simple
// query as one implicit transaction unless the script has its own BEGIN/COMMIT (PostgreSQL docs,
// "Multiple Statements in a Simple Query"): replayMigrations does the same. Prisma 6 with
// `engine: "js"` hands each script to the driver adapter's executeScript instead, which
// @prisma/adapter-pg splits on every ";" (a dollar-quoted body fails there): adapter-replay.ts
// calls the project's own adapter the same way, and falls back to Prisma wherever it cannot vouch
// for the result. The deploy's rehearsal and the deploy itself always run the project's Prisma.
import { connect } from "../infra/pg.js";
import type { LocalMigration } from "../migrations/local-migrations.js";
import { applyMigrations } from "../migrations/apply-migrations.js";
import { migrateDeploy } from "../prisma/commands.js";
import { replayThroughAdapter } from "./adapter-replay.js";
import type { SchemaSyncInput } from "./check-schema-sync.js";

export type ReplayOutcome = {
  failure?: { migration: string; error: string } | undefined;
  prismaError?: string | undefined;
  /** Where the replay ended up when it is not the database it was given (see `fresh`). */
  url?: string | undefined;
};

/**
 * The replay as the project's Prisma would run it: whole scripts, or through the project's driver
 * adapter on the splitting path. `fresh` gives another empty scratch database, prepared as `url`
 * was, for when the adapter replay has written and Prisma must run after all.
 */
export async function replayAsPrismaWould(input: SchemaSyncInput, url: string, fresh: () => Promise<string>): Promise<ReplayOutcome> {
  if (input.prisma.major === 6 && input.connections.facts.engine === "js") {
    const fast = await input.connections.onScratch(url, "dbship's replay through the driver adapter", () =>
      replayThroughAdapter({
        cli: input.prisma,
        root: input.config.root,
        env: input.connections.scratchEnv(tagReplaySessions(url)),
        prismaArgs: migrateDeploy(input.config.schemaPath),
        url,
        local: input.local,
        signal: input.signal,
        timeoutMs: input.config.deployTimeoutMs,
      }),
    );
    if (input.signal.aborted) return { failure: { migration: input.local[0]?.name ?? "", error: "interrupted" } };
    if (fast.kind === "done") return { failure: fast.failure };
    input.progress.verbose(`the replay runs prisma migrate deploy: ${fast.reason}`);
    const target = fast.wrote ? await fresh() : url;
    const applied = await applyMigrations(input, { kind: "scratch", url: target }, input.local, { timeoutMs: input.config.deployTimeoutMs });
    return {
      failure: applied.failure,
      prismaError: applied.run.exitCode !== 0 && !applied.failure ? (applied.prismaError ?? `prisma exited with code ${applied.run.exitCode}`) : undefined,
      url: target,
    };
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

/**
 * The scratch URL with an application_name of dbship's (unless one is set), so the adapter
 * replay's sessions say whose they are in pg_stat_activity, as Prisma runs' do
 * (apply-migrations.ts, tagSessions): the server's view is all an operator has while it runs.
 */
function tagReplaySessions(url: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has("application_name")) return url;
  parsed.searchParams.set("application_name", "dbship check replay");
  return parsed.toString();
}
