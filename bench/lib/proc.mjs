// Runs node processes and times them from spawn to exit (wall clock, as a user or CI sees it).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const dbshipBin = path.join(repoRoot, "bin/dbship.js");
export const prismaEntry = path.join(repoRoot, "node_modules/prisma/build/index.js");
/** The test-only preload that lets Prisma 6.19's WebAssembly engine exit without its 10 s idle wait. */
export const unrefPreload = path.join(repoRoot, "test/support/unref-long-timers.cjs");


/**
 * Environment for every measured process, dbship's and bare Prisma's alike: the unref preload
 * (through NODE_OPTIONS, so dbship's Prisma children get it too), no colour, no update checks.
 */
export function benchEnv(extra = {}) {
  const env = { ...process.env, NODE_OPTIONS: `--require ${unrefPreload}`, NO_COLOR: "1", FORCE_COLOR: "0", PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1", ...extra };
  delete env.GITHUB_ACTIONS;
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/** Spawns `node ...args` and resolves when it exits: { ms, code, stdout, stderr }. */
export function timeNode(args, { cwd = repoRoot, env = benchEnv(), input } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ ms: performance.now() - started, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(input ?? "");
  });
}

/** Like timeNode, but fails loudly when the exit code is not one of `ok`. */
export async function mustRun(label, args, options = {}, ok = [0]) {
  const result = await timeNode(args, options);
  if (!ok.includes(result.code)) {
    throw new Error(`${label} exited ${result.code}\n--- stderr\n${result.stderr.slice(-4000)}\n--- stdout\n${result.stdout.slice(-4000)}`);
  }
  return result;
}
