// dbship init: dbship.config.json and the package scripts of the spec (db:migrate,
// db:migrate:prod, db:migrate:status, db:snapshot), with instructions for the project's package
// manager. Everything is planned before anything is written, and nothing the user wrote is
// replaced without --force, so running it twice changes nothing the second time.
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { CONFIG_FILE } from "../config.js";
import { providerSecrets } from "../providers/deploy-secrets.js";
import { DbshipError, EXIT, type ErrorDocument } from "../errors.js";
import type { Ask } from "./ask.js";
import { addDevDependency, detectPackageManager, runScript, type PackageManager } from "./detect-package-manager.js";
import { planConfig, type ConfigPlan, type Provider } from "./init-config.js";
import { isPlainObject } from "./json-text.js";
import { DBSHIP_SCRIPTS, hasDependency, parsePackageJson, planScripts, type ScriptConflict } from "./package-scripts.js";

export type InitOptions = {
  cwd?: string | undefined;
  /** --config: where to write the config (default ./dbship.config.json). */
  config?: string | undefined;
  provider?: string | undefined;
  neonProject?: string | undefined;
  productionBranch?: string | undefined;
  force?: boolean | undefined;
  /** Only when there is a terminal to ask on. */
  ask?: Ask | undefined;
};

export type InitReport = {
  command: "init";
  ok: boolean;
  exitCode: number;
  /** The config file, relative to the project. */
  configFile: string;
  configWritten: boolean;
  configStatus: ConfigPlan["status"] | null;
  configKept: ConfigPlan["kept"];
  provider: Provider | null;
  scriptsAdded: string[];
  scriptsUnchanged: string[];
  scriptsKept: ScriptConflict[];
  scriptsReplaced: ScriptConflict[];
  packageManager: PackageManager | null;
  packageManagerSource: string | null;
  notes: string[];
  nextSteps: string[];
  error: ErrorDocument | null;
};

export async function runInit(options: InitOptions): Promise<InitReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const configPath = path.resolve(cwd, options.config ?? CONFIG_FILE);
  try {
    return await initProject(cwd, configPath, options);
  } catch (error) {
    if (!(error instanceof DbshipError)) throw error;
    return { ...emptyReport(cwd, configPath), ok: false, exitCode: error.exitCode, error: error.toJSON() };
  }
}

async function initProject(cwd: string, configPath: string, options: InitOptions): Promise<InitReport> {
  const packagePath = path.join(cwd, "package.json");
  if (!existsSync(packagePath)) {
    throw new DbshipError("USAGE", `no package.json in ${cwd}`, {
      hint: "Run dbship init in the project's root folder (where package.json and prisma/ are). Nothing was written.",
    });
  }
  const packageText = await readFile(packagePath, "utf8");
  const pkg = parsePackageJson(packageText, packagePath);
  const schema = prismaSchemaPath(pkg);

  const config = await planConfig(configPath, {
    provider: options.provider,
    neonProject: options.neonProject,
    productionBranch: options.productionBranch,
    force: Boolean(options.force),
    ask: options.ask,
    schema,
  });
  const scripts = planScripts(packageText, packagePath, wantedScripts(cwd, configPath), Boolean(options.force));
  const pm = await detectPackageManager(cwd);

  // Both plans succeeded: now write, config first (the scripts need it).
  if (config.text !== null) {
    await mkdir(path.dirname(configPath), { recursive: true });
    await writeFile(configPath, config.text);
  }
  if (scripts.text !== null) await writeFile(packagePath, scripts.text);

  const notes = [...config.notes];
  if (pm.ignored.length) notes.push(`package manager ${pm.name} from ${pm.source}; also found ${pm.ignored.join(", ")}`);
  if (pm.source === "default") notes.push("no lock file or packageManager field found: assuming npm");
  const scriptsOf = isPlainObject(pkg.scripts) ? pkg.scripts : {};
  if (scriptsOf["db:push"] !== undefined) notes.push("db:push is left as it is: still right for throwaway databases (Neon preview branches, CI test databases), never for production");
  if (!existsSync(path.resolve(cwd, schema))) notes.push(`no Prisma schema at ${schema}: set "schema" in ${path.relative(cwd, configPath)}`);

  return {
    ...emptyReport(cwd, configPath),
    ok: true,
    exitCode: EXIT.OK,
    configWritten: config.text !== null,
    configStatus: config.status,
    configKept: config.kept,
    provider: config.provider,
    scriptsAdded: scripts.added,
    scriptsUnchanged: scripts.unchanged,
    scriptsKept: scripts.kept,
    scriptsReplaced: scripts.replaced,
    packageManager: pm.name,
    packageManagerSource: pm.source,
    notes,
    nextSteps: nextSteps(cwd, schema, pkg, pm.name, config),
  };
}

