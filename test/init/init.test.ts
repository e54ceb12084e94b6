// dbship init, run as users run it (the built CLI, no terminal) on throwaway project folders:
// which scripts it adds, what it never replaces without --force, formatting kept byte for byte,
// a second run changing nothing, package-manager detection, the config it writes, --json.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configFileSchema } from "../../src/config.js";
import { runInit } from "../../src/init/init-project.js";
import { runDbship } from "../support/cli.js";

const folders: string[] = [];

afterEach(async () => {
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A project folder with `files` (name → content). A .git folder bounds the lock-file search. */
async function folder(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "dbship-init-"));
  folders.push(root);
  await mkdir(path.join(root, ".git"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  return root;
}

const read = (dir: string, name: string) => readFile(path.join(dir, name), "utf8");
const init = (dir: string, ...args: string[]) => runDbship(["init", ...args], { cwd: dir });

const SAMPLE = `{
  "name": "moments-app",
  "private": true,
  "scripts": {
    "dev": "next dev",
    "db:push": "prisma db push"
  },
  "devDependencies": {
    "prisma": "6.19.3"
  }
}
`;

describe("dbship init: package scripts", () => {
  it("adds the four scripts after the existing ones and keeps db:push and every other script", async () => {
    const dir = await folder({ "package.json": SAMPLE });
    const result = await init(dir);
    expect(result.exitCode, result.output).toBe(0);
    expect(await read(dir, "package.json")).toBe(`{
  "name": "moments-app",
  "private": true,
  "scripts": {
    "dev": "next dev",
    "db:push": "prisma db push",
    "db:migrate": "prisma migrate dev",
    "db:migrate:prod": "dbship deploy",
    "db:migrate:status": "dbship status",
    "db:snapshot": "dbship snapshot create"
  },
  "devDependencies": {
    "prisma": "6.19.3"
  }
}
`);
    expect(result.stdout).toContain("added to package.json: db:migrate, db:migrate:prod, db:migrate:status, db:snapshot");
    expect(result.stdout).toContain("db:push is left as it is");
  });

  it("keeps the file's own formatting: tabs, CRLF, no final newline, key order", async () => {
    const original = '{\r\n\t"scripts": {\r\n\t\t"db:push": "prisma db push"\r\n\t},\r\n\t"name": "tabs",\r\n\t"files": [\r\n\t\t"dist"\r\n\t]\r\n}';
    const dir = await folder({ "package.json": original });
    expect((await init(dir)).exitCode).toBe(0);
    expect(await read(dir, "package.json")).toBe(
      '{\r\n\t"scripts": {\r\n\t\t"db:push": "prisma db push",\r\n\t\t"db:migrate": "prisma migrate dev",\r\n\t\t"db:migrate:prod": "dbship deploy",\r\n\t\t"db:migrate:status": "dbship status",\r\n\t\t"db:snapshot": "dbship snapshot create"\r\n\t},\r\n\t"name": "tabs",\r\n\t"files": [\r\n\t\t"dist"\r\n\t]\r\n}',
    );
  });

  it("adds a scripts object at the end when there is none", async () => {
    const dir = await folder({ "package.json": '{\n    "name": "bare",\n    "version": "1.0.0"\n}\n' });
    expect((await init(dir)).exitCode).toBe(0);
    const text = await read(dir, "package.json");
    expect(Object.keys(JSON.parse(text))).toEqual(["name", "version", "scripts"]);
    expect(text).toContain('\n    "scripts": {\n        "db:migrate": "prisma migrate dev",');
  });

  it("keeps an existing different script without --force, and says what it kept and why", async () => {
    const dir = await folder({ "package.json": SAMPLE.replace('"dev": "next dev"', '"db:migrate": "prisma migrate dev --skip-seed"') });
    const result = await init(dir, "--json");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.json.scriptsKept).toEqual([{ name: "db:migrate", existing: "prisma migrate dev --skip-seed", wanted: "prisma migrate dev" }]);
    expect(result.json.scriptsAdded).toEqual(["db:migrate:prod", "db:migrate:status", "db:snapshot"]);
    expect(JSON.parse(await read(dir, "package.json")).scripts["db:migrate"]).toBe("prisma migrate dev --skip-seed");

    const human = await init(dir);
    expect(human.stdout).toContain('kept db:migrate = "prisma migrate dev --skip-seed": it already exists');
    expect(human.stdout).toContain("--force replaces it");
  });

  it("replaces it with --force, in place, and leaves db:push alone", async () => {
    const dir = await folder({ "package.json": SAMPLE.replace('"dev": "next dev"', '"db:migrate": "prisma migrate dev --skip-seed"') });
    const result = await init(dir, "--force", "--json");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.json.scriptsReplaced).toEqual([{ name: "db:migrate", existing: "prisma migrate dev --skip-seed", wanted: "prisma migrate dev" }]);
    expect(result.json.scriptsKept).toEqual([]);
    const scripts = JSON.parse(await read(dir, "package.json")).scripts;
    expect(Object.entries(scripts)).toEqual([
      ["db:migrate", "prisma migrate dev"],
      ["db:push", "prisma db push"],
      ["db:migrate:prod", "dbship deploy"],
      ["db:migrate:status", "dbship status"],
      ["db:snapshot", "dbship snapshot create"],
    ]);
  });

  it("run twice, leaves both files byte for byte as the first run did and says nothing changed", async () => {
    const dir = await folder({ "package.json": SAMPLE, "pnpm-lock.yaml": "" });
    expect((await init(dir)).exitCode).toBe(0);
    const first = { pkg: await read(dir, "package.json"), config: await read(dir, "dbship.config.json") };
    const second = await init(dir, "--json");
    expect(second.exitCode, second.output).toBe(0);
    expect({ pkg: await read(dir, "package.json"), config: await read(dir, "dbship.config.json") }).toEqual(first);
    expect(second.json).toMatchObject({ configWritten: false, configStatus: "unchanged", scriptsAdded: [], scriptsReplaced: [], scriptsKept: [] });
    expect(second.json.scriptsUnchanged).toEqual(["db:migrate", "db:migrate:prod", "db:migrate:status", "db:snapshot"]);
    expect((await init(dir)).stdout).toMatch(/^Nothing changed/);
  });
});

