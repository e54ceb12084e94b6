// Outcomes that must say what really happened (issue 16, item 9): a Ctrl-C in preflight, a
// rehearsal that times out, a dry run with pending migrations, a role that may not copy databases.
import { execa } from "execa";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testEnv } from "../support/cli.js";
import { adminUrl, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { repoRoot } from "../support/project.js";

describe("outcomes that tell the truth", () => {
  let prod: Production | undefined;
  let role: string | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    if (role) await query(adminUrl(), `DROP OWNED BY "${role}"; DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
    prod = role = undefined;
  });

  it("Ctrl-C during preflight's schema check is reported as interrupted, not as a schema out of sync", async () => {
    prod = await createProduction();
    const ledger = await prod.ledger();
    const child = execa("node", [path.join(repoRoot, "bin/dbship.js"), "deploy"], {
      cwd: prod.project.dir,
      env: testEnv({ DATABASE_URL: prod.db.url }),
      reject: false,
    });
    let stderr = "";
    await new Promise<void>((resolve) => {
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("schema check: replaying")) resolve();
      });
      void child.finally(() => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(1);
    expect(result.stdout).toContain("interrupted during preflight [DEPLOY_INTERRUPTED]");
    expect(result.stdout).not.toContain("SCHEMA_OUT_OF_SYNC");
    expect(result.stdout).toContain("Nothing was changed in production.");
    expect(await prod.ledger()).toEqual(ledger);
  });

  it("a rehearsal that runs past the deploy timeout is called a timeout", async () => {
    // The copy of production has rows, so it sleeps; preflight's replay on empty tables does not.
    prod = await createProduction({ extra: { "0003_slow": "SELECT pg_sleep(60) FROM moments LIMIT 1;\n" }, config: { deployTimeoutSeconds: 10 } });
    const ledger = await prod.ledger();
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.json.error.code).toBe("REHEARSAL_TIMEOUT");
    expect(result.json.error.message).toContain("did not finish within 10 s");
    expect(result.json.rollback).toBeNull();
    expect(await prod.ledger()).toEqual(ledger);
  });

  it("deploy --dry-run with a pending migration does not say production is up to date", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["deploy", "--dry-run"]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).not.toContain("up to date");
    expect(result.stdout).toContain("would apply 1 migration(s): 0002_moment_title_length");
    expect(result.stdout).toContain("nothing was changed");
  });

  it("snapshot create by a role that may only read ends in a clear error, not an internal one", async () => {
    prod = await createProduction();
    role = `ro_${prod.prefix.replace(/-/g, "")}`;
    await query(adminUrl(), `CREATE ROLE "${role}" LOGIN PASSWORD 'readonly'; GRANT CONNECT ON DATABASE "${prod.db.name}" TO "${role}"`);
    await query(prod.db.url, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${role}"`);
    const url = new URL(prod.db.url);
    url.username = role;
    url.password = "readonly";
    const result = await prod.dbship(["snapshot", "create"], { DATABASE_URL: url.toString() });
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toContain("[PERMISSION_DENIED]");
    expect(result.output).toContain("permission denied to create database");
    expect(result.output).not.toContain("internal error");
  });
});
