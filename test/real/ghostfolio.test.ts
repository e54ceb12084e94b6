// dbship on Ghostfolio's real history (test/fixtures/real/ghostfolio: 121 migrations, stored at
// commit c542997d2799). Its Prisma config sits at .config/prisma.ts; see test/fixtures/real/README.md.
//
// No dbship.config.json names the schema or the migrations: dbship finds them the way Prisma
// does, through the project's prisma.config.ts.
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
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
  sourceLabel,
} from "./real-project.js";

const entry = corpusEntry("ghostfolio");
const N = entry.migrationCount;

// The last 10 drop three columns (Account.balance, Account.isExcluded, Order.isDraft, after
// moving their meaning into tags), a column and an enum of Access (permissions, after deriving
// scopes from it), and three indexes of Order.
const DATA_LOSS_RULES = "ban-drop-column";
// And one finding acknowledged as a user would, with its reason: 20260815130000 backfills the
// new Access.scopes column with an UPDATE that is meant to reach every row.
const LINT_ALLOW = [
  { migration: "20260815130000_added_scopes_to_access", rule: "require-where-on-update-delete", reason: "backfill of the new scopes column: every access gets its scopes" },
];

// Rows a production at N−10 (after 20260620163851_added_data_gathering_frequency_to_symbol_profile)
// would have: two users, an account excluded from analysis and one not, a draft order and a
// booked one, a private access granted to the other user with READ and a public one.
const SEED = `
INSERT INTO "User" (id, "updatedAt") VALUES ('user-1', now()), ('user-2', now());
INSERT INTO "Account" (id, "userId", "updatedAt", name, balance, "isExcluded") VALUES
  ('account-1', 'user-1', now(), 'Broker', 1000, false),
  ('account-2', 'user-1', now(), 'Old savings', 50, true);
INSERT INTO "SymbolProfile" (id, "dataSource", symbol, currency, "updatedAt") VALUES ('profile-1', 'YAHOO', 'AAPL', 'USD', now());
INSERT INTO "Order" (id, date, fee, quantity, type, "unitPrice", "userId", "updatedAt", "symbolProfileId", "accountId", "accountUserId", "isDraft") VALUES
  ('order-1', '2026-01-02', 1, 10, 'BUY', 150, 'user-1', now(), 'profile-1', 'account-1', 'user-1', false),
  ('order-2', '2026-02-03', 1, 5, 'BUY', 160, 'user-1', now(), 'profile-1', 'account-1', 'user-1', true);
INSERT INTO "Access" (id, "userId", "updatedAt", "granteeUserId", permissions) VALUES
  ('access-1', 'user-1', now(), 'user-2', ARRAY['READ']::"AccessPermission"[]),
  ('access-2', 'user-1', now(), NULL, ARRAY['READ_RESTRICTED']::"AccessPermission"[]);
`;

// What the last 10 migrations make of SEED's rows (their own UPDATE / INSERT … SELECT).
const MOVED_ROWS = `
SELECT (SELECT json_agg(json_build_object('account', a."accountId", 'tag', t.name) ORDER BY a."accountId") FROM "TagsOnAccounts" a JOIN "Tag" t ON t.id = a."tagId") AS excluded,
       (SELECT json_agg(json_build_object('order', o."A", 'tag', t.name) ORDER BY o."A") FROM "_OrderToTag" o JOIN "Tag" t ON t.id = o."B") AS drafts,
       (SELECT json_agg(json_build_object('access', id, 'scopes', scopes) ORDER BY id) FROM "Access") AS accesses`;

// What fails on today's code, and where.
const KNOWN_FAILING: Record<string, string> = {};

const resources = realProjectResources(entry);
const { project, database, dropLeftoversOf, clone } = resources;

/** A database at N−10 built by a bare `prisma migrate deploy`, with SEED's rows. */
const production = (prefix: string) => resources.productionAt(N - 10, SEED, prefix);

