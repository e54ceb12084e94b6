// dbship.config.json for dbship init. A new file gets the flags, the answers on a terminal, or
// the defaults. An existing file is the user's: flags may change the fields they name, and only
// with --force; anything else in it (and its formatting) is kept.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { configFileSchema, type ConfigFile } from "../config.js";
import { DbshipError } from "../errors.js";
import type { Ask } from "./ask.js";
import { DEFAULT_FORMAT, detectFormat, formatJson, isPlainObject, parseJsonText } from "./json-text.js";

export type Provider = "postgres" | "neon";

export type ConfigRequest = {
  provider?: string | undefined;
  neonProject?: string | undefined;
  productionBranch?: string | undefined;
  force: boolean;
  /** Present only when there is a terminal to ask on. */
  ask?: Ask | undefined;
  /** Where Prisma's schema is, e.g. from package.json's "prisma.schema". */
  schema: string;
};

export type ConfigDifference = { field: string; existing: unknown; wanted: unknown };

export type ConfigPlan = {
  status: "written" | "replaced" | "unchanged" | "kept";
  provider: Provider | null;
  neonProjectId: string | null;
  /** Why an existing file was kept (status "kept"), and what differs. */
  kept: { reason: string; differences: ConfigDifference[] } | null;
  notes: string[];
  /** The text to write, or null. */
  text: string | null;
};

export async function planConfig(file: string, request: ConfigRequest): Promise<ConfigPlan> {
  const wantedProvider = requestedProvider(request);
  const existing = existsSync(file) ? await readFile(file, "utf8") : undefined;
  if (existing === undefined) return fresh(request, wantedProvider, "written", []);

  const name = path.basename(file);
  let raw: unknown;
  try {
    raw = parseJsonText(existing);
  } catch (error) {
    return unusable(request, wantedProvider, `${name} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!isPlainObject(raw) || !parsed.success) {
    const problems = parsed.success ? "not a JSON object" : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
    return unusable(request, wantedProvider, `${name} does not load: ${problems}`);
  }

  const current = parsed.data;
  const differences = differencesFrom(current, request, wantedProvider);
  const summary = { provider: current.provider, neonProjectId: current.neon.projectId ?? null };
  if (differences.length === 0) return { status: "unchanged", ...summary, kept: null, notes: [], text: null };
  if (!request.force) {
    const list = differences.map((d) => `${d.field} is ${JSON.stringify(d.existing)}, the flags ask for ${JSON.stringify(d.wanted)}`).join("; ");
    return { status: "kept", ...summary, kept: { reason: `${name} already exists and differs: ${list}. --force changes these fields and keeps the rest`, differences }, notes: [], text: null };
  }
  // Change only what the flags name, in the user's own file and format.
  const updated = structuredClone(raw);
  for (const d of differences) setPath(updated, d.field, d.wanted);
  const checked = validate(updated);
  return { status: "replaced", provider: checked.provider, neonProjectId: checked.neon.projectId ?? null, kept: null, notes: [], text: formatJson(updated, detectFormat(existing)) };
}

/** --provider, or neon when only Neon flags are given. */
function requestedProvider(request: ConfigRequest): Provider | undefined {
  if (request.provider !== undefined && request.provider !== "postgres" && request.provider !== "neon") {
    throw new DbshipError("USAGE", `unknown provider "${request.provider}"`, { hint: "Use --provider postgres or --provider neon." });
  }
  const neonFlags = [request.neonProject && "--neon-project", request.productionBranch && "--production-branch"].filter(Boolean);
  if (request.provider === "postgres" && neonFlags.length) {
    throw new DbshipError("USAGE", `${neonFlags.join(" and ")} only apply to --provider neon`, { hint: "Drop them, or use --provider neon." });
  }
  return (request.provider as Provider | undefined) ?? (neonFlags.length ? "neon" : undefined);
}

function differencesFrom(current: ConfigFile, request: ConfigRequest, provider: Provider | undefined): ConfigDifference[] {
  const differences: ConfigDifference[] = [];
  const compare = (field: string, existing: unknown, wanted: string | undefined) => {
    if (wanted !== undefined && wanted !== existing) differences.push({ field, existing: existing ?? null, wanted });
  };
  compare("provider", current.provider, provider);
  compare("neon.projectId", current.neon.projectId, request.neonProject);
  compare("neon.productionBranch", current.neon.productionBranch, request.productionBranch);
  return differences;
}

/** An existing file that cannot be read as a config: kept, unless --force writes a new one. */
async function unusable(request: ConfigRequest, provider: Provider | undefined, reason: string): Promise<ConfigPlan> {
  if (!request.force) {
    return { status: "kept", provider: null, neonProjectId: null, kept: { reason: `${reason}. Fix it, or run dbship init --force to write a new one`, differences: [] }, notes: [], text: null };
  }
  return fresh(request, provider, "replaced", [`${reason}: replaced (--force)`]);
}

async function fresh(request: ConfigRequest, flagProvider: Provider | undefined, status: "written" | "replaced", notes: string[]): Promise<ConfigPlan> {
  let provider = flagProvider;
  let neonProject = request.neonProject;
  let productionBranch = request.productionBranch;
  const interactive = provider === undefined && request.ask !== undefined;
  if (provider === undefined && request.ask) {
    provider = await askProvider(request.ask);
  } else if (provider === undefined) {
    provider = "postgres";
    notes.push("provider: postgres, the default (no terminal to ask on and no --provider); for Neon, run dbship init --provider neon --neon-project <id> --force");
  }
  // On a terminal, ask for the project id whenever it is missing; the branch (which has a good
  // default) only in the fully interactive flow.
  if (provider === "neon" && request.ask) {
    neonProject ??= await askNeonProject(request.ask);
    if (interactive) productionBranch ??= (await request.ask("Neon production branch name [production]:")) || undefined;
  }
  const config: Record<string, unknown> = {
    provider,
    schema: request.schema,
    migrations: path.posix.join(path.posix.dirname(request.schema), "migrations"),
    databaseUrlEnv: "DATABASE_URL",
    snapshot: { prefix: "pre-migration-", retentionDays: 7 },
  };
  if (provider === "neon") {
    config.neon = { ...(neonProject ? { projectId: neonProject } : {}), productionBranch: productionBranch ?? "production" };
  }
  const checked = validate(config);
  return { status, provider, neonProjectId: checked.neon.projectId ?? null, kept: null, notes, text: formatJson(config, DEFAULT_FORMAT) };
}

function validate(config: unknown): ConfigFile {
  const parsed = configFileSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
  throw new DbshipError("CONFIG_INVALID", `the configuration would not load: ${problems}`, {
    hint: "Check the values given with --neon-project and --production-branch.",
  });
}

async function askProvider(ask: Ask): Promise<Provider> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = (await ask("Snapshot provider: postgres (any PostgreSQL server) or neon? [postgres]")).toLowerCase();
    if (answer === "" || answer === "postgres") return "postgres";
    if (answer === "neon") return "neon";
  }
  throw new DbshipError("USAGE", "no valid provider given", { hint: "Answer postgres or neon, or pass --provider." });
}

async function askNeonProject(ask: Ask): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await ask("Neon project id (Neon console → Project settings; blank: read NEON_PROJECT_ID when dbship runs):");
    if (answer === "") return undefined;
    if (configFileSchema.safeParse({ provider: "neon", neon: { projectId: answer } }).success) return answer;
  }
  throw new DbshipError("USAGE", "no valid Neon project id given", { hint: 'A project id looks like "round-star-12345678"; or pass --neon-project.' });
}

function setPath(target: unknown, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
