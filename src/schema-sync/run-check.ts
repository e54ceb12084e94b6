// `dbship check`: the schema.prisma ↔ migrations check alone, for pull requests. It never
// touches production: scratch databases live on --shadow-url's server or on an embedded
// PostgreSQL started for the run.
import { loadConfig, type ConfigFlags } from "../config.js";
import { EXIT } from "../errors.js";
import { parseUrl } from "../infra/urls.js";
import { readLocalMigrations } from "../migrations/local-migrations.js";
import { openPrisma } from "../prisma-target/open-prisma.js";
import type { Progress } from "../ui/progress.js";
import type { SchemaDifference } from "../verify/schema-diff.js";
import { applyAcknowledgements, type Acknowledgement, type AcknowledgedDifference } from "./acknowledge.js";
import { checkSchemaSync } from "./check-schema-sync.js";
import { embeddedScratchServer, scratchServerAt } from "./scratch-server.js";

export type CheckReport = {
  command: "check";
  ok: boolean;
  exitCode: number;
  inSync: boolean;
  server: string;
  migrations: number;
  /** Differences no acknowledgement in dbship.config.json matches. */
  differences: SchemaDifference[];
  /** Differences acknowledged in dbship.config.json (schemaCheck.acknowledge), with their reason. */
  acknowledged: AcknowledgedDifference[];
  /** Acknowledgements that matched no difference. */
  unmatchedAcknowledgements: Acknowledgement[];
  notCompared: string[];
  error: null;
};

export async function runCheck(options: ConfigFlags & { shadowUrl?: string | undefined; progress: Progress; signal: AbortSignal }): Promise<CheckReport> {
  // Production is whatever databaseUrlEnv holds, if anything: no Prisma run here may reach it.
  const loaded = await loadConfig(options);
  const { config, prisma, connections } = await openPrisma(loaded, { productionUrl: loaded.databaseUrl, tripwire: false });
  const local = await readLocalMigrations(config.migrationsDir);
  if (options.shadowUrl) parseUrl(options.shadowUrl);
  options.progress.start(options.shadowUrl ? "Connecting to the scratch server" : "Starting an embedded PostgreSQL");
  const server = options.shadowUrl ? scratchServerAt(options.shadowUrl, "the --shadow-url server") : await embeddedScratchServer();
  options.progress.succeed(`Scratch databases on ${server.label}`);
  try {
    options.progress.start(`Replaying ${local.length} migration(s) and building schema.prisma`);
    const result = await checkSchemaSync({ config, prisma, connections, local, server, signal: options.signal, progress: options.progress });
    const { differences, acknowledged, unmatched } = applyAcknowledgements(result.differences, config.schemaCheck.acknowledge);
    const inSync = differences.length === 0;
    if (inSync) options.progress.succeed(`schema.prisma and the migrations agree${acknowledged.length ? ` (${acknowledged.length} acknowledged difference(s))` : ""}`);
    else options.progress.fail(`${differences.length} difference(s)`);
    return {
      command: "check",
      ok: inSync,
      exitCode: inSync ? EXIT.OK : EXIT.REFUSED,
      inSync,
      server: result.server,
      migrations: local.length,
      differences,
      acknowledged,
      unmatchedAcknowledgements: unmatched,
      notCompared: result.notCompared.map((object) => `${object.kind} ${object.table ? `${object.table}.` : ""}${object.name}`),
      error: null,
    };
  } finally {
    await server.close();
  }
}
