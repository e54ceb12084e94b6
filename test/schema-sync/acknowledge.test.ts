// Intended differences acknowledged in dbship.config.json: reported as acknowledged (human and
// JSON), never dropped; the check passes only when every difference is acknowledged; stale
// acknowledgements are reported.
import { describe, expect, it, afterEach } from "vitest";
import { applyAcknowledgements } from "../../src/schema-sync/acknowledge.js";
import { runDbship } from "../support/cli.js";
import { adminUrl } from "../support/postgres.js";
import { createProduction, type Production } from "../support/production.js";
import { createProject, type TestProject } from "../support/project.js";

const TRIGRAM = {
  "0003_title_search": 'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\nCREATE INDEX "moments_title_trgm_idx" ON "moments" USING GIN ("title" gin_trgm_ops);\n',
};
const ACK = { kind: "index", object: "moments.moments_title_trgm_idx", side: "migrations", reason: "trigram search, hand-written: Prisma 6 cannot declare it here" };

describe("acknowledged differences", () => {
  let project: TestProject | undefined;
  let prod: Production | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await prod?.cleanup();
    project = undefined;
    prod = undefined;
  });

  it("matches on kind, object (with *) and side, never on the message", () => {
    const index = { kind: "index" as const, object: "moments.moments_title_trgm_idx", left: "GIN (title gin_trgm_ops)", message: "anything at all" };
    const column = { kind: "column" as const, object: "moments.subtitle", right: "text", message: "column moments.subtitle" };
    const result = applyAcknowledgements(
      [index, column],
      [
        { kind: "index", object: "moments.*_trgm_idx", side: "migrations", reason: "search" },
        { kind: "column", object: "moments.subtitle", side: "migrations", reason: "wrong side" },
        { kind: "index", object: "users.*", reason: "stale" },
      ],
    );
    expect(result.acknowledged).toEqual([{ ...index, reason: "search" }]);
    expect(result.differences).toEqual([column]);
    expect(result.unmatched.map((a) => a.reason)).toEqual(["wrong side", "stale"]);
  });

  it("dbship check: without the acknowledgement exit 3; with it exit 0, listed as acknowledged in human output and JSON", async () => {
    project = await createProject({ extra: TRIGRAM });
    const refused = await runDbship(["check", "--shadow-url", adminUrl()], { cwd: project.dir });
    expect(refused.exitCode).toBe(3);
    expect(refused.stdout).toContain('index "moments_title_trgm_idx"');

    await project.writeFile("dbship.config.json", JSON.stringify({ schemaCheck: { acknowledge: [ACK, { kind: "column", object: "moments.legacy", reason: "gone since" }] } }));
    const human = await runDbship(["check", "--shadow-url", adminUrl()], { cwd: project.dir });
    expect(human.exitCode, human.output).toBe(0);
    expect(human.stdout).toContain("acknowledged in dbship.config.json (1)");
    expect(human.stdout).toContain("moments_title_trgm_idx");
    expect(human.stdout).toContain("trigram search, hand-written");
    expect(human.stdout).toContain("1 acknowledgement(s) in dbship.config.json match no difference");
    expect(human.stdout).toContain("column moments.legacy: gone since");

    const json = await runDbship(["check", "--shadow-url", adminUrl(), "--json"], { cwd: project.dir });
    expect(json.exitCode).toBe(0);
    expect(json.json).toMatchObject({ inSync: true, differences: [] });
    expect(json.json.acknowledged).toEqual([expect.objectContaining({ kind: "index", object: "moments.moments_title_trgm_idx", reason: ACK.reason })]);
    expect(json.json.unmatchedAcknowledgements).toEqual([{ kind: "column", object: "moments.legacy", reason: "gone since" }]);
  });

  it("an acknowledgement without a reason is bad input (exit 2)", async () => {
    project = await createProject({ config: { schemaCheck: { acknowledge: [{ kind: "index", object: "moments.x", reason: " " }] } } });
    const result = await runDbship(["check", "--shadow-url", adminUrl()], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain("schemaCheck.acknowledge.0.reason");
  });

  it("dbship deploy takes a migration whose difference is acknowledged, and reports it", async () => {
    prod = await createProduction({ applied: 2, extra: TRIGRAM, config: { schemaCheck: { acknowledge: [ACK] } } });
    // The trigram index is built without CONCURRENTLY on purpose (a small table): lint needs that said.
    await prod.project.addMigration("0003_title_search", `CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n-- dbship:allow require-concurrent-index-creation small table\n${TRIGRAM["0003_title_search"].split("\n")[1]}\n`);
    const result = await prod.dbship(["deploy", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.migrations.applied).toEqual(["0003_title_search"]);
    expect(JSON.stringify(result.json)).toContain(ACK.reason);
  });
});
