// dbship on Formbricks' real history (test/fixtures/real/formbricks: packages/database at commit
// b66c1dd978af, 167 SQL migrations). Its real layout: prisma.config.ts names the schema FOLDER
// ./schema (main.prisma, workflows.prisma) and the migrations path ./.prisma-migrations, where
// Formbricks' own runner copies its SQL migrations before `prisma migrate deploy`. No
// dbship.config.json names a path here: dbship must find them through prisma.config.ts.
//
// Two facts of this history shape the cases (test/fixtures/real/README.md):
// - 20241017124431_add_documents_and_insights (the 98th) creates the pgvector extension and two
//   vector(512) columns, and main.prisma declares `extensions = [pgvector(map: "vector")]`. The
//   embedded PostgreSQL has no pgvector: on the history as it is, dbship must refuse and name
//   the extension. The other cases run on a copy without it (corpus.json
//   withoutUnavailableExtension: that CREATE EXTENSION commented out, the two columns real[], the
//   schema's extensions line removed; the tables are dropped by 20250911192630 anyway).
// - Six migrations, the first 20250327043931_api_key_new_to_api_key (the 113th), have DO blocks
//   between $$ … $$, which Prisma's WebAssembly engine (this repository's offline path) splits on
//   `;`: Prisma cannot apply the history past the 112th here, so no production at N−10 can be
//   built by Prisma. The deploy case runs on a production at 112 migrations instead.
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
import type { SchemaModel } from "../../src/verify/schema-model.js";
import { projectModel } from "../../src/verify/schema-scope.js";
import { runDbship } from "../support/cli.js";
import { query } from "../support/postgres.js";
import { registerCases } from "./known-failing.js";
import {
  buildFromSchema,
  corpusEntry,
  ledger,
  prismaMigrateDeploy,
  readModel,
  realProjectResources,
  replayWholeScripts,
  sourceLabel,
} from "./real-project.js";

const entry = corpusEntry("formbricks");
const N = entry.migrationCount;
const SPLIT_MIGRATION = "20250327043931_api_key_new_to_api_key";
const SPLIT_ERROR = 'unterminated dollar-quoted string at or near "$$';
const VECTOR_MIGRATION = "20241017124431_add_documents_and_insights";

// The real differences between the history (sent whole, without pgvector) and Prisma's SQL for
// the schema folder, confirmed with pg_dump --schema-only by test/fixtures/real/confirm-by-hand.sh.
// A column kept by hand for rollback ("ROLLBACK SAFETY" in 20260620000000_eng_1054_…):
const EXTRA_COLUMN = ["User", "email_verified_at"];
// text[] columns the Better Auth migrations declare NOT NULL; Prisma writes a String[] nullable:
const NOT_NULL_LISTS = [
  "oauthAccessToken.scopes",
  "oauthClient.contacts",
  "oauthClient.grantTypes",
  "oauthClient.postLogoutRedirectUris",
  "oauthClient.redirectUris",
  "oauthClient.responseTypes",
  "oauthClient.scopes",
  "oauthConsent.scopes",
  "oauthRefreshToken.scopes",
];
// Names PostgreSQL truncated to 63 bytes in the migrations, where Prisma derives other ones from
// the mapped column feedback_source_id (same columns, same definitions):
const RENAMED = {
  indexes: [
    ["FeedbackSourceFieldMapping_workspaceId_feedbackSourceId_sourceF", "FeedbackSourceFieldMapping_workspaceId_feedback_source_id_s_key"],
    ["FeedbackSourceFormbricksMapping_workspaceId_feedbackSourceId_su", "FeedbackSourceFormbricksMapping_workspaceId_feedback_source_key"],
  ],
  foreignKeys: [
    ["FeedbackSourceFieldMapping_feedbackSourceId_workspaceId_fkey", "FeedbackSourceFieldMapping_feedback_source_id_workspaceId_fkey"],
    ["FeedbackSourceFormbricksMapping_feedbackSourceId_workspaceId_fk", "FeedbackSourceFormbricksMapping_feedback_source_id_workspa_fkey"],
  ],
};