/** The spec's scripts; they name the config file when it is not the default one. */
function wantedScripts(cwd: string, configPath: string): Record<string, string> {
  const relative = path.relative(cwd, configPath);
  if (relative === CONFIG_FILE) return { ...DBSHIP_SCRIPTS };
  const flag = ` --config ${/\s/.test(relative) ? JSON.stringify(relative) : relative}`;
  return Object.fromEntries(Object.entries(DBSHIP_SCRIPTS).map(([name, command]) => [name, command.startsWith("dbship ") ? `${command}${flag}` : command]));
}

/** package.json's "prisma.schema" (Prisma's own setting), else Prisma's default location. */
function prismaSchemaPath(pkg: Record<string, unknown>): string {
  const prisma = pkg.prisma;
  const schema = isPlainObject(prisma) ? prisma.schema : undefined;
  return typeof schema === "string" && schema !== "" ? schema.split(path.sep).join("/") : "prisma/schema.prisma";
}

function nextSteps(cwd: string, schema: string, pkg: Record<string, unknown>, pm: PackageManager, config: ConfigPlan): string[] {
  const steps: string[] = [];
  if (!hasDependency(pkg, "dbship")) steps.push(`Install dbship in the project so the scripts find it: ${addDevDependency(pm, "dbship")}`);
  if (!hasDependency(pkg, "prisma")) steps.push(`Install the Prisma CLI (dbship runs the project's own, also at deploy time): ${addDevDependency(pm, "prisma")}`);
  const migrations = path.resolve(cwd, path.posix.join(path.posix.dirname(schema), "migrations"));
  const hasMigrations = existsSync(migrations) && readdirSync(migrations, { withFileTypes: true }).some((entry) => entry.isDirectory());
  if (!hasMigrations) {
    steps.push("If production was built with `prisma db push` (no migration history yet), run `dbship baseline` once: it writes prisma/migrations/0001_baseline and marks it applied");
  }
  const urlEnv = "DATABASE_URL";
  const secrets = [`${urlEnv} (production's direct, not pooled, connection string)`];
  secrets.push(...providerSecrets(config.provider, config.neonProjectId));
  steps.push(`Where you deploy (CI), set ${secrets.join(", ")}`);
  steps.push(`After editing ${schema}: ${runScript(pm, "db:migrate", "--name <what-changed>")}, then commit the new migration`);
  steps.push(`Deploy from CI: ${runScript(pm, "db:migrate:prod")} · check production: ${runScript(pm, "db:migrate:status")} · snapshot now: ${runScript(pm, "db:snapshot")}`);
  steps.push("The whole workflow, rollback included: docs/deploy-workflow.md in the dbship repository");
  return steps;
}

function emptyReport(cwd: string, configPath: string): InitReport {
  return {
    command: "init",
    ok: false,
    exitCode: EXIT.OK,
    configFile: path.relative(cwd, configPath) || CONFIG_FILE,
    configWritten: false,
    configStatus: null,
    configKept: null,
    provider: null,
    scriptsAdded: [],
    scriptsUnchanged: [],
    scriptsKept: [],
    scriptsReplaced: [],
    packageManager: null,
    packageManagerSource: null,
    notes: [],
    nextSteps: [],
    error: null,
  };
}
