// Starts one real PostgreSQL (embedded-postgres, no server needed on the machine) for the whole
// run and builds the CLI once, so end-to-end tests run exactly what users run.
import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/infra/embedded-postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  const server = await startEmbeddedPostgres();
  project.provide("pgAdminUrl", server.adminUrl);
  return async () => {
    await server.stop();
  };
}
