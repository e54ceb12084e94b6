import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, requireDatabaseUrl } from "../../src/config.js";
import { maskUrl } from "../../src/infra/urls.js";
import { githubMaskCommands, presentUrl } from "../../src/ui/secrets.js";

async function dirWith(config?: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-config-"));
  if (config !== undefined) await writeFile(path.join(dir, "dbship.config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return dir;
}

describe("config", () => {
  it("has the documented defaults and reads the URL from the named variable", async () => {
    const cwd = await dirWith();
    const config = await loadConfig({ cwd }, { DATABASE_URL: "postgresql://u:p@h/db" });
    expect(config).toMatchObject({
      provider: "postgres",
      schemaPath: path.join(cwd, "prisma/schema.prisma"),
      migrationsDir: path.join(cwd, "prisma/migrations"),
      databaseUrlEnv: "DATABASE_URL",
      databaseUrl: "postgresql://u:p@h/db",
      snapshot: { prefix: "pre-migration-", retentionDays: 7 },
      rehearsal: true,
      neon: { productionBranch: "production" },
    });
  });

  it("flags win over the environment, which wins over the file", async () => {
    const cwd = await dirWith({ provider: "postgres", databaseUrlEnv: "PROD_URL", neon: { projectId: "from-file-1" } });
    const env = { PROD_URL: "postgresql://x/y", DBSHIP_PROVIDER: "neon", NEON_PROJECT_ID: "from-env-2", NEON_API_KEY: "k" };
    expect((await loadConfig({ cwd }, env)).provider).toBe("neon");
    expect((await loadConfig({ cwd, provider: "postgres" }, env)).provider).toBe("postgres");
    const config = await loadConfig({ cwd }, env);
    expect(config.databaseUrl).toBe("postgresql://x/y");
    expect(config.neon.projectId).toBe("from-file-1");
  });

  it("names the missing variable and the fix", async () => {
    const config = await loadConfig({ cwd: await dirWith({ databaseUrlEnv: "PROD_URL" }) }, {});
    expect(() => requireDatabaseUrl(config)).toThrow(expect.objectContaining({ code: "ENV_MISSING", message: "PROD_URL is not set", exitCode: 2 }));
  });

  it("reports invalid JSON and wrong fields as CONFIG_INVALID (exit 2)", async () => {
    await expect(loadConfig({ cwd: await dirWith("{ provider: neon }") }, {})).rejects.toMatchObject({ code: "CONFIG_INVALID", exitCode: 2 });
    await expect(loadConfig({ cwd: await dirWith({ snapshot: { prefix: "Bad Prefix" } }) }, {})).rejects.toMatchObject({
      message: expect.stringContaining("snapshot.prefix: lower-case letters"),
    });
    await expect(loadConfig({ cwd: await dirWith({ neon: { projectId: "x", apikey: "secret" } }) }, {})).rejects.toMatchObject({
      message: expect.stringContaining("unknown field neon.apikey"),
    });
  });
});

describe("secrets", () => {
  const url = "postgresql://owner:s3cr%40t@ep-x.neon.tech/neondb?sslmode=require";

  it("masks the password and keeps everything else", () => {
    expect(maskUrl(url)).toBe("postgresql://owner:****@ep-x.neon.tech/neondb?sslmode=require");
    expect(presentUrl(url, { reveal: false })).not.toContain("s3cr");
    expect(presentUrl(url, { reveal: true })).toBe(url);
  });

  it("registers shown passwords with GitHub Actions, and nothing when they are masked", () => {
    expect(githubMaskCommands([url], { reveal: true }, { GITHUB_ACTIONS: "true" })).toEqual([
      "::add-mask::s3cr@t",
      // As written in the URL that is printed (the runner reads %25 as %).
      "::add-mask::s3cr%2540t",
    ]);
    expect(githubMaskCommands([url], { reveal: false }, { GITHUB_ACTIONS: "true" })).toEqual([]);
    expect(githubMaskCommands([url], { reveal: true }, {})).toEqual([]);
  });
});
