// Runs the built dbship CLI as a user would (node bin/dbship.js) and the real Prisma CLI.
import { execa } from "execa";
import path from "node:path";
import { repoRoot } from "./project.js";

const preload = path.join(repoRoot, "test/support/unref-long-timers.cjs");

/** Environment for child processes: the test-only preload (see unref-long-timers.cjs), no colour. */
export function testEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_OPTIONS: `--require ${preload}`,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
    GITHUB_ACTIONS: undefined,
    ...extra,
  };
}

/** `output` is stderr then stdout: progress, then the report (which opens with the error, if any). */
export type CliResult = { exitCode: number; stdout: string; stderr: string; output: string; json: any };

export async function runDbship(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  const result = await execa("node", [path.join(repoRoot, "bin/dbship.js"), ...args], {
    cwd: options.cwd,
    env: testEnv(options.env),
    extendEnv: true,
    reject: false,
    input: options.input ?? "",
    timeout: options.timeoutMs ?? 110_000,
  });
  let json: any = undefined;
  if (args.includes("--json")) {
    try {
      json = JSON.parse(result.stdout);
    } catch {
      json = undefined;
    }
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, output: `${result.stderr}\n${result.stdout}`, json };
}

/** Runs the project's real Prisma CLI (e.g. to build a "production" database for a test). */
export async function runPrisma(args: string[], options: { cwd: string; databaseUrl: string }) {
  return execa("node", [path.join(repoRoot, "node_modules/prisma/build/index.js"), ...args], {
    cwd: options.cwd,
    env: testEnv({ DATABASE_URL: options.databaseUrl }),
    reject: false,
    timeout: 60_000,
  });
}
