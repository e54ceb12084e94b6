// dbship snapshot create | list | url | prune on the postgres provider.
import { afterEach, describe, expect, it } from "vitest";
import { adminUrl, databasesLike, query } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";

/** Makes a snapshot look `days` old, as prune reads its creation time from the database's marker. */
async function age(name: string, days: number) {
  const [row] = await query<{ comment: string }>(adminUrl(), "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", [name]);
  const marker = JSON.parse(row!.comment);
  marker.createdAt = new Date(Date.now() - days * 86_400_000).toISOString();
  await query(adminUrl(), `COMMENT ON DATABASE "${name}" IS '${JSON.stringify(marker)}'`);
}

describe("dbship snapshot", () => {
  let prod: Production | undefined;
  afterEach(async () => {
    await prod?.cleanup();
    prod = undefined;
  });

  it("create copies production; list shows it; url prints its connection string, masked unless --show-secrets", async () => {
    prod = await createProduction({ titles: ["a", "b", "c"] });
    const created = await prod.dbship(["snapshot", "create", "--json"]);
    expect(created.exitCode, created.stderr).toBe(0);
    const name = created.json.snapshot.name;
    expect(name).toMatch(new RegExp(`^${prod.prefix}\\d{8}-\\d{6}$`));
    expect(await query(prod.db.url.replace(prod.db.name, name), "SELECT count(*)::int AS n FROM moments")).toEqual([{ n: 3 }]);

    const list = await prod.dbship(["snapshot", "list", "--json"]);
    expect(list.json.snapshots).toEqual([expect.objectContaining({ name, prunable: false, keptBecause: "younger than 7 days" })]);
    expect(list.json.snapshots[0].sizeBytes).toBeGreaterThan(0);

    const masked = await prod.dbship(["snapshot", "url", name]);
    expect(masked.stdout.trim()).toMatch(new RegExp(`^postgresql://postgres:\\*\\*\\*\\*@127\\.0\\.0\\.1:\\d+/${name}$`));
    const shown = await prod.dbship(["snapshot", "url", name, "--show-secrets"]);
    expect(shown.stdout.trim()).toBe(prod.db.url.replace(prod.db.name, name));
  });

  it("create --name names it; a taken name is refused", async () => {
    prod = await createProduction();
    const name = `${prod.prefix}before-big-change`;
    expect((await prod.dbship(["snapshot", "create", "--name", name])).exitCode).toBe(0);
    const again = await prod.dbship(["snapshot", "create", "--name", name]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`a database named ${name} already exists`);
  });

  it("prune lists what it will delete, asks (or needs --yes), and deletes only that", async () => {
    prod = await createProduction();
    const names: string[] = [];
    for (const suffix of ["old-1", "old-2", "new"]) {
      const name = `${prod.prefix}${suffix}`;
      expect((await prod.dbship(["snapshot", "create", "--name", name])).exitCode).toBe(0);
      names.push(name);
    }
    await age(names[0]!, 10);
    await age(names[1]!, 9);

    const refused = await prod.dbship(["snapshot", "prune"]);
    expect(refused.exitCode).toBe(3);
    expect(refused.stdout).toContain(`would delete: ${names[1]}, ${names[0]}`);
    expect(await databasesLike(prod.prefix)).toHaveLength(3);

    const kept = await prod.dbship(["snapshot", "prune", "--keep", "2", "--yes", "--json"]);
    expect(kept.exitCode).toBe(0);
    expect(kept.json.deleted).toEqual([names[0]]);
    expect(kept.json.kept).toEqual([
      { name: names[2], reason: "one of the newest 2 (--keep)" },
      { name: names[1], reason: "one of the newest 2 (--keep)" },
    ]);
    expect(await databasesLike(prod.prefix)).toEqual([names[2], names[1]].sort());

    const all = await prod.dbship(["snapshot", "prune", "--older-than", "0", "--yes", "--json"]);
    expect(all.json.deleted.sort()).toEqual([names[1], names[2]].sort());
    expect(await databasesLike(prod.prefix)).toEqual([]);
  });

  it("--older-than must be a whole number", async () => {
    prod = await createProduction();
    const result = await prod.dbship(["snapshot", "prune", "--older-than", "soon"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--older-than must be a whole number, got "soon"');
  });
});
