// What every command that runs Prisma starts from: the project's own Prisma CLI, where its schema
// and migrations are (as Prisma finds them), and the connections every run must go through.
import type { Config } from "../config.js";
import { findPrismaCli, type PrismaCli } from "../prisma/prisma-cli.js";
import { PrismaConnections } from "./prisma-connections.js";

export type PrismaProject = { config: Config; prisma: PrismaCli; connections: PrismaConnections };

export async function openPrisma(config: Config, options: { productionUrl: string | undefined; tripwire: boolean }): Promise<PrismaProject> {
  const prisma = findPrismaCli(config.root);
  const connections = await PrismaConnections.open({
    cli: prisma,
    root: config.root,
    schemaPath: config.schemaFromFile ? config.schemaPath : undefined,
    migrationsDir: config.migrationsFromFile ? config.migrationsDir : undefined,
    databaseUrlEnv: config.databaseUrlEnv,
    productionUrl: options.productionUrl,
    tripwire: options.tripwire,
  });
  return { config: { ...config, ...connections.files }, prisma, connections };
}
