// Starts one real PostgreSQL (embedded-postgres, no server needed on the machine) for the whole
// run and builds the CLI once, so end-to-end tests run exactly what users run.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/infra/embedded-postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

// Type errors are reported by `npm test`'s own typecheck; here tsc emits anyway so that one
// half-finished module does not stop every end-to-end test from running.
// bin/dbship.js starts the bundle (scripts/bundle.mjs), so that is what the tests run.
function buildCli() {
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "pipe" });
  } catch (error) {
    if (!existsSync("dist/cli.js")) throw error;
  }
  execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "pipe" });
}

export default async function setup(project: TestProject) {
  buildCli();
  const server = await startEmbeddedPostgres();
  project.provide("pgAdminUrl", server.adminUrl);
  return async () => {
    await server.stop();
  };
}
