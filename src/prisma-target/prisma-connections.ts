// Where every Prisma run dbship starts will connect, and the environment that makes it connect
// there. Production is touched only by the deploy step: every other run gets an environment in
// which no variable still reaches production, its target is proven before it writes, and
// production is checked to be unchanged after it (see README.md in this folder).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { DbshipError } from "../errors.js";
import { describeTarget } from "../infra/urls.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";
import { runPrisma, type PrismaRun } from "../prisma/run-prisma.js";
import { connectionForm, connectionParts, inFormOf, parseDotenv, sameDatabase } from "./connection-strings.js";
import { readPrismaConfig, type PrismaConfigFacts } from "./prisma-config.js";
import { proveTarget } from "./prove-target.js";
import { readSchemaDatasource, type SchemaDatasource, type UrlSetting } from "./schema-datasource.js";
import { productionState } from "./production-state.js";

const CONFIG_FILES = ["prisma.config.ts", "prisma.config.mts", "prisma.config.cts", "prisma.config.js", "prisma.config.mjs", "prisma.config.cjs", ".config/prisma.ts", ".config/prisma.js", ".config/prisma.mjs", ".config/prisma.cjs", ".config/prisma.mts", ".config/prisma.cts"];
const LIBPQ_VARIABLES = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGPASSFILE"];
/** Set on every Prisma run dbship starts: no update banner, no telemetry, no colour codes. */
const QUIET: Record<string, string> = { PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1", NO_COLOR: "1" };

/** How Prisma Migrate reaches its database in this project, and the variables that feed it. */
export type ConnectionRoute = {
  /** Where the URL comes from, for messages: "the driver adapter in prisma.config.ts", "directUrl in schema.prisma". */
  source: string;
  /** Environment variables whose value decides the connection. */
  variables: string[];
  /** Connections that come from no variable (a URL written in the file, a driver default): host:port/database or host:port. */
  fixed: string[];
};

export type PrismaProjectFiles = { schemaPath: string; migrationsDir: string };

export type OpenOptions = {
  cli: PrismaCli;
  root: string;
  /** dbship.config.json's schema / migrations when it sets them (they win over Prisma's config). */
  schemaPath: string | undefined;
  migrationsDir: string | undefined;
  databaseUrlEnv: string;
  /** Production's URL when the command knows it; runs on other databases must not reach it. */
  productionUrl: string | undefined;
  /** Compare production's ledger and schema before and after every run on another database. */
  tripwire: boolean;
  env?: NodeJS.ProcessEnv;
};

export class PrismaConnections {
  readonly files: PrismaProjectFiles;
  readonly route: ConnectionRoute;
  readonly facts: PrismaConfigFacts;
  private readonly proven = new Map<string, Promise<void>>();
  private productionBefore: Promise<string> | undefined;

  private constructor(
    private readonly options: OpenOptions,
    private readonly baseEnv: Record<string, string>,
    /** Connection strings found in the project's .env files, which a config may load itself. */
    private readonly dotenvConnections: Record<string, string>,
    facts: PrismaConfigFacts,
    route: ConnectionRoute,
    files: PrismaProjectFiles,
  ) {
    this.facts = facts;
    this.route = route;
    this.files = files;
  }

  static async open(options: OpenOptions): Promise<PrismaConnections> {
    const baseEnv = stringEnv(options.env ?? process.env);
    const configFile = CONFIG_FILES.map((file) => path.join(options.root, file)).find((file) => existsSync(file));
    const dotenv = dotenvConnections(options.root, options.schemaPath);
    // Every variable that holds a connection string gets a marker URL of its own while the
    // config is evaluated: the marker that comes out names the variable the config reads.
    const candidates = new Set([options.databaseUrlEnv, ...connectionVariables(baseEnv), ...Object.keys(dotenv)]);
    let facts = noConfig();
    if (configFile) {
      facts = await readPrismaConfig(options.cli, options.root, markerEnv(baseEnv, candidates));
      if (facts.missingVariable && !candidates.has(facts.missingVariable)) {
        candidates.add(facts.missingVariable);
        facts = await readPrismaConfig(options.cli, options.root, markerEnv(baseEnv, candidates));
      }
    }
    let files = projectFiles(options, facts);
    let datasource = readSchemaDatasource(files.schemaPath);
    // Variables the schema names may be read by an adapter too, set or not (a CI job for pull
    // requests sets none): evaluate once more with markers for them.
    const schemaVariables = [datasource?.url, datasource?.directUrl].flatMap((setting) => (setting && "env" in setting ? [setting.env] : []));
    if (configFile && schemaVariables.some((name) => !candidates.has(name))) {
      for (const name of schemaVariables) candidates.add(name);
      facts = await readPrismaConfig(options.cli, options.root, markerEnv(baseEnv, candidates));
      files = projectFiles(options, facts);
      datasource = readSchemaDatasource(files.schemaPath);
    }
    const route = connectionRoute(facts, datasource, [...candidates], configFile ? path.relative(options.root, configFile) : "prisma.config.ts", files.schemaPath, options.root);
    return new PrismaConnections(options, baseEnv, dotenv, facts, route, files);
  }

  /** The environment of a Prisma run on production (the deploy step, post-verify, baseline's resolve). */
  productionEnv(url: string): Record<string, string> {
    const env: Record<string, string> = { ...this.baseEnv, ...QUIET };
    for (const name of this.readVariables()) env[name] = url;
    return env;
  }

  /**
   * The environment of a Prisma run on another database: every variable whose value is a
   * connection string — in the environment or in the project's .env files — now holds `url`, as
   * do the variables the configuration reads and libpq's PG* variables.
   */
  scratchEnv(url: string): Record<string, string> {
    const env: Record<string, string> = { ...this.baseEnv, ...QUIET };
    for (const [name, value] of Object.entries({ ...this.dotenvConnections, ...this.baseEnv })) {
      if (connectionForm(value)) env[name] = inFormOf(value, url);
    }
    for (const name of this.readVariables()) env[name] = url;
    if (LIBPQ_VARIABLES.some((name) => name in env)) {
      for (const name of LIBPQ_VARIABLES) delete env[name];
      const parsed = new URL(url);
      Object.assign(env, {
        PGHOST: parsed.hostname,
        PGPORT: parsed.port || "5432",
        PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
        PGUSER: decodeURIComponent(parsed.username),
        PGPASSWORD: decodeURIComponent(parsed.password),
      });
    }
    return env;
  }

  /** A Prisma run on production. */
  runOnProduction(args: string[], options: RunOptions): Promise<PrismaRun> {
    const url = options.url ?? this.requireProduction();
    return runPrisma(this.options.cli, args, { cwd: this.options.root, env: this.productionEnv(url), timeoutMs: options.timeoutMs, signal: options.signal });
  }

  /**
   * A Prisma run on a scratch or rehearsal database. One that writes runs only once Prisma has
   * been seen reading that very database; afterwards, production must be as it was.
   */
  async runOnScratch(url: string, args: string[], options: RunOptions & { writes: boolean }): Promise<PrismaRun> {
    this.refuseFixedProduction();
    const baseline = this.watchProduction();
    if (options.writes) await this.prove(url, options.signal);
    await baseline;
    const env = this.scratchEnv(url);
    try {
      return await runPrisma(this.options.cli, args, { cwd: this.options.root, env, timeoutMs: options.timeoutMs, signal: options.signal });
    } finally {
      await this.checkProduction(`prisma ${args.slice(0, 2).join(" ")} on ${describeTarget(url)}`);
    }
  }

  /**
   * Work of dbship's own that runs the project's configuration on a scratch database (the
   * check's replay through the driver adapter, which proves its target itself): the guards of a
   * Prisma run that writes, production's tripwire included.
   */
  async onScratch<T>(url: string, what: string, work: () => Promise<T>): Promise<T> {
    this.refuseFixedProduction();
    await this.watchProduction();
    try {
      return await work();
    } finally {
      await this.checkProduction(`${what} on ${describeTarget(url)}`);
    }
  }

  /** Proves, with a read-only Prisma run, that Prisma under scratchEnv(url) reads `url`. */
  prove(url: string, signal?: AbortSignal): Promise<void> {
    let proof = this.proven.get(url);
    if (!proof) {
      proof = proveTarget({ cli: this.options.cli, root: this.options.root, schemaPath: this.files.schemaPath, url, env: this.scratchEnv(url), signal }).then((outcome) => {
        // A probe cut short by Ctrl-C proves nothing, and is not a refusal: the caller reports the interruption.
        signal?.throwIfAborted();
        if (!outcome.proven) throw this.unproven(url, outcome.output);
      });
      this.proven.set(url, proof);
    }
    return proof;
  }

  /** Variables that decide where Prisma connects: the configuration's, the schema's and databaseUrlEnv. */
  readVariables(): string[] {
    return [...new Set([this.options.databaseUrlEnv, ...this.route.variables])];
  }

  private refuseFixedProduction(): void {
    const production = this.options.productionUrl;
    if (!production) return;
    const fixed = this.route.fixed.find((target) => reachesProduction(target, production));
    if (!fixed) return;
    throw new DbshipError("PRISMA_TARGET_FIXED", `${this.route.source} connects to production (${describeTarget(production)}) whatever the environment says: dbship cannot point Prisma at a scratch database, so it cannot check or rehearse anything`, {
      hint: `Make it read its URL from an environment variable (e.g. process.env.${this.options.databaseUrlEnv}) and set databaseUrlEnv in dbship.config.json if that variable is not DATABASE_URL. Nothing was changed.`,
    });
  }

  private unproven(url: string, output: string): DbshipError {
    const production = this.options.productionUrl;
    const suspects = [
      ...this.route.fixed.map((target) => `${this.route.source} connects to ${target} whatever the environment says`),
      ...Object.entries(this.dotenvConnections)
        .filter(([, value]) => production && sameDatabase(value, production))
        .map(([name]) => `${name} in a .env file points at production (a config that loads it with override wins over the environment)`),
    ];
    return new DbshipError(
      "PRISMA_TARGET_UNPROVEN",
      `Prisma does not connect where dbship points it: with every connection variable set to ${describeTarget(url)}, \`prisma migrate status\` read another database (${this.route.source}${this.route.variables.length ? `, which reads ${this.route.variables.join(", ")}` : ""}). Nothing was run that writes.${suspects.length ? `\n  ${suspects.join("\n  ")}` : ""}`,
      {
        hint: `Make the Prisma configuration take its URL from an environment variable (${this.options.databaseUrlEnv}, or name yours with databaseUrlEnv in dbship.config.json), with no fixed URL and no .env file that overrides the environment. Nothing was changed.`,
        details: { prismaOutput: output.slice(0, 2000) },
      },
    );
  }

  private watchProduction(): Promise<unknown> {
    const production = this.options.productionUrl;
    if (!this.options.tripwire || !production) return Promise.resolve();
    this.productionBefore ??= productionState(production);
    return this.productionBefore;
  }

  private async checkProduction(what: string): Promise<void> {
    const production = this.options.productionUrl;
    if (!this.productionBefore || !production) return;
    const [before, after] = await Promise.all([this.productionBefore, productionState(production)]);
    if (before === after) return;
    throw new DbshipError("PRODUCTION_CHANGED", `PRODUCTION CHANGED while dbship worked on another database: after ${what}, production's migration ledger or schema is not what it was before. dbship stopped at once.`, {
      hint: "Something in the Prisma configuration or the environment reaches production. Compare production with the snapshot (if one was taken, the rollback instructions below restore it), and fix the configuration before deploying again.",
    });
  }

  private requireProduction(): string {
    if (!this.options.productionUrl) throw new DbshipError("INTERNAL", "no production URL for a production Prisma run");
    return this.options.productionUrl;
  }
}

/**
 * Whether a fixed connection (host:port/database, or host:port when only the socket is known)
 * reaches production. Without a database name, production's server is enough: when in doubt, refuse.
 */
function reachesProduction(target: string, production: string): boolean {
  const [address = "", database] = target.split("/");
  const port = /:(\d+)$/.exec(address)?.[1] ?? "5432";
  const host = address.replace(/:\d*$/, "");
  const prod = connectionParts(production);
  if (!prod) return false;
  return sameDatabase(`postgresql://x@${host.includes(":") ? `[${host}]` : host}:${port}/${database ?? prod.database}`, production);
}

export type RunOptions = { url?: string; timeoutMs?: number | undefined; signal?: AbortSignal | undefined };

function connectionRoute(facts: PrismaConfigFacts, datasource: SchemaDatasource | undefined, candidates: string[], configName: string, schemaPath: string, root: string): ConnectionRoute {
  const markerOf = (host: string): string | undefined => {
    const match = /^dbship-marker-(\d+)\.invalid$/.exec(host.split(":")[0] ?? "");
    return match ? candidates[Number(match[1])] : undefined;
  };
  const fromValues = (source: string, values: string[]): ConnectionRoute => {
    const route: ConnectionRoute = { source, variables: [], fixed: [] };
    for (const value of values) {
      const variable = markerOf(value);
      if (variable) route.variables.push(variable);
      else route.fixed.push(value);
    }
    return route;
  };
  if (facts.hasAdapter && facts.engine !== "classic") {
    return fromValues(`the driver adapter in ${configName}`, [...new Set(facts.adapterConnections)]);
  }
  // Both url and directUrl count: Prisma 6 Migrate uses directUrl when set, and versions differ
  // on it, so every variable either one reads is pointed at the target.
  if (facts.datasource?.url || facts.datasource?.directUrl) {
    const values = [facts.datasource.directUrl, facts.datasource.url].filter((value): value is string => Boolean(value));
    return fromValues(`datasource.${facts.datasource.directUrl ? "directUrl" : "url"} in ${configName}`, values.map((value) => hostOrFixed(value, markerOf)));
  }
  const schemaName = path.relative(root, schemaPath) || "schema.prisma";
  const settings = [datasource?.directUrl, datasource?.url].filter((setting): setting is UrlSetting => setting !== undefined);
  const source = `${datasource?.directUrl ? "directUrl" : "url"} in ${schemaName}`;
  if (!settings.length) return { source: `the datasource in ${schemaName}`, variables: [], fixed: [] };
  return {
    source,
    variables: settings.flatMap((setting) => ("env" in setting ? [setting.env] : [])),
    fixed: settings.flatMap((setting) => ("literal" in setting ? [hostOrFixed(setting.literal, () => undefined)] : [])),
  };
}

/** A marker's host (to be mapped back to its variable), or host:port/database of a fixed URL. */
function hostOrFixed(value: string, markerOf: (host: string) => string | undefined): string {
  const parts = connectionParts(value);
  if (!parts) return "(a connection string dbship cannot read)";
  if (markerOf(parts.host)) return parts.host;
  return `${parts.host === "loopback" ? "localhost" : parts.host}:${parts.port}/${parts.database}`;
}

function projectFiles(options: OpenOptions, facts: PrismaConfigFacts): PrismaProjectFiles {
  const schemaPath = options.schemaPath ?? facts.schema ?? packageJsonSchema(options.root) ?? defaultSchema(options.root);
  const isFolder = existsSync(schemaPath) && statSync(schemaPath).isDirectory();
  const migrationsDir = options.migrationsDir ?? facts.migrationsPath ?? path.join(isFolder ? schemaPath : path.dirname(schemaPath), "migrations");
  return { schemaPath, migrationsDir };
}

/** Prisma 6's package.json `prisma.schema` (deprecated, still read when there is no config file). */
function packageJsonSchema(root: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { prisma?: { schema?: unknown } };
    return typeof pkg.prisma?.schema === "string" ? path.resolve(root, pkg.prisma.schema) : undefined;
  } catch {
    return undefined;
  }
}

