// dbship on the Legal AI shared schema's real history (@danielcok17/prisma-db 1.20.36: 51
// migrations, the schema in prisma/app.prisma, a datasource that reads POSTGRES_PRISMA_URL and a
// directUrl from POSTGRES_URL_NON_POOLING). See test/fixtures/real/README.md.
//
// Three of its migrations (the first, the 18th: 20260307120000_add_phone_occupation_preferred_language) have
// DO blocks between $$ … $$, which Prisma's WebAssembly engine cannot apply (it splits the file on
// every `;`). So no production at N−10 can be built by Prisma on this repository's path, and there
// is no deploy case here: the check and the baseline are.
import { describe, expect } from "vitest";
import { projectModel } from "../../src/verify/schema-scope.js";
import { runDbship } from "../support/cli.js";
import { adminUrl } from "../support/postgres.js";
import { registerCases } from "./known-failing.js";
import {
  buildFromSchema,
  corpusEntry,
  ledger,
  prismaMigrateDeploy,
  projectEnv,
  readModel,
  realProjectResources,
  replayWholeScripts,
} from "./real-project.js";

const entry = corpusEntry("legalai");
const N = entry.migrationCount;
const dbshipConfig = { schema: entry.schema, migrations: entry.migrations, databaseUrlEnv: entry.urlEnv };
const SPLIT_MIGRATION = "20260307120000_add_phone_occupation_preferred_language";
const SPLIT_ERROR = 'unterminated dollar-quoted string at or near "$$';
const HAND_WRITTEN_TABLES = ["BackgroundJob", "legal_opinion"];
const PARTIAL_INDEXES = ["EmailSequenceEnrollment.enrollment_active_unique", "MeetingSlot.MeetingSlot_startsAt_duration_active_key"];

// What fails on today's code, and where (see the report of the corpus work for the full text).
const KNOWN_FAILING: Record<string, string> = {};

const { project, database } = realProjectResources(entry);

const cases = {
  "dbship check as a pull-request gate (no datasource variables set) names the migration Prisma cannot apply on this path": async () => {
    const full = await project({ dbshipConfig });
    const result = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: full.dir, env: projectEnv(entry, undefined) });
    expect(result.exitCode, result.output).toBe(3);
    expect(result.json.error.code).toBe("SCHEMA_OUT_OF_SYNC");
    expect(result.json.error.message).toContain(`${SPLIT_MIGRATION} failed: ERROR: ${SPLIT_ERROR}`);
  },

  "independently: a bare prisma migrate deploy stops at that migration; sent whole, the history differs from app.prisma by 2 tables and 2 partial indexes": async () => {
    const full = await project({ dbshipConfig });
    expect(full.migrations).toHaveLength(N);
    const empty = await database("la_bare");
    const bare = await prismaMigrateDeploy(full, empty.url);
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr + bare.stdout).toContain(SPLIT_ERROR);
    expect((await ledger(empty.url)).find((row) => !row.finished)?.migration_name).toBe(SPLIT_MIGRATION);

    const whole = await database("la_whole");
    expect(await replayWholeScripts(full, whole.url)).toEqual({ applied: N });
    const built = await database("la_build");
    await buildFromSchema(full, built.url);
    const replayed = projectModel(await readModel(whole.url), "prisma");
    const fromSchema = projectModel(await readModel(built.url), "prisma");
    // The real differences: two tables the migrations create that app.prisma does not model
    // (legal_opinion is modelled in law.prisma, the other database's schema; BackgroundJob
    // nowhere), and two partial unique indexes written by hand.
    const names = (model: typeof replayed) => model.tables.map((table) => table.name);
    expect(names(replayed).filter((name) => !names(fromSchema).includes(name))).toEqual(HAND_WRITTEN_TABLES);
    expect(names(fromSchema).filter((name) => !names(replayed).includes(name))).toEqual([]);
    const partial = replayed.tables
      .filter((table) => !HAND_WRITTEN_TABLES.includes(table.name))
      .flatMap((table) => table.indexes.filter((index) => index.predicate).map((index) => `${table.name}.${index.name}`));
    expect(partial).toEqual(PARTIAL_INDEXES);
    replayed.tables = replayed.tables
      .filter((table) => !HAND_WRITTEN_TABLES.includes(table.name))
      .map((table) => ({ ...table, indexes: table.indexes.filter((index) => !index.predicate) }));
    expect(replayed).toEqual(fromSchema);
  },

  "dbship baseline on a database built from app.prisma, then dbship status: up to date": async () => {
    const fresh = await project({ migrations: 0, dbshipConfig });
    const prod = await database("la_pushed");
    await buildFromSchema(fresh, prod.url);
    const env = projectEnv(entry, prod.url);
    const baseline = await runDbship(["baseline", "--yes"], { cwd: fresh.dir, env });
    expect(baseline.exitCode, baseline.output).toBe(0);
    const status = await runDbship(["status"], { cwd: fresh.dir, env });
    expect(status.exitCode, status.output).toBe(0);
    expect(status.stdout).toContain("up to date");
    expect(await ledger(prod.url)).toEqual([{ migration_name: "0001_baseline", finished: true, rolled_back: false }]);
  },
};

describe(`real project: ${entry.name} (${entry.package} ${entry.version}, ${N} migrations)`, () => {
  registerCases(cases, KNOWN_FAILING, 240_000);
});
