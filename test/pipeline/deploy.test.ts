// dbship deploy end to end: the built CLI, real PostgreSQL, the real Prisma CLI, the example
// project. Each test builds its own production at the baseline (migration 0001) with rows.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databasesLike, query, withClient } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

const LONG_TITLE = "x".repeat(250);

/** schema.prisma as a developer edits it alongside a migration that adds moments.subtitle. */
async function addSubtitleToSchema(prod: Production) {
  const schema = await readFile(path.join(prod.project.dir, "prisma/schema.prisma"), "utf8");
  await prod.project.writeFile("prisma/schema.prisma", schema.replace("  body      String?", "  body      String?\n  subtitle  String?"));
}

describe("dbship deploy", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("applies the pending migration after a snapshot and a rehearsal, and keeps the snapshot with the pre-deploy data", async () => {
    prod = await createProduction();
    const before = await prod.moments();
    const result = await prod.dbship(["deploy"]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain("Deployed 1 migration(s): 0002_moment_title_length");
    expect(result.stderr).toMatch(/Preflight.*1 pending: 0002_moment_title_length/);
    expect(result.stderr).toMatch(/Rehearsal on a copy of production.*applied to dbship-scratch-/);

    const ledger = await prod.ledger();
    expect(ledger.map((row) => [row.migration_name, row.finished_at !== null])).toEqual([
      ["0001_baseline", true],
      ["0002_moment_title_length", true],
    ]);
    await expect(query(prod.db.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [LONG_TITLE])).rejects.toThrow(
      /moments_title_length/,
    );

    const snapshots = await databasesLike(prod.prefix);
    expect(snapshots).toHaveLength(1);
    const snapshotUrl = prod.db.url.replace(prod.db.name, snapshots[0]!);
    expect(await query(snapshotUrl, "SELECT id::text, title FROM moments ORDER BY title, id")).toEqual(before);
    expect((await query(snapshotUrl, "SELECT migration_name FROM _prisma_migrations")).map((row) => row.migration_name)).toEqual(["0001_baseline"]);
    // The rehearsal copy is gone.
    expect(await databasesLike(`dbship-scratch-${prod.db.name}`)).toEqual([]);
  });

  it("says up to date and takes no snapshot when nothing is pending", async () => {
    prod = await createProduction({ applied: 2 });
    const result = await prod.dbship(["deploy"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Production is up to date");
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });

  it("--dry-run runs preflight, shows the plan and changes nothing", async () => {
    prod = await createProduction();
    const ledgerBefore = await prod.ledger();
    const result = await prod.dbship(["deploy", "--dry-run", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(result.json.steps.map((step: { status: string }) => step.status)).toEqual(["ok", "skipped", "skipped", "skipped", "skipped"]);
    expect(result.json.steps[3].detail).toBe("dry run: would apply 0002_moment_title_length");
    expect(result.json.migrations.pending).toEqual(["0002_moment_title_length"]);
    expect(await prod.ledger()).toEqual(ledgerBefore);
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });

  it("a failing rehearsal leaves production byte-for-byte unchanged and names the migration and the database error", async () => {
    prod = await createProduction({ titles: ["ok", LONG_TITLE] });
    const ledgerBefore = await prod.ledger();
    const rowsBefore = await query(prod.db.url, "SELECT * FROM moments ORDER BY id");
    const result = await prod.dbship(["deploy"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr + result.stdout).toMatch(/migration 0002_moment_title_length failed on the rehearsal copy: .*moments_title_length.*is violated by some row/);
    expect(result.stdout).toContain("Production was not touched");
    expect(result.stdout).not.toContain("dbship rollback");
    expect(await prod.ledger()).toEqual(ledgerBefore);
    expect(await query(prod.db.url, "SELECT * FROM moments ORDER BY id")).toEqual(rowsBefore);
    const constraints = await query(prod.db.url, "SELECT conname FROM pg_constraint WHERE conrelid = 'moments'::regclass AND contype = 'c'");
    expect(constraints).toEqual([]);
    expect(await databasesLike(`dbship-scratch-${prod.db.name}`)).toEqual([]);
  });

  it("a failure on production prints rollback instructions whose connection string reaches the snapshot with the pre-deploy data", async () => {
    prod = await createProduction({ titles: ["ok", LONG_TITLE] });
    const before = await prod.moments();
    const result = await prod.dbship(["deploy", "--no-rehearsal", "--show-secrets", "--json"]);
    expect(result.exitCode).toBe(1);
    const report = result.json;
    expect(report.error.code).toBe("DEPLOY_FAILED");
    expect(report.rollback.failedStep).toBe("deploy");
    expect(report.rollback.databaseError).toMatch(/moments_title_length/);
    expect(report.rollback.command).toBe(`dbship rollback --to ${report.snapshot.name}`);
    expect(report.rollback.resolve).toEqual(["npx prisma migrate resolve --rolled-back 0002_moment_title_length --schema prisma/schema.prisma"]);
    expect(report.migrations.failed).toEqual(["0002_moment_title_length"]);
    // The printed connection string connects to the snapshot, which holds the pre-deploy data.
    const rows = await withClient(report.rollback.connectionString, async (client) => (await client.query("SELECT id::text, title FROM moments ORDER BY title, id")).rows);
    expect(rows).toEqual(before);
  });

  it("the human view of a production failure shows every part of the rollback instructions", async () => {
    prod = await createProduction({ titles: [LONG_TITLE] });
    const result = await prod.dbship(["deploy", "--no-rehearsal"]);
    expect(result.exitCode).toBe(1);
    const out = result.stdout;
    expect(out.indexOf("✖")).toBe(0);
    expect(out).toMatch(/failed step: +deploy/);
    expect(out).toMatch(/database error: +.*moments_title_length/);
    expect(out).toMatch(new RegExp(`snapshot: +${prod.prefix}\\d{8}-\\d{6} \\(id \\d+, taken \\d{4}-`));
    // stdout is not a terminal here: the password is masked.
    expect(out).toMatch(/connection: +postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\//);
    expect(out).not.toContain(":dbship@");
    expect(out).toMatch(new RegExp(`restore: +dbship rollback --to ${prod.prefix}\\d{8}-\\d{6}`));
    expect(out).toContain("point DATABASE_URL at the snapshot");
    expect(out).toContain("npx prisma migrate resolve --rolled-back 0002_moment_title_length");
  });

  it("reports a half-applied migration: the statement before the failing one stayed applied", async () => {
    prod = await createProduction({
      migrations: 1,
      titles: [LONG_TITLE],
      extra: {
        "0002_subtitle_and_check": [
          'ALTER TABLE "moments" ADD COLUMN "subtitle" TEXT;',
          'ALTER TABLE "moments" ADD CONSTRAINT "moments_title_length" CHECK (char_length("title") <= 200);',
          "",
        ].join("\n"),
      },
    });
    await addSubtitleToSchema(prod);
    // The CHECK without NOT VALID is a lint error: this test is about what happens past lint.
    const result = await prod.dbship(["deploy", "--no-rehearsal", "--allow-destructive", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.json.migrations.failed).toEqual(["0002_subtitle_and_check"]);
    expect(result.json.productionChanges).toEqual([expect.stringMatching(/moments\.subtitle/)]);
    const columns = await query(prod.db.url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'moments' AND column_name = 'subtitle'");
    expect(columns).toHaveLength(1);
  });

  it("--json prints exactly one JSON document matching the contract, with progress on stderr", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(["command", "ok", "exitCode", "steps", "migrations", "snapshot", "rollback", "error"]));
    expect(report).toMatchObject({ command: "deploy", ok: true, exitCode: 0, rollback: null, error: null });
    expect(report.steps.map((step: { name: string }) => step.name)).toEqual(["preflight", "snapshot", "rehearsal", "deploy", "post-verify"]);
    for (const step of report.steps) {
      expect(step).toEqual({ name: expect.any(String), status: "ok", durationMs: expect.any(Number), detail: expect.any(String) });
    }
    expect(report.migrations).toEqual({ applied: ["0002_moment_title_length"], pending: [], failed: [], modified: [], missing: [] });
    expect(report.snapshot).toEqual({
      name: expect.stringMatching(new RegExp(`^${prod.prefix}\\d{8}-\\d{6}$`)),
      id: expect.stringMatching(/^\d+$/),
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      // stdout is not a terminal and --show-secrets was not given: masked.
      connectionString: expect.stringMatching(/^postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\//),
    });
    expect(result.stderr).toContain("Preflight");
  });
});
