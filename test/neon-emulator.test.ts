// Pins the Neon API emulator to the behaviours its README lists with their sources, driving it with the real
// @neondatabase/api-client: shapes, status codes, lineage, auth, asynchronous operations, faults,
// and the real databases behind each branch.
import { EndpointType, type Api } from "@neondatabase/api-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNeonEmulator, type NeonEmulator, type NeonEmulatorOptions } from "./support/neon-emulator/index.js";
import { apiFor, connectError, failure, openSession, waitForOperations } from "./support/neon-emulator/testing.js";
import { adminUrl, query, withClient } from "./support/postgres.js";

const emulators: NeonEmulator[] = [];
async function emulator(options: Partial<NeonEmulatorOptions> = {}): Promise<{ neon: NeonEmulator; api: Api<unknown> }> {
  const neon = await startNeonEmulator({ adminUrl: adminUrl(), operationDelayMs: 60, ...options });
  emulators.push(neon);
  return { neon, api: apiFor(neon) };
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((neon) => neon.close()));
});

async function productionUri(neon: NeonEmulator, api: Api<unknown>, branchId = neon.defaultBranchId): Promise<string> {
  const { data } = await api.getConnectionUri({
    projectId: neon.projectId,
    branch_id: branchId,
    database_name: "neondb",
    role_name: "neondb_owner",
  });
  return data.uri;
}

/** Creates a branch with an endpoint and waits for it; returns the response data. */
async function branchOf(neon: NeonEmulator, api: Api<unknown>, name: string, parentId = neon.defaultBranchId) {
  const { data } = await api.createProjectBranch(neon.projectId, {
    branch: { name, parent_id: parentId },
    endpoints: [{ type: EndpointType.ReadWrite }],
  });
  await waitForOperations(api, neon, data.operations);
  return data;
}

const GENERAL_ERROR = { code: expect.any(String), message: expect.any(String), request_id: expect.any(String) };

describe("auth and errors", () => {
  it("answers 401 GeneralError without a key or with a wrong one, and echoes X-Request-ID", async () => {
    const { neon } = await emulator();
    const missing = await failure(apiFor(neon, { apiKey: null }).getProject(neon.projectId));
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual(GENERAL_ERROR);
    const wrong = await failure(
      apiFor(neon, { apiKey: "napi_wrong" }).getProject(neon.projectId, { headers: { "X-Request-ID": "req-123" } }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: "", request_id: "req-123" });
    expect(neon.requests.map((entry) => entry.status)).toEqual([401, 401]);
  });

  it("validates ids (400), and answers 404 for unknown projects, branches and operations", async () => {
    const { neon, api } = await emulator();
    expect((await failure(api.getProjectBranch(neon.projectId, "BR_bad!"))).status).toBe(400);
    expect((await failure(api.getProject("no-such-project-1"))).status).toBe(404);
    const branch = await failure(api.getProjectBranch(neon.projectId, "br-none-such-00000000"));
    expect(branch).toMatchObject({ status: 404, body: { code: "", message: "branch not found" } });
    expect((await failure(api.getProjectOperation(neon.projectId, "00000000-0000-4000-8000-000000000000"))).status).toBe(404);
  });
});

describe("lifecycle", () => {
  it("drops every database it made when closed: branches and history points", async () => {
    const neon = await startNeonEmulator({ adminUrl: adminUrl(), operationDelayMs: 10 });
    const api = apiFor(neon);
    const { data } = await api.createProjectBranch(neon.projectId, { branch: { name: "b" } });
    await waitForOperations(api, neon, data.operations);
    await neon.recordHistory();
    const names = [neon.physicalDatabaseName(neon.defaultBranchId), neon.physicalDatabaseName(data.branch.id)];
    const history = `neon_hist_${neon.projectId.replace(/-/g, "_")}_%`;
    const count = async () =>
      (await query(adminUrl(), "SELECT count(*)::int AS n FROM pg_database WHERE datname = ANY($1) OR datname LIKE $2", [names, history]))[0]
        ?.n;
    expect(await count()).toBeGreaterThanOrEqual(4);
    await neon.close();
    expect(await count()).toBe(0);
  });
});

