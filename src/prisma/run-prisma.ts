// The only place that runs the Prisma CLI. It runs in a process group of its own: Prisma's engine
// child can outlive the Node process and keep migrating while holding its advisory lock, so a
// timeout or Ctrl-C kills the whole group, not just the PID.
import { execa } from "execa";
import { stripVTControlCharacters } from "node:util";
import type { PrismaCli } from "./prisma-cli.js";

export type PrismaRun = {
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  interrupted: boolean;
  durationMs: number;
};

export type PrismaRunOptions = {
  cwd: string;
  /**
   * Prisma's whole environment, nothing inherited: built by PrismaConnections (src/prisma-target),
   * which decides what may reach production. Only that module calls runPrisma.
   */
  env: Record<string, string>;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
};

export async function runPrisma(cli: PrismaCli, args: string[], options: PrismaRunOptions): Promise<PrismaRun> {
  const started = performance.now();
  const child = execa(process.execPath, [cli.entry, ...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    // Never a TTY: a Rust panic would otherwise offer an interactive report.
    stdin: "ignore",
    detached: true,
    cleanup: true,
    all: false,
  });
  let timedOut = false;
  let interrupted = false;
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        killGroup();
      }, options.timeoutMs)
    : undefined;
  const onAbort = () => {
    interrupted = true;
    killGroup();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    const result = await child;
    return {
      args,
      exitCode: timedOut || interrupted ? -1 : (result.exitCode ?? -1),
      stdout: clean(String(result.stdout ?? "")),
      stderr: clean(String(result.stderr ?? "")),
      timedOut,
      interrupted,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Prisma's P3018 excerpt carries raw ANSI codes from Rust even with NO_COLOR. */
function clean(text: string): string {
  return stripVTControlCharacters(text).replace(/\r\n/g, "\n");
}

/** The first line that names an error, for one-line summaries. */
export function prismaErrorLine(run: PrismaRun): string {
  const lines = `${run.stderr}\n${run.stdout}`.split("\n").map((line) => line.trim());
  const index = lines.findIndex((line) => /^Error[: ]|error:|ERROR:/i.test(line));
  if (index === -1) return lines.filter(Boolean).at(-1) ?? `prisma exited with code ${run.exitCode}`;
  const next = lines[index + 1];
  return lines[index] === "Error: external connector error" && next ? next : (lines[index] ?? "");
}
