// Reads the project's prisma.config.* the way the Prisma CLI does: with the project's own
// @prisma/config loader (the package its Prisma CLI depends on), in a child process, under the
// environment dbship is about to give Prisma. A config file is code (dotenv, adapters, fallbacks
// between variables): only running it says what it does.
//
// The child also runs the driver adapter's factory, if there is one, with every outgoing socket
// intercepted before it opens: the host it tries names where the adapter would connect, without
// connecting anywhere.
import { execa } from "execa";
import { createRequire } from "node:module";
import path from "node:path";
import { DbshipError } from "../errors.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";

export type PrismaConfigFacts = {
  /** The config file Prisma loads, or undefined when the project has none. */
  file: string | undefined;
  /** `schema` (a file or a folder), absolute. */
  schema: string | undefined;
  /** `migrations.path`, absolute. */
  migrationsPath: string | undefined;
  /** Prisma 6: "js" runs Migrate on the WebAssembly engine through the adapter; "classic" on the native one. */
  engine: "js" | "classic" | undefined;
  hasAdapter: boolean;
  /** `datasource` (Prisma 7; Prisma 6 with engine "classic"): overrides schema.prisma's url settings. */
  datasource: { url?: string; directUrl?: string } | undefined;
  /** Hosts the adapter's factory tried to open a socket to (host:port). */
  adapterConnections: string[];
  /** A variable the config requires with env() and that is not set (Prisma 7's PrismaConfigEnvError). */
  missingVariable: string | undefined;
};

const RESULT_MARK = "__dbship_prisma_config__";

// Runs in the child: `node --input-type=module -e SCRIPT <root> <@prisma/config entry>`.
const SCRIPT = String.raw`
import net from "node:net";
import { pathToFileURL } from "node:url";
const [root, loaderPath] = process.argv.slice(1);
const attempts = [];
const refuse = function (...args) {
  const options = typeof args[0] === "object" && args[0] !== null ? args[0] : { port: args[0], host: typeof args[1] === "string" ? args[1] : undefined };
  attempts.push((options.host ?? options.path ?? "localhost") + ":" + (options.port ?? ""));
  const error = Object.assign(new Error("dbship: connection intercepted"), { code: "ECONNREFUSED" });
  process.nextTick(() => this.destroy(error));
  return this;
};
net.Socket.prototype.connect = refuse;
const out = { file: null, schema: null, migrationsPath: null, engine: null, hasAdapter: false, datasource: null, adapterConnections: attempts, error: null, missingVariable: null };
const settle = (promise, ms) => Promise.race([Promise.resolve(promise).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
try {
  const loader = await import(pathToFileURL(loaderPath).href);
  const load = loader.loadConfigFromFile ?? loader.default?.loadConfigFromFile;
  const result = await load({ configRoot: root });
  out.file = result.resolvedPath ?? null;
  if (result.error) {
    const error = result.error.error ?? result.error;
    out.error = String(error?.message ?? result.error._tag ?? JSON.stringify(result.error));
    const missing = /environment variable:?\s*"?([A-Za-z_][A-Za-z0-9_]*)/i.exec(out.error);
    if (missing) out.missingVariable = missing[1];
  } else {
    const config = result.config;
    out.schema = config.schema ?? null;
    out.migrationsPath = config.migrations?.path ?? null;
    out.engine = config.engine ?? null;
    const datasource = config.datasource;
    if (datasource) out.datasource = { url: datasource.url ?? undefined, directUrl: datasource.directUrl ?? undefined };
    const adapter = config.adapter ?? config.migrate?.adapter;
    if (typeof adapter === "function") {
      out.hasAdapter = true;
      const factory = await settle(adapter(), 3000);
      // Prisma wraps the factory: connect() answers a Result ({ ok, value }) around the adapter.
      const unwrap = (result) => (result && typeof result === "object" && "ok" in result && "value" in result ? result.value : result);
      const connected = unwrap(factory && typeof factory.connect === "function" ? await settle(factory.connect(), 3000) : undefined);
      if (connected && typeof connected.queryRaw === "function") await settle(connected.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] }), 3000);
    }
  }
} catch (error) {
  out.error = String(error?.message ?? error);
}
process.stdout.write("\n${RESULT_MARK}" + JSON.stringify(out) + "\n");
process.exit(0);
`;

export async function readPrismaConfig(cli: PrismaCli, root: string, env: Record<string, string>): Promise<PrismaConfigFacts> {
  const loader = createRequire(cli.packageJson).resolve("@prisma/config");
  const child = await execa(process.execPath, ["--input-type=module", "-e", SCRIPT, root, loader], {
    cwd: root,
    env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
  });
  const line = String(child.stdout ?? "")
    .split("\n")
    .find((text) => text.startsWith(RESULT_MARK));
  if (!line) {
    throw new DbshipError("PRISMA_CONFIG_INVALID", `could not read the project's Prisma configuration: ${firstLine(String(child.stderr ?? "")) || `exit ${child.exitCode}`}`, {
      hint: "Run `npx prisma validate` in the project to see Prisma's own error.",
    });
  }
  const raw = JSON.parse(line.slice(RESULT_MARK.length)) as Record<string, unknown> & { error: string | null };
  if (raw.error && !raw.missingVariable) {
    throw new DbshipError("PRISMA_CONFIG_INVALID", `Prisma cannot load ${String(raw.file ?? "prisma.config")}: ${firstLine(raw.error)}`, {
      hint: "Run `npx prisma validate` in the project to see Prisma's own error, and fix the configuration.",
    });
  }
  const absolute = (value: unknown) => (typeof value === "string" ? path.resolve(root, value) : undefined);
  const datasource = raw.datasource as PrismaConfigFacts["datasource"] | null;
  return {
    file: typeof raw.file === "string" ? raw.file : undefined,
    schema: absolute(raw.schema),
    migrationsPath: absolute(raw.migrationsPath),
    engine: raw.engine === "js" || raw.engine === "classic" ? raw.engine : undefined,
    hasAdapter: raw.hasAdapter === true,
    datasource: datasource ?? undefined,
    adapterConnections: Array.isArray(raw.adapterConnections) ? raw.adapterConnections.map(String) : [],
    missingVariable: typeof raw.missingVariable === "string" ? raw.missingVariable : undefined,
  };
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