describe("dbship init: package manager", () => {
  it.each([
    ["pnpm-lock.yaml", { "pnpm-lock.yaml": "" }, "pnpm", "pnpm db:migrate:prod"],
    ["yarn.lock", { "yarn.lock": "" }, "yarn", "yarn db:migrate:prod"],
    ["package-lock.json", { "package-lock.json": "{}" }, "npm", "npm run db:migrate:prod"],
    ["the packageManager field, over a package-lock.json", { "package-lock.json": "{}", packageManager: "yarn@4.5.0" }, "yarn", "yarn db:migrate:prod"],
    ["nothing (the default)", {}, "npm", "npm run db:migrate:prod"],
  ])("is read from %s", async (_what, given: Record<string, string>, name, command) => {
    const { packageManager, ...lockFiles } = given;
    const dir = await folder({ "package.json": JSON.stringify({ name: "pm", ...(packageManager ? { packageManager } : {}) }, null, 2), ...lockFiles });
    const result = await init(dir, "--json");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.json.packageManager).toBe(name);
    expect(result.json.packageManagerSource).toBe(packageManager ? "package.json packageManager field" : (Object.keys(lockFiles)[0] ?? "default"));
    expect(result.json.nextSteps.join("\n")).toContain(command);
    expect((await init(dir)).stdout).toContain(command);
  });

  it("finds a workspace root's lock file from a package below it", async () => {
    const root = await folder({ "pnpm-lock.yaml": "", "package.json": "{}", "packages/app/package.json": '{ "name": "app" }' });
    const result = await init(path.join(root, "packages/app"), "--json");
    expect(result.json).toMatchObject({ packageManager: "pnpm", packageManagerSource: path.join("..", "..", "pnpm-lock.yaml") });
    expect(result.json.nextSteps.join("\n")).toContain("pnpm db:migrate --name <what-changed>");
  });

  it("passes arguments the npm way: npm run db:migrate -- --name", async () => {
    const dir = await folder({ "package.json": "{}", "package-lock.json": "{}" });
    const result = await init(dir, "--json");
    expect(result.json.nextSteps.join("\n")).toContain("npm run db:migrate -- --name <what-changed>");
  });
});

