// What lint reads from production's catalog, on the real server: sizes (partitioned tables, never
// analyzed ones), validated NOT NULL checks with quoted names, and tables with policies.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTablesWithPolicies, readTableSizes, readValidNotNullChecks } from "../../src/lint/production-facts.js";
import { createTestDatabase, query, withClient, type TestDatabase } from "../support/postgres.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("facts");
});
afterAll(async () => {
  await db?.drop();
});

const client = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db.url, (c) => fn(c as unknown as pg.Client));

describe("production facts for lint", () => {
  it("sizes: estimates from the catalog, null rows before ANALYZE, a partitioned table as the sum of its partitions", async () => {
    await query(
      db.url,
      `CREATE TABLE "Recipient" (id int); INSERT INTO "Recipient" SELECT generate_series(1, 40);
       CREATE TABLE logs (at date, body text) PARTITION BY RANGE (at);
       CREATE TABLE logs_a PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');
       CREATE TABLE logs_b PARTITION OF logs FOR VALUES FROM ('2025-07-01') TO ('2026-01-01');
       INSERT INTO logs SELECT '2025-01-01'::date + (i % 300), repeat('x', 100) FROM generate_series(1, 3000) i`,
    );
    const before = await client((c) => readTableSizes(c, ["public.recipient", "public.logs", "public.missing"], undefined));
    expect(before.get("public.recipient")).toMatchObject({ name: "Recipient", rows: null });
    expect(before.get("public.recipient")!.bytes).toBeGreaterThan(0);
    expect(before.has("public.missing")).toBe(false);

    await query(db.url, `ANALYZE "Recipient"; ANALYZE logs_a; ANALYZE logs_b`);
    const after = await client((c) => readTableSizes(c, ["public.recipient", "public.logs"], undefined));
    expect(after.get("public.recipient")).toMatchObject({ rows: 40 });
    const leaves = await query<{ bytes: string }>(db.url, "SELECT (pg_total_relation_size('logs_a') + pg_total_relation_size('logs_b'))::text AS bytes");
    expect(after.get("public.logs")).toEqual({ name: "logs", rows: 3000, bytes: Number(leaves[0]!.bytes) });
  });

  it("valid NOT NULL checks: only validated, only exactly col IS NOT NULL, quoted names included", async () => {
    await query(
      db.url,
      `CREATE TABLE people ("createdAt" timestamptz, email text, nick text, age int);
       ALTER TABLE people ADD CONSTRAINT a CHECK ("createdAt" IS NOT NULL);
       ALTER TABLE people ADD CONSTRAINT b CHECK (email IS NOT NULL) NOT VALID;
       ALTER TABLE people ADD CONSTRAINT c CHECK (nick IS NOT NULL AND nick <> '');
       ALTER TABLE people ADD CONSTRAINT d CHECK (age IS NOT NULL)`,
    );
    expect([...(await client(readValidNotNullChecks))].sort()).toEqual(["public.people.age", "public.people.createdat"]);
  });

  it("tables with a row-level security policy", async () => {
    await query(db.url, `CREATE TABLE secrets (id int); CREATE POLICY own ON secrets USING (true); CREATE TABLE open_data (id int)`);
    expect([...(await client(readTablesWithPolicies))]).toEqual(["public.secrets"]);
  });
});
