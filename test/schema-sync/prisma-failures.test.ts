// Prisma's own failures are told apart from its output: a schema it cannot validate is "Prisma
// cannot read schema.prisma" (exit 2); an engine it cannot download is said as such (exit 2,
// an environment problem), never blamed on schema.prisma.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { classifyPrismaFailure } from "../../src/prisma/prisma-failure.js";
import { runDbship } from "../support/cli.js";
import { adminUrl } from "../support/postgres.js";
import { createProject, type TestProject } from "../support/project.js";

describe("Prisma's failures, told apart", () => {
  let project: TestProject | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it("classifies Prisma's outputs", () => {
    const run = (stderr: string) => ({ exitCode: 1, stdout: "", stderr });
    expect(classifyPrismaFailure(run("Error: request to https://binaries.prisma.sh/all_commits/abc/debian-openssl-3.0.x/schema-engine.gz.sha256 failed, reason: getaddrinfo ENOTFOUND binaries.prisma.sh"))).toBe("engine");
    expect(classifyPrismaFailure(run("Error: Failed to fetch the engine file at https://example.test/schema-engine.gz - 403 Forbidden"))).toBe("engine");
    expect(classifyPrismaFailure(run('Error: P1012\n\nerror: Type "Strin" is neither a built-in type, nor refers to another model, composite type, or enum.\n  -->  prisma/schema.prisma:17\n\nValidation Error Count: 1'))).toBe("schema");
    expect(classifyPrismaFailure(run("Error: Can't reach database server at `127.0.0.1:9`"))).toBe("other");
  });

  it("an engine that cannot be downloaded is not reported as a schema Prisma cannot read", async () => {
    project = await createProject();
    // Prisma's native schema engine (no `engine: "js"`), from a mirror nobody listens on.
    await project.writeFile("prisma.config.ts", 'import { defineConfig } from "prisma/config";\nexport default defineConfig({ schema: "prisma/schema.prisma" });\n');
    const result = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], {
      cwd: project.dir,
      env: { DATABASE_URL: undefined, PRISMA_ENGINES_MIRROR: "http://127.0.0.1:9", PRISMA_SCHEMA_ENGINE_BINARY: undefined },
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.json.error.code).toBe("PRISMA_ENGINE_UNAVAILABLE");
    expect(result.json.error.message).not.toContain("cannot read");
    expect(result.json.error.message).toMatch(/engine/);
  });

  it("a schema Prisma cannot validate is still SCHEMA_INVALID (exit 2) with Prisma's words", async () => {
    project = await createProject();
    const file = path.join(project.dir, "prisma/schema.prisma");
    await project.writeFile("prisma/schema.prisma", (await readFile(file, "utf8")).replace("model Moment {", "model Moment {\n  broken Strin"));
    const result = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: project.dir, env: { DATABASE_URL: undefined } });
    expect(result.exitCode, result.stdout).toBe(2);
    expect(result.json.error.code).toBe("SCHEMA_INVALID");
    expect(result.json.error.message).toContain("Prisma cannot read");
  });
});