/** Prisma's default locations, in the order it tries them. */
function defaultSchema(root: string): string {
  const candidates = [path.join(root, "prisma", "schema.prisma"), path.join(root, "schema.prisma")];
  return candidates.find((file) => existsSync(file)) ?? candidates[0]!;
}

function noConfig(): PrismaConfigFacts {
  return { file: undefined, schema: undefined, migrationsPath: undefined, engine: undefined, hasAdapter: false, datasource: undefined, adapterConnections: [], missingVariable: undefined };
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

function connectionVariables(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([, value]) => connectionForm(value))
    .map(([name]) => name);
}

function markerEnv(base: Record<string, string>, candidates: Set<string>): Record<string, string> {
  const env: Record<string, string> = { ...base, ...QUIET };
  [...candidates].forEach((name, index) => {
    env[name] = `postgresql://dbship:marker@dbship-marker-${index}.invalid:5432/dbship_marker`;
  });
  return env;
}

/** Connection strings in the .env files next to the project and its schema. */
function dotenvConnections(root: string, schemaPath: string | undefined): Record<string, string> {
  const dirs = new Set([root, path.join(root, "prisma")]);
  if (schemaPath) dirs.add(existsSync(schemaPath) && statSync(schemaPath).isDirectory() ? schemaPath : path.dirname(schemaPath));
  const found: Record<string, string> = {};
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      if (!/^\.env(\..+)?$/.test(entry)) continue;
      const file = path.join(dir, entry);
      if (!statSync(file).isFile()) continue;
      for (const [name, value] of Object.entries(parseDotenv(readFileSync(file, "utf8")))) if (connectionForm(value)) found[name] = value;
    }
  }
  return found;
}
