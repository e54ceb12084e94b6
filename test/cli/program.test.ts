// The program as bin/dbship.js starts it: the bundled CLI (scripts/bundle.mjs). What the bundle
// could get wrong on its own: the version (read from package.json by walking up from the bundle),
// the help, and usage errors.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { repoRoot } from "../support/project.js";

describe("dbship program", () => {
  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
    const result = await runDbship(["--version"], { cwd: os.tmpdir() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it("--help lists every command, the environment and the exit codes", async () => {
    const result = await runDbship(["--help"], { cwd: os.tmpdir() });
    expect(result.exitCode).toBe(0);
    for (const command of ["init", "baseline", "status", "check", "lint", "plan", "deploy", "snapshot", "rollback"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect(result.stdout).toContain("NEON_API_KEY");
    expect(result.stdout).toContain("Exit codes: 0");
  });

  it("an unknown command is a usage error (exit 2) without a stack trace", async () => {
    const result = await runDbship(["deplyo"], { cwd: os.tmpdir() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("deplyo");
    expect(result.output).not.toMatch(/\n\s+at /);
  });
});
