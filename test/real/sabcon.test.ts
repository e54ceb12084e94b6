// dbship on the Sabcon shared schema's real history (@juliobrim/prisma-shared 1.0.59: 59 migrations,
// schema.prisma and migrations/ at the package root, a view, row-level security written by hand).
// See test/fixtures/real/README.md.
//
// Its migration 20260326_enable_rls_wave1 (the 51st) has a function body and a DO block between
// $$ … $$. Prisma's WebAssembly engine, the offline path this repository runs, splits a
// migration.sql on every `;` (its native engine sends the file whole), so Prisma itself cannot
// apply that migration here: a bare `prisma migrate deploy` fails half-way through it. The right
// behaviour is for dbship to say so before production is touched, which these cases assert.
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
import { projectModel } from "../../src/verify/schema-scope.js";
import { runDbship } from "../support/cli.js";
import { adminUrl, query } from "../support/postgres.js";
import { registerCases } from "./known-failing.js";
import {
  buildFromSchema,
  corpusEntry,
  ledger,
  prismaMigrateDeploy,
  readModel,
  realProjectResources,
  replayWholeScripts,
} from "./real-project.js";

const entry = corpusEntry("sabcon");
const N = entry.migrationCount;
const explicitPaths = { schema: entry.schema, migrations: entry.migrations };
const SPLIT_MIGRATION = "20260326_enable_rls_wave1";
const SPLIT_ERROR = 'unterminated dollar-quoted string at or near "$$';

// Rows a production at N−10 (after 20260324174358_hardening_multi_tenant_fields) would have.
const SEED = `
INSERT INTO tenant (id, name, slug, "updatedAt") VALUES ('tenant-1', 'Fábrica Norte', 'fabrica-norte', now());
INSERT INTO "Role" (id, name, "tenantId") VALUES ('role-1', 'admin', 'tenant-1');
INSERT INTO "user" (id, name, email, password, "tenantId", "roleId") VALUES ('user-1', 'Ana', 'ana@example.com', 'x', 'tenant-1', 'role-1');
INSERT INTO sector (id, name, "tenantId") VALUES ('sector-1', 'Montagem', 'tenant-1');
INSERT INTO machine (id, name, "sectorId", "tenantId") VALUES
  ('machine-1', 'Prensa 1', 'sector-1', 'tenant-1'),
  ('machine-2', 'Prensa 2', 'sector-1', 'tenant-1');
INSERT INTO product (id, name, "tenantId") VALUES ('product-1', 'Parafuso M6', 'tenant-1');
`;

// What fails on today's code, and where (see the report of the corpus work for the full text).
const KNOWN_FAILING: Record<string, string> = {};

const { project, database, dropLeftoversOf, clone } = realProjectResources(entry);

async function expectCheckNamesTheSplitMigration(dir: string) {
  const result = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: dir, env: { DATABASE_URL: undefined } });
  expect(result.exitCode, result.output).toBe(3);
  expect(result.json.error.code).toBe("SCHEMA_OUT_OF_SYNC");
  expect(result.json.error.message).toContain(`${SPLIT_MIGRATION} failed: ERROR: ${SPLIT_ERROR}`);
}