describe("a new project", () => {
  let neon: NeonEmulator;
  let api: Api<unknown>;
  beforeAll(async () => {
    neon = await startNeonEmulator({ adminUrl: adminUrl(), operationDelayMs: 60 });
    api = apiFor(neon);
  });
  afterAll(async () => {
    await neon.close();
  });

  it("has one root default branch with neondb, neondb_owner and a read_write endpoint", async () => {
    const { data: project } = await api.getProject(neon.projectId);
    expect(project.project).toMatchObject({ id: neon.projectId, pg_version: 18, history_retention_seconds: 86400 });
    const { data } = await api.listProjectBranches({ projectId: neon.projectId });
    expect(data.branches).toHaveLength(1);
    const [main] = data.branches;
    expect(main).toMatchObject({ id: neon.defaultBranchId, name: "main", default: true, current_state: "ready" });
    expect(main?.id).toMatch(/^br-[a-z]+-[a-z]+-[a-z0-9]{8}$/);
    expect(main?.parent_id).toBeUndefined();
    const { data: dbs } = await api.listProjectBranchDatabases(neon.projectId, neon.defaultBranchId);
    expect(dbs.databases).toEqual([expect.objectContaining({ name: "neondb", owner_name: "neondb_owner" })]);
    const { data: roles } = await api.listProjectBranchRoles(neon.projectId, neon.defaultBranchId);
    expect(roles.roles).toEqual([expect.objectContaining({ name: "neondb_owner" })]);
    expect(roles.roles[0]).not.toHaveProperty("password");
    const { data: endpoints } = await api.listProjectBranchEndpoints(neon.projectId, neon.defaultBranchId);
    expect(endpoints.endpoints).toEqual([
      expect.objectContaining({ type: "read_write", current_state: "active", branch_id: neon.defaultBranchId }),
    ]);
    expect(endpoints.endpoints[0]?.id).toMatch(/^ep-/);
  });

  it("gives a connection URI that reaches the branch's database as neondb_owner with its real password", async () => {
    const uri = await productionUri(neon, api);
    const url = new URL(uri);
    const { data } = await api.getProjectBranchRolePassword(neon.projectId, neon.defaultBranchId, "neondb_owner");
    expect(decodeURIComponent(url.password)).toBe(data.password);
    expect(url.searchParams.get("sslmode")).toBe("disable");
    const [row] = await query(uri, "SELECT current_database() AS db, current_user AS role");
    expect(row).toEqual({ db: neon.physicalDatabaseName(neon.defaultBranchId), role: "neondb_owner" });
    url.password = "wrong";
    expect(await connectError(url.toString())).toMatch(/password authentication failed/);
  });

  it("gives a pooled URI on another address that still reaches the same database", async () => {
    const direct = new URL(await productionUri(neon, api));
    const { data } = await api.getConnectionUri({
      projectId: neon.projectId,
      database_name: "neondb",
      role_name: "neondb_owner",
      pooled: true,
    });
    const pooled = new URL(data.uri);
    expect(pooled.host).not.toBe(direct.host);
    expect(pooled.pathname).toBe(direct.pathname);
    const [row] = await query(data.uri, "SELECT current_database() AS db");
    expect(row?.db).toBe(neon.physicalDatabaseName(neon.defaultBranchId));
  });

  it("requires database_name and role_name (400) and knows its roles and databases (404)", async () => {
    const base = { projectId: neon.projectId, branch_id: neon.defaultBranchId };
    expect((await failure(api.getConnectionUri({ ...base, role_name: "neondb_owner" } as never))).status).toBe(400);
    expect((await failure(api.getConnectionUri({ ...base, database_name: "neondb" } as never))).status).toBe(400);
    expect((await failure(api.getConnectionUri({ ...base, database_name: "neondb", role_name: "nobody" }))).status).toBe(404);
    expect((await failure(api.getConnectionUri({ ...base, database_name: "other", role_name: "neondb_owner" }))).status).toBe(
      404,
    );
    expect((await failure(api.getProjectBranchRolePassword(neon.projectId, neon.defaultBranchId, "nobody"))).status).toBe(404);
  });
});

