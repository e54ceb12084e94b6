// The questions dbship asks when a person is at a terminal. util-linux `script` gives the CLI a
// real pseudo-terminal (stdin, stdout and stderr are TTYs) and types the answer. Its terminal
// reports 0 columns, which once sent the spinner into an endless loop (src/ui/progress.ts).
import { execa } from "execa";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { testEnv } from "../support/cli.js";
import { databasesLike } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { repoRoot } from "../support/project.js";

/** Runs dbship at a terminal and types `answer` when it asks (stdin stays open, as a person's). */
async function atTerminal(prod: Production, args: string[], answer: string) {
  const command = ["node", path.join(repoRoot, "bin/dbship.js"), ...args].map((arg) => `'${arg}'`).join(" ");
  const child = execa("script", ["-qec", command, "/dev/null"], {
    cwd: prod.project.dir,
    env: testEnv({ DATABASE_URL: prod.db.url }),
    stdin: "pipe",
    reject: false,
    timeout: 110_000,
  });
  let screen = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const before = screen;
    screen += stripVTControlCharacters(chunk.toString());
    if (!before.includes("[y/N]") && screen.includes("[y/N]")) child.stdin!.write(`${answer}\n`);
  });
  const result = await child;
  child.stdin!.end();
  // `script` returns the child's exit code and merges its streams, as a terminal shows them.
  return { exitCode: result.exitCode, screen };
}

describe("on a terminal", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("deploy asks before changing anything; no is exit 3 with nothing changed", async () => {
    prod = await createProduction();
    const ledger = await prod.ledger();
    const result = await atTerminal(prod, ["deploy"], "n");
    expect(result.screen).toMatch(/Apply 1 migration\(s\) to 127\.0\.0\.1:\d+\/prod_\w+: 0002_moment_title_length\? \[y\/N\]/);
    expect(result.exitCode).toBe(3);
    expect(result.screen).toContain("deploy not confirmed [CONFIRMATION_REQUIRED]");
    expect(await prod.ledger()).toEqual(ledger);
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });

  it("rollback shows what it replaces, what it discards and where the backup goes, then restores on yes", async () => {
    prod = await createProduction({ titles: ["x".repeat(250)] });
    const failed = await prod.dbship(["deploy", "--no-rehearsal", "--allow-destructive"]);
    expect(failed.exitCode).toBe(1);
    const [snapshot] = await databasesLike(prod.prefix);
    const result = await atTerminal(prod, ["rollback", "--to", snapshot!], "y");
    expect(result.screen).toMatch(new RegExp(`Replace production \\(127\\.0\\.0\\.1:\\d+/${prod.db.name}\\) with snapshot ${snapshot}`));
    expect(result.screen).toMatch(/production's current state is kept as pre-rollback-\d{8}-\d{6}/);
    expect(result.screen).toContain("row counts are the same in production and the snapshot");
    expect(result.exitCode).toBe(0);
    expect(result.screen).toContain("verified: migrations = snapshot's, schema = snapshot's");
    // On a terminal the backup's connection string is shown in full.
    expect(result.screen).toMatch(/backup: pre-rollback-\S+ \(id \d+\) postgresql:\/\/postgres:dbship@/);
    expect((await prod.ledger()).map((row) => row.migration_name)).toEqual(["0001_baseline"]);
  });
});