const cases = {
  "dbship check (embedded PostgreSQL, paths from prisma.config.ts) agrees: exit 0, as the shell sees it": async () => {
    const full = await project();
    expect(full.migrations).toHaveLength(N);
    const result = await runDbship(["check", "--json"], { cwd: full.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.json).toMatchObject({ inSync: true, migrations: N, differences: [], notCompared: [] });
  },

  "independently: a bare prisma migrate deploy and Prisma's SQL for schema.prisma give the same catalog, but for the order of enum values": async () => {
    const full = await project();
    const replay = await database("gf_replay");
    const deployed = await prismaMigrateDeploy(full, replay.url);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    const built = await database("gf_build");
    await buildFromSchema(full, built.url);
    const replayed = await readModel(replay.url);
    const fromSchema = await readModel(built.url);
    // Values added by ALTER TYPE … ADD VALUE come last; Prisma writes them in schema order.
    // Neither Prisma Migrate nor dbship's Prisma scope counts the order (confirm-by-hand.sh).
    const reordered = replayed.enums.filter((item) => item.labels.join() !== fromSchema.enums.find((other) => other.name === item.name)?.labels.join()).map((item) => item.name);
    expect(reordered).toEqual(["AssetClass", "AssetSubClass", "DataSource", "Provider", "Role"]);
    expect(projectModel(replayed, "prisma")).toEqual(projectModel(fromSchema, "prisma"));
  },

  "a production at N-10 with rows takes the last 10 with dbship deploy and ends equal to a bare prisma migrate deploy": async () => {
    const prod = await production("gf_prod");
    const twin = await clone(prod, "gf_twin");
    const full = await project();
    const bare = await prismaMigrateDeploy(full, twin.url);
    expect(bare.exitCode, bare.stderr + bare.stdout).toBe(0);

    const prefix = `gf${randomBytes(3).toString("hex")}-`;
    dropLeftoversOf(prefix, prod.name);
    await full.writeFile("dbship.config.json", JSON.stringify({ snapshot: { prefix }, lint: { allow: LINT_ALLOW } }, null, 2));
    const result = await runDbship(["deploy", "--yes", "--allow", DATA_LOSS_RULES], {
      cwd: full.dir,
      env: { DATABASE_URL: prod.url },
      timeoutMs: 230_000,
    });
    expect(result.exitCode, result.output).toBe(0);

    expect(schemaFingerprint(await readModel(prod.url))).toBe(schemaFingerprint(await readModel(twin.url)));
    const names = await ledger(prod.url);
    expect(names).toEqual(await ledger(twin.url));
    expect(names).toHaveLength(N);
    const [moved] = await query(prod.url, MOVED_ROWS);
    expect(moved).toEqual({
      excluded: [{ account: "account-2", tag: "EXCLUDE_FROM_ANALYSIS" }],
      drafts: [{ order: "order-2", tag: "DRAFT" }],
      accesses: [
        { access: "access-1", scopes: ["account:read", "activity:read", "portfolio:read", "portfolio:read:values", "watchlist:read"] },
        { access: "access-2", scopes: ["activity:read", "portfolio:read"] },
      ],
    });
    expect(await query(twin.url, MOVED_ROWS)).toEqual([moved]);
  },

  "dbship baseline on a database built from schema.prisma, then dbship status: up to date": async () => {
    const fresh = await project({ migrations: 0 });
    const prod = await database("gf_pushed");
    await buildFromSchema(fresh, prod.url);
    const baseline = await runDbship(["baseline", "--yes"], { cwd: fresh.dir, env: { DATABASE_URL: prod.url } });
    expect(baseline.exitCode, baseline.output).toBe(0);
    const status = await runDbship(["status"], { cwd: fresh.dir, env: { DATABASE_URL: prod.url } });
    expect(status.exitCode, status.output).toBe(0);
    expect(status.stdout).toContain("up to date");
    expect(await ledger(prod.url)).toEqual([{ migration_name: "0001_baseline", finished: true, rolled_back: false }]);
  },
};

describe(`real project: ${entry.name} (${sourceLabel(entry)}, ${N} migrations)`, () => {
  registerCases(cases, KNOWN_FAILING, 240_000);
});