const cases = {
  "dbship check names the migration Prisma cannot apply on this path, as a bare prisma migrate deploy fails on it": async () => {
    const full = await project({ dbshipConfig: explicitPaths });
    expect(full.migrations).toHaveLength(N);
    await expectCheckNamesTheSplitMigration(full.dir);

    // Independently: Prisma itself, on an empty database, stops at the same migration.
    const empty = await database("sab_bare");
    const bare = await prismaMigrateDeploy(full, empty.url);
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr + bare.stdout).toContain(SPLIT_ERROR);
    const applied = await ledger(empty.url);
    expect(applied.filter((row) => row.finished)).toHaveLength(full.migrations.indexOf(SPLIT_MIGRATION));
    expect(applied.find((row) => !row.finished)?.migration_name).toBe(SPLIT_MIGRATION);

    // And the history is otherwise sound: sent whole (as the native engine sends it) every
    // migration applies, and the result equals Prisma's own SQL for schema.prisma on everything
    // a Prisma schema can express. The rest (the function, FORCE ROW LEVEL SECURITY, the view)
    // is hand-written and "not compared".
    const whole = await database("sab_whole");
    expect(await replayWholeScripts(full, whole.url)).toEqual({ applied: N });
    const built = await database("sab_build");
    await buildFromSchema(full, built.url);
    const replayed = await readModel(whole.url);
    expect(projectModel(replayed, "prisma")).toEqual(projectModel(await readModel(built.url), "prisma"));
    expect(replayed.notCompared.map((object) => `${object.kind} ${object.name}`)).toEqual(
      expect.arrayContaining(["function app_current_tenant_id()", "view productivity_intervals"]),
    );
  },

  "a production at N-10 with rows: dbship deploy refuses before touching it, where a bare prisma migrate deploy fails half-way": async () => {
    const older = await project({ migrations: N - 10 });
    const prod = await database("sab_prod");
    const built = await prismaMigrateDeploy(older, prod.url);
    expect(built.exitCode, built.stderr).toBe(0);
    await query(prod.url, SEED);
    const twin = await clone(prod, "sab_twin");
    const before = { fingerprint: schemaFingerprint(await readModel(prod.url)), ledger: await ledger(prod.url) };
    const full = await project();
    const prefix = `sb${randomBytes(3).toString("hex")}-`;
    dropLeftoversOf(prefix, prod.name);
    await full.writeFile("dbship.config.json", JSON.stringify({ ...explicitPaths, snapshot: { prefix } }, null, 2));

    const result = await runDbship(["deploy", "--yes"], { cwd: full.dir, env: { DATABASE_URL: prod.url }, timeoutMs: 230_000 });
    expect(result.exitCode, result.output).toBe(3);
    expect(result.output).toMatch(new RegExp(`${SPLIT_MIGRATION}:\\d+:\\d+ error prisma-semicolon-split`));
    expect(result.output).toContain("Nothing was changed in production.");
    expect({ fingerprint: schemaFingerprint(await readModel(prod.url)), ledger: await ledger(prod.url) }).toEqual(before);
    expect(await query(prod.url, "SELECT id FROM machine ORDER BY id")).toEqual([{ id: "machine-1" }, { id: "machine-2" }]);

    // What dbship spared production: Prisma alone applies the migrations before it, then fails.
    const bare = await prismaMigrateDeploy(full, twin.url);
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr + bare.stdout).toContain(SPLIT_ERROR);
    expect((await ledger(twin.url)).find((row) => !row.finished)?.migration_name).toBe(SPLIT_MIGRATION);
  },

  "dbship baseline on a database built from schema.prisma, then dbship status: up to date": async () => {
    const fresh = await project({ migrations: 0, dbshipConfig: explicitPaths });
    const prod = await database("sab_pushed");
    await buildFromSchema(fresh, prod.url);
    const baseline = await runDbship(["baseline", "--yes"], { cwd: fresh.dir, env: { DATABASE_URL: prod.url } });
    expect(baseline.exitCode, baseline.output).toBe(0);
    const status = await runDbship(["status"], { cwd: fresh.dir, env: { DATABASE_URL: prod.url } });
    expect(status.exitCode, status.output).toBe(0);
    expect(status.stdout).toContain("up to date");
    expect(await ledger(prod.url)).toEqual([{ migration_name: "0001_baseline", finished: true, rolled_back: false }]);
  },

  // No dbship.config.json paths: only prisma.config.ts (`schema: "schema.prisma"`) says where
  // they are, and Prisma looks for the migrations next to the schema.
  "dbship check finds schema.prisma and migrations/ where prisma.config.ts puts them": async () => {
    const full = await project();
    await expectCheckNamesTheSplitMigration(full.dir);
  },
};

describe(`real project: ${entry.name} (${entry.package} ${entry.version}, ${N} migrations)`, () => {
  registerCases(cases, KNOWN_FAILING, 240_000);
});