// What fails on today's code, and where.
const KNOWN_FAILING: Record<string, string> = {};

const { project, database, dropLeftoversOf, clone } = realProjectResources(entry);

/** The replayed model with the confirmed differences undone, to compare with the schema's. */
function withoutKnownDifferences(model: SchemaModel): SchemaModel {
  const notNullLists = new Set(NOT_NULL_LISTS);
  const rename = (pairs: string[][], name: string) => pairs.find(([from]) => from === name)?.[1] ?? name;
  return {
    ...model,
    tables: model.tables.map((table) => ({
      ...table,
      columns: table.columns
        .filter((column) => !(table.name === EXTRA_COLUMN[0] && column.name === EXTRA_COLUMN[1]))
        .map((column) => (notNullLists.has(`${table.name}.${column.name}`) ? { ...column, notNull: false } : column)),
      indexes: table.indexes.map((index) => ({ ...index, name: rename(RENAMED.indexes, index.name) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
      foreignKeys: table.foreignKeys.map((key) => ({ ...key, name: rename(RENAMED.foreignKeys, key.name) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    })),
  };
}

const cases = {
  "dbship check on its embedded PostgreSQL (schema folder and migrations path from prisma.config.ts) refuses, naming the extension it lacks: exit 3": async () => {
    const full = await project();
    expect(full.migrations).toHaveLength(N);
    expect(full.migrationsDir).toBe(".prisma-migrations");
    expect(await full.readFile(`.prisma-migrations/${VECTOR_MIGRATION}/migration.sql`)).toContain('CREATE EXTENSION IF NOT EXISTS "vector"');
    const result = await runDbship(["check", "--json"], { cwd: full.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.output).toBe(3);
    expect(result.json.error.code).toBe("EXTENSION_UNAVAILABLE");
    expect(result.json.error.message).toContain('the extension "vector" cannot be installed on the scratch server');
    expect(result.json.error.hint).toContain("--shadow-url");
  },

  // The schema folder's main.prisma declares the extension: found there too, not only in the
  // migrations (before, a folder was read as one file and gave no extension).
  "the schema folder's own extensions are found: with the history's CREATE EXTENSION left out, the refusal still names vector": async () => {
    const full = await project({ withoutUnavailableExtension: "in-migrations" });
    expect(await full.readFile("schema/main.prisma")).toContain('extensions = [pgvector(map: "vector")]');
    const result = await runDbship(["check", "--json"], { cwd: full.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.output).toBe(3);
    expect(result.json.error.code).toBe("EXTENSION_UNAVAILABLE");
    expect(result.json.error.message).toContain('"vector"');
  },

  "without pgvector, dbship check names the migration Prisma cannot apply on this path: exit 3": async () => {
    const full = await project({ withoutUnavailableExtension: "everywhere" });
    const result = await runDbship(["check", "--json"], { cwd: full.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.output).toBe(3);
    expect(result.json.error.code).toBe("SCHEMA_OUT_OF_SYNC");
    expect(result.json.error.message).toContain(`${SPLIT_MIGRATION} failed: ERROR: ${SPLIT_ERROR}`);
  },

  "independently: a bare prisma migrate deploy stops at that migration; sent whole, the history differs from the schema folder by a kept column, 9 NOT NULL lists and 4 truncated names": async () => {
    const full = await project({ withoutUnavailableExtension: "everywhere" });
    const empty = await database("fb_bare");
    const bare = await prismaMigrateDeploy(full, empty.url);
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr + bare.stdout).toContain(SPLIT_ERROR);
    const applied = await ledger(empty.url);
    expect(applied.filter((row) => row.finished)).toHaveLength(full.migrations.indexOf(SPLIT_MIGRATION));
    expect(applied.find((row) => !row.finished)?.migration_name).toBe(SPLIT_MIGRATION);

    const whole = await database("fb_whole");
    expect(await replayWholeScripts(full, whole.url)).toEqual({ applied: N });
    const built = await database("fb_build");
    await buildFromSchema(full, built.url);
    const replayed = projectModel(await readModel(whole.url), "prisma");
    const fromSchema = projectModel(await readModel(built.url), "prisma");
    const column = (model: SchemaModel, name: string) => {
      const [table, col] = name.split(".");
      return model.tables.find((item) => item.name === table)?.columns.find((item) => item.name === col);
    };
    expect(column(replayed, EXTRA_COLUMN.join("."))).toBeDefined();
    expect(column(fromSchema, EXTRA_COLUMN.join("."))).toBeUndefined();
    for (const name of NOT_NULL_LISTS) {
      expect([name, column(replayed, name)?.notNull, column(fromSchema, name)?.notNull]).toEqual([name, true, false]);
    }
    expect(withoutKnownDifferences(replayed)).toEqual(fromSchema);
  },

  "a production Prisma can reach (112 migrations) with rows: dbship deploy refuses before touching it, where a bare prisma migrate deploy fails half-way": async () => {
    const older = await project({ migrations: 112, withoutUnavailableExtension: "everywhere" });
    const full = await project({ withoutUnavailableExtension: "everywhere" });
    expect(full.migrations.indexOf(SPLIT_MIGRATION)).toBe(112);
    const prod = await database("fb_prod");
    const built = await prismaMigrateDeploy(older, prod.url);
    expect(built.exitCode, built.stderr).toBe(0);
    await query(prod.url, `INSERT INTO "Organization" (id, name, "updated_at", billing) VALUES ('org-1', 'Acme', now(), '{}')`);
    const twin = await clone(prod, "fb_twin");
    const before = { fingerprint: schemaFingerprint(await readModel(prod.url)), ledger: await ledger(prod.url) };
    const prefix = `fb${randomBytes(3).toString("hex")}-`;
    dropLeftoversOf(prefix, prod.name);
    await full.writeFile("dbship.config.json", JSON.stringify({ snapshot: { prefix } }, null, 2));

    const result = await runDbship(["deploy", "--yes"], { cwd: full.dir, env: { DATABASE_URL: prod.url }, timeoutMs: 230_000 });
    expect(result.exitCode, result.output).toBe(3);
    expect(result.output).toMatch(new RegExp(`${SPLIT_MIGRATION}:\\d+:\\d+ error prisma-semicolon-split`));
    expect(result.output).toContain("Nothing was changed in production.");
    expect({ fingerprint: schemaFingerprint(await readModel(prod.url)), ledger: await ledger(prod.url) }).toEqual(before);
    expect(await query(prod.url, `SELECT id, name FROM "Organization"`)).toEqual([{ id: "org-1", name: "Acme" }]);

    const bare = await prismaMigrateDeploy(full, twin.url);
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr + bare.stdout).toContain(SPLIT_ERROR);
    expect((await ledger(twin.url)).find((row) => !row.finished)?.migration_name).toBe(SPLIT_MIGRATION);
  },

  "dbship baseline on a database built from the schema folder, then dbship status: up to date": async () => {
    const fresh = await project({ migrations: 0, withoutUnavailableExtension: "everywhere" });
    const prod = await database("fb_pushed");
    await buildFromSchema(fresh, prod.url);
    const baseline = await runDbship(["baseline", "--yes"], { cwd: fresh.dir, env: { DATABASE_URL: prod.url } });
    expect(baseline.exitCode, baseline.output).toBe(0);
    const status = await runDbship(["status"], { cwd: fresh.dir, env: { DATABASE_URL: prod.url } });
    expect(status.exitCode, status.output).toBe(0);
    expect(status.stdout).toContain("up to date");
    expect(await ledger(prod.url)).toEqual([{ migration_name: "0001_baseline", finished: true, rolled_back: false }]);
    // Written where prisma.config.ts says the migrations are.
    expect(await fresh.readFile(".prisma-migrations/0001_baseline/migration.sql")).toMatch(/CREATE TABLE ("public"\.)?"Organization"/);
  },
};

describe(`real project: ${entry.name} (${sourceLabel(entry)}, ${N} migrations)`, () => {
  registerCases(cases, KNOWN_FAILING, 240_000);
});