describe("dbship init: dbship.config.json", () => {
  it("without a terminal or --provider, writes postgres and says it chose the default", async () => {
    const dir = await folder({ "package.json": SAMPLE });
    const result = await init(dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("provider: postgres, the default (no terminal to ask on and no --provider)");
    const text = await read(dir, "dbship.config.json");
    expect(JSON.parse(text)).toEqual({
      provider: "postgres",
      schema: "prisma/schema.prisma",
      migrations: "prisma/migrations",
      databaseUrlEnv: "DATABASE_URL",
      snapshot: { prefix: "pre-migration-", retentionDays: 7 },
    });
    expect(text.endsWith("}\n")).toBe(true);
    expect(configFileSchema.safeParse(JSON.parse(text)).success).toBe(true);
  });

  it("writes the Neon settings given as flags, and the schema location package.json names", async () => {
    const dir = await folder({ "package.json": JSON.stringify({ name: "n", prisma: { schema: "db/schema.prisma" } }) });
    const result = await init(dir, "--provider", "neon", "--neon-project", "round-star-12345678", "--production-branch", "main", "--json");
    expect(result.exitCode, result.output).toBe(0);
    const config = JSON.parse(await read(dir, "dbship.config.json"));
    expect(config).toEqual({
      provider: "neon",
      schema: "db/schema.prisma",
      migrations: "db/migrations",
      databaseUrlEnv: "DATABASE_URL",
      snapshot: { prefix: "pre-migration-", retentionDays: 7 },
      neon: { projectId: "round-star-12345678", productionBranch: "main" },
    });
    expect(configFileSchema.safeParse(config).success).toBe(true);
    expect(result.json.nextSteps.join("\n")).toContain("NEON_API_KEY");
    expect(result.json.notes.join("\n")).not.toContain("the default");
  });

  it("keeps an existing config that differs, then with --force changes only the fields the flags name", async () => {
    const mine = '{\n    "provider": "postgres",\n    "snapshot": { "retentionDays": 14 }\n}\n';
    const dir = await folder({ "package.json": SAMPLE, "dbship.config.json": mine });
    const kept = await init(dir, "--provider", "neon", "--neon-project", "round-star-12345678", "--json");
    expect(kept.exitCode, kept.output).toBe(0);
    expect(kept.json).toMatchObject({ configWritten: false, configStatus: "kept", provider: "postgres" });
    expect(kept.json.configKept.differences).toEqual([
      { field: "provider", existing: "postgres", wanted: "neon" },
      { field: "neon.projectId", existing: null, wanted: "round-star-12345678" },
    ]);
    expect(await read(dir, "dbship.config.json")).toBe(mine);

    const forced = await init(dir, "--provider", "neon", "--neon-project", "round-star-12345678", "--force", "--json");
    expect(forced.json).toMatchObject({ configWritten: true, configStatus: "replaced", provider: "neon" });
    expect(await read(dir, "dbship.config.json")).toBe(
      '{\n    "provider": "neon",\n    "snapshot": {\n        "retentionDays": 14\n    },\n    "neon": {\n        "projectId": "round-star-12345678"\n    }\n}\n',
    );
  });

  it("keeps an existing config when no flag asks for a change, whatever its provider", async () => {
    const mine = JSON.stringify({ provider: "neon", neon: { projectId: "round-star-12345678" } });
    const dir = await folder({ "package.json": SAMPLE, "dbship.config.json": mine });
    const result = await init(dir, "--json");
    expect(result.json).toMatchObject({ configStatus: "unchanged", configWritten: false, provider: "neon" });
    expect(result.json.notes.join("\n")).not.toContain("the default");
    expect(await read(dir, "dbship.config.json")).toBe(mine);
  });

  it("keeps a config file that is not valid JSON unless --force", async () => {
    const dir = await folder({ "package.json": SAMPLE, "dbship.config.json": "{ provider: postgres" });
    const kept = await init(dir, "--json");
    expect(kept.json).toMatchObject({ configStatus: "kept", configWritten: false });
    expect(kept.json.configKept.reason).toContain("not valid JSON");
    expect(await read(dir, "dbship.config.json")).toBe("{ provider: postgres");
    const forced = await init(dir, "--force", "--json");
    expect(forced.json).toMatchObject({ configStatus: "replaced", configWritten: true, provider: "postgres" });
    expect(configFileSchema.safeParse(JSON.parse(await read(dir, "dbship.config.json"))).success).toBe(true);
  });

  it("writes the config where --config says, and the scripts name it", async () => {
    const dir = await folder({ "package.json": SAMPLE });
    const result = await init(dir, "--config", "config/dbship.json", "--json");
    expect(result.exitCode, result.output).toBe(0);
    expect(existsSync(path.join(dir, "config/dbship.json"))).toBe(true);
    expect(existsSync(path.join(dir, "dbship.config.json"))).toBe(false);
    expect(JSON.parse(await read(dir, "package.json")).scripts).toMatchObject({
      "db:migrate": "prisma migrate dev",
      "db:migrate:prod": "dbship deploy --config config/dbship.json",
      "db:migrate:status": "dbship status --config config/dbship.json",
    });
  });

  it("asks on a terminal for the provider, the Neon project id and branch", async () => {
    const dir = await folder({ "package.json": SAMPLE });
    const answers = ["Neon", "not a valid id!", "round-star-12345678", ""];
    const questions: string[] = [];
    const report = await runInit({ cwd: dir, ask: async (q) => (questions.push(q), answers.shift() ?? "") });
    expect(report).toMatchObject({ ok: true, provider: "neon", configWritten: true });
    expect(questions).toHaveLength(4);
    expect(JSON.parse(await read(dir, "dbship.config.json")).neon).toEqual({ projectId: "round-star-12345678", productionBranch: "production" });
  });
});

describe("dbship init: bad input", () => {
  it.each([
    [["--provider", "mysql"], "USAGE"],
    [["--provider", "postgres", "--neon-project", "round-star-12345678"], "USAGE"],
    [["--provider", "neon", "--neon-project", "Not_A_Project"], "CONFIG_INVALID"],
  ])("refuses %j with exit 2 and writes nothing", async (args, code) => {
    const dir = await folder({ "package.json": SAMPLE });
    const result = await init(dir, ...args, "--json");
    expect(result.exitCode).toBe(2);
    expect(result.json).toMatchObject({ command: "init", ok: false, exitCode: 2, error: { code } });
    expect(await read(dir, "package.json")).toBe(SAMPLE);
    expect(existsSync(path.join(dir, "dbship.config.json"))).toBe(false);
  });

  it("needs a package.json", async () => {
    const dir = await folder({});
    const result = await init(dir);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("no package.json in");
    expect(existsSync(path.join(dir, "dbship.config.json"))).toBe(false);
  });
});

describe("dbship init --json", () => {
  it("prints one document of the documented shape", async () => {
    const dir = await folder({ "package.json": SAMPLE, "yarn.lock": "" });
    const result = await init(dir, "--json");
    expect(result.exitCode).toBe(0);
    expect(Object.keys(result.json).sort()).toEqual(
      [
        "command", "ok", "exitCode", "configFile", "configWritten", "configStatus", "configKept", "provider",
        "scriptsAdded", "scriptsUnchanged", "scriptsKept", "scriptsReplaced", "packageManager", "packageManagerSource",
        "notes", "nextSteps", "error",
      ].sort(),
    );
    expect(result.json).toMatchObject({
      command: "init",
      ok: true,
      exitCode: 0,
      configFile: "dbship.config.json",
      configWritten: true,
      provider: "postgres",
      scriptsAdded: ["db:migrate", "db:migrate:prod", "db:migrate:status", "db:snapshot"],
      scriptsKept: [],
      packageManager: "yarn",
      packageManagerSource: "yarn.lock",
      error: null,
    });
    expect(result.json.nextSteps.length).toBeGreaterThan(0);
    expect(result.json.nextSteps.join("\n")).toContain("yarn add -D dbship");
  });
});
