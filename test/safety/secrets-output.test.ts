// What the CLI prints of a connection string's secrets, byte for byte: a password given as a
// query parameter is masked like the user part's, in every output; under GitHub Actions every
// line of a shown multi-line password is registered with ::add-mask:: before it appears.
import { afterEach, describe, expect, it } from "vitest";
import { createRoleProduction, type RoleProduction } from "../support/role-production.js";

const LONG_TITLE = "x".repeat(250);

describe("secrets in what the CLI prints", () => {
  let prod: RoleProduction | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("a ?password= query parameter is masked in snapshot create, snapshot url --json, the rollback advice and rollback", async () => {
    const password = "Qp7f3kS9zzT";
    prod = await createRoleProduction({ password, titles: ["ok", LONG_TITLE] });
    const server = new URL(prod.serverUrl);
    const url = `postgresql://${prod.role}@${server.host}/${prod.database}?password=${password}&application_name=app`;

    const created = await prod.dbship(["snapshot", "create"], url);
    expect(created.exitCode, created.output).toBe(0);
    expect(created.stdout).toContain("password=****");
    const name = /snapshot (\S+) \(id/.exec(created.stdout)![1]!;

    const shown = await prod.dbship(["snapshot", "url", name, "--json"], url);
    expect(shown.exitCode, shown.output).toBe(0);
    expect(shown.json.connectionString).toBe(`postgresql://${prod.role}@${server.host}/${name}?password=****&application_name=app`);

    const deployed = await prod.dbship(["deploy", "--no-rehearsal"], url);
    expect(deployed.exitCode, deployed.output).toBe(1);
    expect(deployed.stdout).toMatch(/connection:\s+postgresql:\/\/\S+password=\*\*\*\*/);
    const deployedJson = await prod.dbship(["snapshot", "list", "--json"], url);

    const rolledBack = await prod.dbship(["rollback", "--to", name, "--yes"], url);
    expect(rolledBack.exitCode, rolledBack.output).toBe(0);

    for (const result of [created, shown, deployed, deployedJson, rolledBack]) {
      expect(result.stdout).not.toContain(password);
      expect(result.stderr).not.toContain(password);
    }
  });

  it("under GitHub Actions, each line of a shown multi-line password is masked before it is printed", async () => {
    const password = "firstLine9Q\nsecondLine7Z";
    prod = await createRoleProduction({ password });
    const created = await prod.dbship(["snapshot", "create", "--json"], prod.namedUrl);
    expect(created.exitCode, created.output).toBe(0);
    const name: string = created.json.snapshot.name;

    const shown = await prod.dbship(["snapshot", "url", name, "--show-secrets"], prod.namedUrl, { GITHUB_ACTIONS: "true" });
    expect(shown.exitCode, shown.output).toBe(0);
    const lines = shown.stdout.split("\n");
    for (const part of ["firstLine9Q", "secondLine7Z"]) {
      const mask = lines.indexOf(`::add-mask::${part}`);
      expect(mask, `no ::add-mask:: for ${part}:\n${shown.stdout}`).toBeGreaterThanOrEqual(0);
      const firstUse = lines.findIndex((line) => line.includes(part) && !line.startsWith("::add-mask::"));
      expect(firstUse).toBeGreaterThan(mask);
    }
    // The bug this guards against: the password registered whole, its second line printed raw.
    expect(lines).not.toContain("secondLine7Z");
  });
});