describe("creating a branch", () => {
  it("answers 201 at once with init state and running operations; the branch opens when they finish", async () => {
    const { neon, api } = await emulator({ operationDelayMs: "manual" });
    const { data, status } = await api.createProjectBranch(neon.projectId, {
      branch: { name: "snap-1", parent_id: neon.defaultBranchId },
      endpoints: [{ type: EndpointType.ReadWrite }],
    });
    expect(status).toBe(201);
    expect(data.branch).toMatchObject({ name: "snap-1", parent_id: neon.defaultBranchId, current_state: "init", pending_state: "ready" });
    expect(data.operations.map((op) => [op.action, op.status])).toEqual([
      ["create_branch", "running"],
      ["start_compute", "running"],
    ]);
    expect(data.operations[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.endpoints).toEqual([expect.objectContaining({ type: "read_write", current_state: "init" })]);
    expect(data.roles.map((role) => role.name)).toEqual(["neondb_owner"]);
    expect(data.databases.map((db) => db.name)).toEqual(["neondb"]);
    const uri = data.connection_uris?.[0]?.connection_uri;
    expect(uri).toBeDefined();
    expect(data.connection_uris?.[0]?.connection_parameters).toMatchObject({ role: "neondb_owner" });

    // A client that does not wait for the operations cannot connect yet.
    expect(await connectError(uri!)).toMatch(/not currently accepting connections/);
    expect((await api.getProjectBranch(neon.projectId, data.branch.id)).data.branch.current_state).toBe("init");

    await neon.finishOperations();
    const [op] = await waitForOperations(api, neon, data.operations);
    expect(op?.status).toBe("finished");
    expect((await api.getProjectBranch(neon.projectId, data.branch.id)).data.branch.current_state).toBe("ready");
    expect((await api.listProjectBranchEndpoints(neon.projectId, data.branch.id)).data.endpoints[0]?.current_state).toBe(
      "active",
    );
    expect(await connectError(uri!)).toBeUndefined();
  });

  it("moves operations scheduling → running → finished on their own with a delay", async () => {
    const { neon, api } = await emulator({ operationDelayMs: 600 });
    const { data } = await api.createProjectBranch(neon.projectId, { branch: { name: "timed" } });
    expect(data.operations.map((op) => op.status)).toEqual(["scheduling"]);
    const seen = new Set<string>();
    for (;;) {
      const { operation } = (await api.getProjectOperation(neon.projectId, data.operations[0]!.id)).data;
      seen.add(operation.status);
      if (operation.status === "finished") break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect([...seen]).toEqual(expect.arrayContaining(["running", "finished"]));
  });

  it("copies the parent's data at request time without disturbing the parent's sessions", async () => {
    const { neon, api } = await emulator();
    const prod = await productionUri(neon, api);
    await query(prod, "CREATE TABLE moment (id serial PRIMARY KEY, title text NOT NULL); INSERT INTO moment (title) VALUES ('before')");
    await withClient(prod, async (session) => {
      // An open session, mid-transaction with an uncommitted row: Neon's copy-on-write ignores it.
      const pid = (await session.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      await session.query("BEGIN");
      await session.query("INSERT INTO moment (title) VALUES ('uncommitted')");
      const data = await branchOf(neon, api, "copy-1");
      await session.query("COMMIT");
      expect((await session.query("SELECT pg_backend_pid() AS pid")).rows[0].pid).toBe(pid);

      await session.query("INSERT INTO moment (title) VALUES ('after')");
      const childUri = data.connection_uris![0]!.connection_uri;
      expect((await query(childUri, "SELECT title FROM moment ORDER BY id")).map((row) => row.title)).toEqual(["before"]);
      // The copy keeps ownership, so the branch's own role can migrate it.
      await query(childUri, "ALTER TABLE moment ADD COLUMN body text; INSERT INTO moment (title) VALUES ('child')");
      expect(
        (await query(prod, "SELECT title FROM moment ORDER BY id")).map((row) => row.title),
      ).toEqual(["before", "uncommitted", "after"]);
    });
  });

  it("copies a schema faithfully: types, identity, generated columns, constraints, indexes, views, functions, triggers", async () => {
    const { neon, api } = await emulator();
    const prod = await productionUri(neon, api);
    await query(
      prod,
      `CREATE SCHEMA app;
       CREATE TYPE app.mood AS ENUM ('happy', 'sad', 'it''s complicated');
       CREATE DOMAIN app.positive AS integer NOT NULL CHECK (VALUE > 0);
       CREATE TYPE app.pair AS (a integer, b text);
       CREATE SEQUENCE app.ticket START 100 INCREMENT 5;
       CREATE FUNCTION app.shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(t) $$;
       CREATE TABLE app.author (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
       CREATE TABLE "Moment" (
         id serial PRIMARY KEY,
         "authorId" integer REFERENCES app.author (id) ON DELETE CASCADE,
         title text NOT NULL DEFAULT 'untitled' COLLATE "C",
         loud text GENERATED ALWAYS AS (app.shout(title)) STORED,
         mood app.mood,
         score app.positive DEFAULT 1,
         pair app.pair,
         tags text[],
         doc jsonb,
         raw bytea,
         at timestamptz DEFAULT now(),
         ticket integer DEFAULT nextval('app.ticket'),
         CONSTRAINT title_len CHECK (length(title) < 100)
       );
       CREATE UNIQUE INDEX moment_title_mood ON "Moment" (title, mood) WHERE mood IS NOT NULL;
       CREATE VIEW app.loud_moments AS SELECT id, loud FROM "Moment" WHERE mood = 'happy';
       CREATE MATERIALIZED VIEW app.counts AS SELECT mood, count(*) AS n FROM "Moment" GROUP BY mood;
       CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;
       CREATE TRIGGER moment_touch BEFORE UPDATE ON "Moment" FOR EACH ROW EXECUTE FUNCTION app.touch();
       COMMENT ON TABLE "Moment" IS 'a moment';
       INSERT INTO app.author (email) VALUES ('a@example.com'), ('b@example.com');
       INSERT INTO "Moment" ("authorId", title, mood, pair, tags, doc, raw)
         VALUES (1, 'first', 'happy', ROW(1, 'x,"y"'), '{a,"b c"}', '{"k": [1, 2.50]}', '\\x00ff'),
                (2, 'second', 'it''s complicated', NULL, NULL, NULL, NULL);
       REFRESH MATERIALIZED VIEW app.counts;`,
    );
    const data = await branchOf(neon, api, "fidelity");
    const childUri = data.connection_uris![0]!.connection_uri;
    expect(await describeDatabase(childUri)).toEqual(await describeDatabase(prod));
    // Sequences continue where the parent's were.
    const [author] = await query(childUri, "INSERT INTO app.author (email) VALUES ('c@example.com') RETURNING id");
    expect(author?.id).toBe(3);
    const [moment] = await query(childUri, `INSERT INTO "Moment" (title) VALUES ('third') RETURNING id, ticket`);
    expect(moment).toEqual({ id: 3, ticket: 110 });
  });

  it("refuses a duplicate name (409), an unknown parent (404), lsn with timestamp (400), and bad endpoints (400)", async () => {
    const { neon, api } = await emulator();
    await branchOf(neon, api, "dup");
    const dup = await failure(api.createProjectBranch(neon.projectId, { branch: { name: "dup" } }));
    expect(dup).toMatchObject({ status: 409, body: { code: "", message: 'branch already exists; branch_name:"dup"' } });
    expect((await failure(api.createProjectBranch(neon.projectId, { branch: { parent_id: "br-no-such-00000000" } }))).status).toBe(
      404,
    );
    const both = api.createProjectBranch(neon.projectId, {
      branch: { parent_lsn: "0/1", parent_timestamp: new Date().toISOString() },
    });
    expect((await failure(both)).status).toBe(400);
    const twoWriters = api.createProjectBranch(neon.projectId, {
      endpoints: [{ type: EndpointType.ReadWrite }, { type: EndpointType.ReadWrite }],
    });
    expect((await failure(twoWriters)).status).toBe(400);
  });

  it("accepts no body at all and names the branch after its id; no endpoint means no connection_uris", async () => {
    const { neon, api } = await emulator();
    const { data } = await api.createProjectBranch(neon.projectId);
    expect(data.branch.name).toBe(data.branch.id);
    expect(data.endpoints).toEqual([]);
    expect(data.connection_uris).toBeUndefined();
    expect(data.branch.parent_id).toBe(neon.defaultBranchId);
    await waitForOperations(api, neon, data.operations);
    const noEndpoint = await failure(
      api.getConnectionUri({ projectId: neon.projectId, branch_id: data.branch.id, database_name: "neondb", role_name: "neondb_owner" }),
    );
    expect(noEndpoint.status).toBe(404);
  });

  it("enforces the branch limit with 422 BRANCHES_LIMIT_EXCEEDED", async () => {
    const { neon, api } = await emulator({ branchLimit: 2 });
    await branchOf(neon, api, "one");
    const over = await failure(api.createProjectBranch(neon.projectId, { branch: { name: "two" } }));
    expect(over).toMatchObject({ status: 422, body: { code: "BRANCHES_LIMIT_EXCEEDED" } });
    expect((await api.listProjectBranches({ projectId: neon.projectId })).data.branches).toHaveLength(2);
  });

  it("answers 423 to a mutation while operations run, and accepts it once they finished", async () => {
    const { neon, api } = await emulator({ operationDelayMs: "manual" });
    await api.createProjectBranch(neon.projectId, { branch: { name: "first" } });
    const locked = await failure(api.createProjectBranch(neon.projectId, { branch: { name: "second" } }));
    expect(locked).toMatchObject({
      status: 423,
      body: { message: "project already has running operations, scheduling of new ones is prohibited" },
    });
    // Reads are never locked.
    expect((await api.listProjectBranches({ projectId: neon.projectId })).data.branches).toHaveLength(2);
    await neon.finishOperations();
    expect((await api.createProjectBranch(neon.projectId, { branch: { name: "second" } })).status).toBe(201);
  });

  it("rejects expiry in the past, beyond 30 days, and children of an expiring branch", async () => {
    const { neon, api } = await emulator();
    const inAnHour = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    const past = api.createProjectBranch(neon.projectId, { branch: { expires_at: "2020-01-01T00:00:00Z" } });
    expect((await failure(past)).status).toBe(400);
    const far = new Date(Date.now() + 31 * 86400_000).toISOString();
    expect((await failure(api.createProjectBranch(neon.projectId, { branch: { expires_at: far } }))).status).toBe(400);
    const { data } = await api.createProjectBranch(neon.projectId, { branch: { name: "ttl", expires_at: inAnHour } });
    expect(data.branch.expires_at).toBe(inAnHour);
    expect(data.branch.ttl_interval_seconds).toBeGreaterThan(0);
    await waitForOperations(api, neon, data.operations);
    const child = await failure(api.createProjectBranch(neon.projectId, { branch: { parent_id: data.branch.id } }));
    expect(child.status).toBe(400);
  });
});

describe("listing, updating and deleting branches", () => {
  it("lists with substring search over name and id, sorting, limit and cursor, and the annotations map", async () => {
    const { neon, api } = await emulator();
    for (const name of ["pre-migration-1", "pre-migration-2", "feature-x"]) {
      const { data } = await api.createProjectBranch(neon.projectId, {
        branch: { name },
        annotation_value: name === "feature-x" ? { "github-ref": "x" } : undefined,
      } as never);
      await waitForOperations(api, neon, data.operations);
    }
    const all = (await api.listProjectBranches({ projectId: neon.projectId })).data;
    expect(all.branches).toHaveLength(4);
    expect(all.pagination).toBeUndefined();
    const feature = all.branches.find((branch) => branch.name === "feature-x")!;
    expect(all.annotations[feature.id]?.value).toEqual({ "github-ref": "x" });

    const search = await api.listProjectBranches({ projectId: neon.projectId, search: "MIGRATION" });
    expect(search.data.branches.map((branch) => branch.name).sort()).toEqual(["pre-migration-1", "pre-migration-2"]);
    const byId = await api.listProjectBranches({ projectId: neon.projectId, search: feature.id.slice(3, 12) });
    expect(byId.data.branches.map((branch) => branch.id)).toContain(feature.id);

    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (
        await api.listProjectBranches({ projectId: neon.projectId, sort_by: "name", sort_order: "asc", limit: 3, cursor })
      ).data;
      names.push(...page.branches.map((branch) => branch.name));
      expect(page.pagination).toMatchObject({ sort_by: "name", sort_order: "asc" });
      cursor = page.pagination?.next;
    } while (cursor);
    expect(names).toEqual(["feature-x", "main", "pre-migration-1", "pre-migration-2"]);
    expect((await api.countProjectBranches({ projectId: neon.projectId, search: "pre-" })).data.count).toBe(2);
  });

  it("renames (409 on a clash), sets and clears expires_at, and refuses expiry on the default branch", async () => {
    const { neon, api } = await emulator();
    const a = await branchOf(neon, api, "a");
    await branchOf(neon, api, "b");
    const clash = await failure(api.updateProjectBranch(neon.projectId, a.branch.id, { branch: { name: "b" } }));
    expect(clash.status).toBe(409);
    const renamed = await api.updateProjectBranch(neon.projectId, a.branch.id, { branch: { name: "a2" } });
    expect(renamed.data).toMatchObject({ branch: { id: a.branch.id, name: "a2" }, operations: [] });
    const soon = new Date(Date.now() + 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const expiring = await api.updateProjectBranch(neon.projectId, a.branch.id, { branch: { expires_at: soon } });
    expect(expiring.data.branch.expires_at).toBe(soon);
    const cleared = await api.updateProjectBranch(neon.projectId, a.branch.id, { branch: { expires_at: null } });
    expect(cleared.data.branch.expires_at).toBeUndefined();
    const onDefault = api.updateProjectBranch(neon.projectId, neon.defaultBranchId, { branch: { expires_at: soon } });
    expect((await failure(onDefault)).status).toBe(400);
  });

  it("deletes a branch and its database (200 with operations), answers 204 the second time", async () => {
    const { neon, api } = await emulator();
    const data = await branchOf(neon, api, "doomed");
    const physical = neon.physicalDatabaseName(data.branch.id);
    const uri = data.connection_uris![0]!.connection_uri;
    const session = await openSession(uri);
    const deleted = await api.deleteProjectBranch({ projectId: neon.projectId, branchId: data.branch.id });
    expect(deleted.status).toBe(200);
    expect(deleted.data.branch.id).toBe(data.branch.id);
    expect(deleted.data.operations.map((op) => op.action)).toEqual(["suspend_compute", "delete_timeline"]);
    await waitForOperations(api, neon, deleted.data.operations);
    // Its sessions are gone with it.
    await expect(session.query("SELECT 1")).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await query(adminUrl(), "SELECT 1 FROM pg_database WHERE datname = $1", [physical])).toEqual([]);
    const again = await api.deleteProjectBranch({ projectId: neon.projectId, branchId: data.branch.id });
    expect(again.status).toBe(204);
    expect(again.data).toBe("");
    expect((await failure(api.getProjectBranch(neon.projectId, data.branch.id))).status).toBe(404);
    expect((await api.listProjectBranchEndpoints(neon.projectId, neon.defaultBranchId)).data.endpoints).toHaveLength(1);
  });

  it("refuses to delete the default branch and any branch with children (422)", async () => {
    const { neon, api } = await emulator();
    const parent = await branchOf(neon, api, "parent");
    await branchOf(neon, api, "child", parent.branch.id);
    const refused = await failure(api.deleteProjectBranch({ projectId: neon.projectId, branchId: parent.branch.id }));
    expect(refused).toMatchObject({
      status: 422,
      body: { message: `cannot delete branch that has children: ${parent.branch.id}` },
    });
    const main = await failure(api.deleteProjectBranch({ projectId: neon.projectId, branchId: neon.defaultBranchId }));
    expect(main.status).toBe(422);
  });
});

describe("restoring a branch", () => {
  it("restores production from a snapshot's head: same id, endpoint and URI, new data, old data preserved, lineage rewritten", async () => {
    const { neon, api } = await emulator();
    const prodUri = await productionUri(neon, api);
    await query(prodUri, "CREATE TABLE moment (title text); INSERT INTO moment VALUES ('v1')");
    const snapshot = await branchOf(neon, api, "pre-migration-1");
    const other = await branchOf(neon, api, "dev");
    await query(prodUri, "ALTER TABLE moment ADD COLUMN broken int; INSERT INTO moment VALUES ('v2', 1)");
    const endpointBefore = (await api.listProjectBranchEndpoints(neon.projectId, neon.defaultBranchId)).data.endpoints[0];

    const session = await openSession(prodUri);
    const { data, status } = await api.restoreProjectBranch(neon.projectId, neon.defaultBranchId, {
      source_branch_id: snapshot.branch.id,
      preserve_under_name: "main-before-restore",
    });
    expect(status).toBe(200);
    expect(data.branch).toMatchObject({
      id: neon.defaultBranchId,
      name: "main",
      current_state: "resetting",
      pending_state: "ready",
      parent_id: snapshot.branch.id,
    });
    expect(data.branch.last_reset_at).toBeDefined();
    expect(data.operations.map((op) => op.action)).toEqual(["suspend_compute", "create_branch", "delete_timeline"]);
    // Open sessions were dropped, and connecting before the operations finish fails.
    await expect(session.query("SELECT 1")).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await connectError(prodUri)).toMatch(/not currently accepting connections/);
    await waitForOperations(api, neon, data.operations);

    expect(await productionUri(neon, api)).toBe(prodUri);
    expect((await api.listProjectBranchEndpoints(neon.projectId, neon.defaultBranchId)).data.endpoints[0]?.id).toBe(
      endpointBefore?.id,
    );
    expect((await api.getProjectBranch(neon.projectId, neon.defaultBranchId)).data.branch.current_state).toBe("ready");
    expect((await query(prodUri, "SELECT * FROM moment")).map((row) => row.title)).toEqual(["v1"]);

    const branches = (await api.listProjectBranches({ projectId: neon.projectId })).data.branches;
    const byName = Object.fromEntries(branches.map((branch) => [branch.name, branch]));
    const backup = byName["main-before-restore"]!;
    expect(backup.parent_id).toBeUndefined();
    expect(byName["pre-migration-1"]?.parent_id).toBe(backup.id);
    expect(byName.dev?.parent_id).toBe(backup.id);
    expect(byName.main?.parent_id).toBe(snapshot.branch.id);
    expect(
      (await query(neon.branchDatabaseUrl(backup.id), "SELECT title FROM moment ORDER BY title")).map((row) => row.title),
    ).toEqual(["v1", "v2"]);
    // The source and the backup now have children: Neon refuses to delete them.
    for (const id of [snapshot.branch.id, backup.id]) {
      const refused = await failure(api.deleteProjectBranch({ projectId: neon.projectId, branchId: id }));
      expect(refused).toMatchObject({ status: 422, body: { message: `cannot delete branch that has children: ${id}` } });
    }
    expect(other.branch.id).toBeDefined();
  });

  it("validates the request: 400 without source, 404 unknown source, 422 children without preserve_under_name, 409 taken name", async () => {
    const { neon, api } = await emulator();
    const snap = await branchOf(neon, api, "snap");
    const restore = (body: object) => api.restoreProjectBranch(neon.projectId, neon.defaultBranchId, body as never);
    expect((await failure(restore({}))).status).toBe(400);
    expect((await failure(restore({ source_branch_id: "br-no-such-00000000" }))).status).toBe(404);
    expect(await failure(restore({ source_branch_id: snap.branch.id }))).toMatchObject({
      status: 422,
      body: { message: "Branch has children, preserve_under_name is required" },
    });
    expect((await failure(restore({ source_branch_id: snap.branch.id, preserve_under_name: "snap" }))).status).toBe(409);
    expect((await failure(restore({ source_branch_id: neon.defaultBranchId, preserve_under_name: "x" }))).status).toBe(400);
    const now = new Date().toISOString();
    expect((await failure(restore({ source_branch_id: neon.defaultBranchId, source_timestamp: now }))).status).toBe(422);
    const both = restore({ source_branch_id: neon.defaultBranchId, source_timestamp: now, source_lsn: "0/1", preserve_under_name: "x" });
    expect((await failure(both)).status).toBe(400);
    // Nothing happened.
    expect((await api.listProjectBranches({ projectId: neon.projectId })).data.branches).toHaveLength(2);
  });

  it("restores a root branch to a point in time from recorded history; both branches end up roots", async () => {
    const { neon, api } = await emulator();
    const prodUri = await productionUri(neon, api);
    await query(prodUri, "CREATE TABLE moment (title text); INSERT INTO moment VALUES ('v1')");
    const good = await neon.recordHistory();
    await query(prodUri, "INSERT INTO moment VALUES ('v2')");
    await neon.recordHistory();
    const { data } = await api.restoreProjectBranch(neon.projectId, neon.defaultBranchId, {
      source_branch_id: neon.defaultBranchId,
      source_timestamp: new Date(good.getTime() + 1).toISOString(),
      preserve_under_name: "main-pitr-backup",
    });
    await waitForOperations(api, neon, data.operations);
    expect(data.branch).toMatchObject({ id: neon.defaultBranchId, current_state: "resetting" });
    expect((await query(prodUri, "SELECT title FROM moment")).map((row) => row.title)).toEqual(["v1"]);
    const branches = (await api.listProjectBranches({ projectId: neon.projectId })).data.branches;
    const backup = branches.find((branch) => branch.name === "main-pitr-backup")!;
    expect(backup.parent_id).toBeUndefined();
    expect(branches.find((branch) => branch.id === neon.defaultBranchId)?.parent_id).toBeUndefined();
    expect((await query(neon.branchDatabaseUrl(backup.id), "SELECT count(*)::int AS n FROM moment"))[0]?.n).toBe(2);
  });

  it("creates a branch from a root branch's recorded history with parent_timestamp", async () => {
    const { neon, api } = await emulator();
    const prodUri = await productionUri(neon, api);
    await query(prodUri, "CREATE TABLE moment (title text); INSERT INTO moment VALUES ('v1')");
    const point = await neon.recordHistory();
    await query(prodUri, "INSERT INTO moment VALUES ('v2')");
    const { data } = await api.createProjectBranch(neon.projectId, {
      branch: { name: "as-of-v1", parent_timestamp: new Date(point.getTime() + 1).toISOString() },
      endpoints: [{ type: EndpointType.ReadWrite }],
    });
    await waitForOperations(api, neon, data.operations);
    expect(data.branch.parent_id).toBe(neon.defaultBranchId);
    const uri = data.connection_uris![0]!.connection_uri;
    expect((await query(uri, "SELECT title FROM moment")).map((row) => row.title)).toEqual(["v1"]);
  });

  it("refuses point-in-time restores outside the window, in the future, and on a branch that is no longer a root", async () => {
    const { neon, api } = await emulator({ historyRetentionSeconds: 60 });
    const pitr = (at: Date) =>
      api.restoreProjectBranch(neon.projectId, neon.defaultBranchId, {
        source_branch_id: neon.defaultBranchId,
        source_timestamp: at.toISOString(),
        preserve_under_name: `backup-${at.getTime()}`,
      });
    expect((await failure(pitr(new Date(Date.now() - 3600_000)))).status).toBe(400);
    expect((await failure(pitr(new Date(Date.now() + 3600_000)))).status).toBe(400);
    const snap = await branchOf(neon, api, "snap");
    const { data } = await api.restoreProjectBranch(neon.projectId, neon.defaultBranchId, {
      source_branch_id: snap.branch.id,
      preserve_under_name: "main-old",
    });
    await waitForOperations(api, neon, data.operations);
    const notRoot = await failure(pitr(new Date()));
    expect(notRoot.status).toBe(400);
    expect((notRoot.body as { message: string }).message).toMatch(/root/);
  });
});

describe("fault injection and the request log", () => {
  it("injects 429 with Retry-After, 5xx and 423 as GeneralError bodies, then behaves normally", async () => {
    const { neon, api } = await emulator();
    neon.inject("listProjectBranches", { type: "status", status: 429, retryAfter: 2 });
    neon.inject("listProjectBranches", { type: "status", status: 503 });
    neon.inject("createProjectBranch", { type: "status", status: 423 });
    neon.inject("*", { type: "status", status: 500 }, { method: "GET" });
    const limited = await failure(api.listProjectBranches({ projectId: neon.projectId }));
    expect(limited).toMatchObject({ status: 429, headers: { "retry-after": "2" }, body: GENERAL_ERROR });
    expect((await failure(api.listProjectBranches({ projectId: neon.projectId }))).status).toBe(503);
    expect((await failure(api.createProjectBranch(neon.projectId, { branch: { name: "x" } }))).body).toMatchObject({
      message: "project already has running operations, scheduling of new ones is prohibited",
    });
    expect((await failure(api.getProject(neon.projectId))).status).toBe(500);
    expect(neon.pendingFaults()).toBe(0);
    expect((await api.listProjectBranches({ projectId: neon.projectId })).data.branches).toHaveLength(1);
    expect(neon.requests.map((entry) => [entry.route, entry.status, entry.fault ?? null])).toEqual([
      ["listProjectBranches", 429, "status"],
      ["listProjectBranches", 503, "status"],
      ["createProjectBranch", 423, "status"],
      ["getProject", 500, "status"],
      ["listProjectBranches", 200, null],
    ]);
    expect(neon.countRequests("listProjectBranches", "GET")).toBe(3);
  });

  it("delays an answer past the client's timeout; the request is still applied", async () => {
    const { neon } = await emulator();
    neon.inject("createProjectBranch", { type: "delay", ms: 1500 });
    const impatient = apiFor(neon, { timeout: 300 });
    const error = await impatient.createProjectBranch(neon.projectId, { branch: { name: "late" } }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("ECONNABORTED");
    expect((error as { response?: unknown }).response).toBeUndefined();
    for (;;) {
      const branches = (await apiFor(neon).listProjectBranches({ projectId: neon.projectId })).data.branches;
      if (branches.some((branch) => branch.name === "late")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it("applies a request and drops its response", async () => {
    const { neon, api } = await emulator();
    neon.inject("createProjectBranch", { type: "drop-response" });
    const error = await api.createProjectBranch(neon.projectId, { branch: { name: "lost" } }).catch((e: unknown) => e);
    expect((error as { isAxiosError?: boolean }).isAxiosError).toBe(true);
    expect((error as { response?: unknown }).response).toBeUndefined();
    const branches = (await api.listProjectBranches({ projectId: neon.projectId })).data.branches;
    expect(branches.map((branch) => branch.name)).toContain("lost");
    expect(neon.requests[0]).toMatchObject({ route: "createProjectBranch", status: 201, dropped: true });
  });

  it("makes an operation end failed: the branch never becomes ready nor connectable", async () => {
    const { neon, api } = await emulator();
    neon.inject("createProjectBranch", { type: "fail-operation", action: "start_compute" });
    const { data } = await api.createProjectBranch(neon.projectId, {
      branch: { name: "broken" },
      endpoints: [{ type: EndpointType.ReadWrite }],
    });
    const ops = await waitForOperations(api, neon, data.operations);
    expect(ops.map((op) => [op.action, op.status])).toEqual([
      ["create_branch", "finished"],
      ["start_compute", "failed"],
    ]);
    expect(ops[1]?.error).toEqual(expect.any(String));
    expect((await api.getProjectBranch(neon.projectId, data.branch.id)).data.branch.current_state).toBe("init");
    expect(await connectError(data.connection_uris![0]!.connection_uri)).toMatch(/not currently accepting connections/);
    // A failed operation is terminal: the project is not locked by it.
    const deleted = await api.deleteProjectBranch({ projectId: neon.projectId, branchId: data.branch.id });
    expect(deleted.status).toBe(200);
  });
});

/** A canonical description of a database: catalog and data, for comparing copies. */
async function describeDatabase(url: string): Promise<unknown> {
  return withClient(url, async (client) => {
    await client.query("SELECT pg_catalog.set_config('search_path', '', false)");
    const q = async (sql: string) => (await client.query(sql)).rows;
    const user = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;
    const tables = await q(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind, pg_get_userbyid(c.relowner) AS owner,
              obj_description(c.oid, 'pg_class') AS comment
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${user} AND c.relkind IN ('r', 'v', 'm', 'S', 'i') ORDER BY 1`,
    );
    const data: Record<string, unknown> = {};
    for (const table of tables.filter((t) => ["r", "m"].includes(t.relkind as string))) {
      data[table.name as string] = (await q(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h, count(*) AS n FROM ${table.name} t`))[0];
    }
    return {
      tables,
      data,
      columns: await q(
        `SELECT format('%s.%I', a.attrelid::regclass, a.attname) AS col, format_type(a.atttypid, a.atttypmod) AS type,
                a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid) AS def, a.attcollation::regcollation::text AS coll
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE ${user} AND c.relkind IN ('r', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1`,
      ),
      constraints: await q(
        `SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
           JOIN pg_namespace n ON n.oid = c.connamespace WHERE ${user} ORDER BY 1, 2`,
      ),
      indexes: await q(
        `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${user} ORDER BY 1`,
      ),
      views: await q(
        `SELECT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ${user} AND c.relkind IN ('v', 'm') ORDER BY 1`,
      ),
      functions: await q(
        `SELECT pg_get_functiondef(p.oid) AS def, pg_get_userbyid(p.proowner) AS owner FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${user} ORDER BY 1`,
      ),
      triggers: await q(`SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
      types: await q(
        `SELECT format_type(t.oid, NULL) AS name, t.typtype, pg_get_userbyid(t.typowner) AS owner,
                ARRAY(SELECT enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY enumsortorder) AS labels
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE ${user} AND t.typtype IN ('e', 'd', 'c') AND (t.typtype <> 'c' OR t.typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c')) ORDER BY 1`,
      ),
      sequences: await q(
        `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value, start_value, increment_by, sequenceowner FROM pg_sequences ORDER BY 1`,
      ),
    };
  });
}


