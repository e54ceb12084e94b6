// The Neon scenarios against the real Neon API: `npm run test:neon-live` with NEON_API_KEY set.
// It creates a throwaway project of its own (refusing to run with NEON_PROJECT_ID set, so it
// cannot touch an existing project), runs the same scenario code as the emulator suite
// (test/support/neon-scenarios.ts, run by `npm test` in neon-matrix.test.ts), records what Neon
// answered to each open question of docs/neon.md, prints the table, writes it to
// neon-live-answers.md (or DBSHIP_NEON_LIVE_OUT), and deletes the project at the end.
// Skipped unless DBSHIP_NEON_LIVE=1 (set by the npm script) and NEON_API_KEY are both present.
import { writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { createApiClient } from "@neondatabase/api-client";
import { describe, expect, it } from "vitest";
import { runDbship, runPrisma } from "../support/cli.js";
import { deployRollbackPruneRestore, LONG_TITLE } from "../support/neon-scenarios.js";
import { query } from "../support/postgres.js";
import { createProject } from "../support/project.js";

const apiKey = process.env.NEON_API_KEY;
const live = process.env.DBSHIP_NEON_LIVE === "1" && Boolean(apiKey);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!live)("Neon live contract (real API, a throwaway project)", () => {
  it("runs the scenarios and records Neon's answers", { timeout: 20 * 60_000 }, async () => {
    if (process.env.NEON_PROJECT_ID) {
      throw new Error("NEON_PROJECT_ID is set: this suite creates and deletes a project of its own and never touches an existing one. Unset it and run again.");
    }
    const api = createApiClient({ apiKey: apiKey!, baseURL: process.env.NEON_API_HOST || undefined });
    const name = `dbship-live-${randomBytes(4).toString("hex")}`;
    const { data: created } = await api.createProject({ project: { name, branch: { name: "production" } } });
    const projectId = created.project.id;
    const answers: Array<[string, string]> = [];
    const projects: Array<{ cleanup(): Promise<void> }> = [];
    try {
      const url = created.connection_uris[0]!.connection_uri;
      // Let the project's creation operations finish before the first mutation.
      for (let i = 0; i < 60; i++) {
        const { data } = await api.listProjectOperations({ projectId, limit: 20 });
        if (data.operations.every((op) => op.status === "finished" || op.status === "skipped")) break;
        await sleep(1_000);
      }
      answers.push(["plan (owner.subscription_type) and branches_limit", `${created.project.owner?.subscription_type ?? "?"}, ${created.project.owner?.branches_limit ?? "?"}`]);
      const builder = await createProject({ migrations: 1 });
      projects.push(builder);
      const built = await runPrisma(["migrate", "deploy"], { cwd: builder.dir, databaseUrl: url });
      expect(built.exitCode, built.stderr + built.stdout).toBe(0);
      for (const title of ["ok", LONG_TITLE]) await query(url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [title]);
      const prefix = `live${randomBytes(2).toString("hex")}-`;
      const project = await createProject({ config: { provider: "neon", neon: { projectId, productionBranch: "production" }, snapshot: { prefix } } });
      projects.push(project);
      await deployRollbackPruneRestore(
        {
          url,
          prefix,
          dbship: (args, env = {}) => runDbship(args, { cwd: project.dir, env: { DATABASE_URL: url, NEON_API_KEY: apiKey, NEON_PROJECT_ID: undefined, ...env }, timeoutMs: 10 * 60_000 }),
          branches: async () => (await api.listProjectBranches({ projectId })).data.branches,
          // Neon restores from WAL: any moment after the writes will do.
          markHistory: async () => {
            await sleep(2_000);
            const at = new Date();
            await sleep(2_000);
            return at;
          },
        },
        (question, answer) => answers.push([question, answer]),
      );
    } finally {
      for (const project of projects) await project.cleanup().catch(() => undefined);
      await api.deleteProject(projectId).then(
        () => answers.push(["cleanup", `project ${projectId} deleted`]),
        (error: unknown) => answers.push(["cleanup", `could not delete project ${projectId} (${String((error as Error).message)}): delete it in the Neon console`]),
      );
      const table = [
        `# What Neon answered (${new Date().toISOString()}, project ${name})`,
        "",
        "| Question (docs/neon.md) | Neon's answer |",
        "| --- | --- |",
        ...answers.map(([question, answer]) => `| ${question} | ${answer.replace(/\|/g, "\\|")} |`),
        "",
        "Not observable on demand: a failed operation that Neon retries, a long 423 (see docs/neon.md).",
      ].join("\n");
      console.log(table);
      await writeFile(process.env.DBSHIP_NEON_LIVE_OUT ?? "neon-live-answers.md", `${table}\n`);
    }
  });
});
