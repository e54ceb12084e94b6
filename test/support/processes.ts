// dbship as a process a test can interrupt: started, signalled (SIGINT, SIGTERM, kill -9) at a
// moment the test controls, and awaited for the exit status the shell would see.
import { execa } from "execa";
import path from "node:path";
import { testEnv, type CliResult } from "./cli.js";
import { repoRoot } from "./project.js";
import { query } from "./postgres.js";

export type RunningDbship = {
  pid: number;
  signal(name: NodeJS.Signals): void;
  /** stdout/stderr so far. */
  output(): string;
  done: Promise<CliResult & { signal: string | undefined }>;
};

export function startDbship(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): RunningDbship {
  const child = execa("node", [path.join(repoRoot, "bin/dbship.js"), ...args], {
    cwd: options.cwd,
    env: testEnv(options.env),
    extendEnv: true,
    reject: false,
    input: "",
    timeout: 110_000,
  });
  let text = "";
  child.stdout?.on("data", (chunk) => (text += String(chunk)));
  child.stderr?.on("data", (chunk) => (text += String(chunk)));
  const done = child.then((result) => {
    let json: any;
    try {
      json = args.includes("--json") ? JSON.parse(String(result.stdout)) : undefined;
    } catch {
      json = undefined;
    }
    return {
      // A process killed by a signal: the shell sees 128 + its number.
      exitCode: result.exitCode ?? (result.signal ? 128 + (result.signal === "SIGKILL" ? 9 : result.signal === "SIGTERM" ? 15 : 2) : -1),
      signal: result.signal ?? undefined,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      output: `${String(result.stderr)}\n${String(result.stdout)}`,
      json,
    };
  });
  return {
    pid: child.pid!,
    signal: (name) => child.kill(name),
    output: () => text,
    done,
  };
}

/** Polls `check` every 50 ms until it returns a truthy value. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Backends on `database` (seen from `adminUrl`) whose application_name starts with `prefix`. */
export async function sessionsNamed(adminUrl: string, database: string, prefix: string) {
  return query<{ pid: number; application_name: string; state: string; wait_event_type: string | null; query: string }>(
    adminUrl,
    `SELECT pid, application_name, state, wait_event_type, query FROM pg_stat_activity
      WHERE datname = $1 AND starts_with(application_name, $2)`,
    [database, prefix],
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two signals `gapMs` apart, sent by a shell so the gap does not depend on this (busy) test process. */
export async function signalTwice(pid: number, signal: "INT" | "TERM", gapMs: number): Promise<void> {
  await execa("sh", ["-c", `kill -${signal} $0; sleep ${gapMs / 1000}; kill -${signal} $0`, String(pid)], { reject: false });
}
