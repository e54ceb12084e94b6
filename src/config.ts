// dbship.config.json + environment + flags → one typed Config. Flags win over the environment,
// which wins over the file. Every problem is a CONFIG_INVALID / ENV_MISSING error that names the
// field and the fix: no stack traces for a typo.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DbshipError } from "./errors.js";

export const CONFIG_FILE = "dbship.config.json";

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const configFileSchema = z
  .object({
    $schema: z.string().optional(),
    provider: z.enum(["postgres", "neon"]).default("postgres"),
    schema: z.string().min(1).default("prisma/schema.prisma"),
    migrations: z.string().min(1).default("prisma/migrations"),
    databaseUrlEnv: envVarName.default("DATABASE_URL"),
    snapshot: z
      .object({
        prefix: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lower-case letters, digits, - and _ only (it names databases and branches)")
          .default("pre-migration-"),
        retentionDays: z.number().int().min(1).max(3650).default(7),
      })
      .strict()
      .prefault({}),
    rehearsal: z.boolean().default(true),
    deployTimeoutSeconds: z.number().int().min(10).max(86_400).default(1800),
    postgres: z
      .object({
        /** Where the deploy lock lives (not production: it is copied as a template). */
        maintenanceDatabase: z.string().min(1).default("postgres"),
      })
      .strict()
      .prefault({}),
    neon: z
      .object({
        projectId: z.string().regex(/^[a-z0-9-]{1,60}$/, "a Neon project id such as \"round-star-12345678\"").optional(),
        productionBranch: z.string().min(1).default("production"),
        database: z.string().min(1).optional(),
        role: z.string().min(1).optional(),
        apiHost: z.url().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

export type Config = {
  /** The project folder: where dbship.config.json is, or the current directory. */
  root: string;
  /** The config file that was read, if any. */
  configPath: string | undefined;
  provider: "postgres" | "neon";
  schemaPath: string;
  migrationsDir: string;
  databaseUrlEnv: string;
  /** Production's DIRECT connection string, from the environment. */
  databaseUrl: string | undefined;
  snapshot: { prefix: string; retentionDays: number };
  rehearsal: boolean;
  deployTimeoutMs: number;
  postgres: { maintenanceDatabase: string };
  neon: {
    projectId: string | undefined;
    productionBranch: string;
    database: string | undefined;
    role: string | undefined;
    apiHost: string | undefined;
    apiKey: string | undefined;
  };
};

export type ConfigFlags = { config?: string | undefined; provider?: string | undefined; cwd?: string | undefined };

export async function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const cwd = path.resolve(flags.cwd ?? process.cwd());
  const configPath = flags.config ? path.resolve(cwd, flags.config) : path.join(cwd, CONFIG_FILE);
  if (flags.config && !existsSync(configPath)) {
    throw new DbshipError("CONFIG_NOT_FOUND", `config file not found: ${configPath}`, {
      hint: "Check the --config path, or run `dbship init` to write one.",
    });
  }
  const raw = existsSync(configPath) ? await readJson(configPath) : {};
  const withFlags = { ...(raw as Record<string, unknown>) };
  const provider = flags.provider ?? env.DBSHIP_PROVIDER;
  if (provider !== undefined) withFlags.provider = provider;
  const parsed = configFileSchema.safeParse(withFlags);
  if (!parsed.success) throw configError(parsed.error, existsSync(configPath) ? configPath : undefined);
  const file = parsed.data;
  const root = existsSync(configPath) ? path.dirname(configPath) : cwd;
  return {
    root,
    configPath: existsSync(configPath) ? configPath : undefined,
    provider: file.provider,
    schemaPath: path.resolve(root, file.schema),
    migrationsDir: path.resolve(root, file.migrations),
    databaseUrlEnv: file.databaseUrlEnv,
    databaseUrl: nonEmpty(env[file.databaseUrlEnv]),
    snapshot: file.snapshot,
    rehearsal: file.rehearsal,
    deployTimeoutMs: file.deployTimeoutSeconds * 1000,
    postgres: file.postgres,
    neon: {
      projectId: file.neon.projectId ?? nonEmpty(env.NEON_PROJECT_ID),
      productionBranch: file.neon.productionBranch,
      database: file.neon.database,
      role: file.neon.role,
      apiHost: file.neon.apiHost ?? nonEmpty(env.NEON_API_HOST),
      apiKey: nonEmpty(env.NEON_API_KEY),
    },
  };
}

/** Production's connection string, or an ENV_MISSING error that says which variable to set. */
export function requireDatabaseUrl(config: Config): string {
  if (config.databaseUrl) return config.databaseUrl;
  throw new DbshipError("ENV_MISSING", `${config.databaseUrlEnv} is not set`, {
    hint: `Set ${config.databaseUrlEnv} to production's direct (not pooled) connection string${
      config.databaseUrlEnv === "DATABASE_URL" ? ", or name another variable with databaseUrlEnv in dbship.config.json" : ""
    }.`,
  });
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DbshipError("CONFIG_INVALID", `${file} is not valid JSON: ${(error as Error).message}`, {
      hint: "Fix the JSON syntax (no comments or trailing commas), or run `dbship init` to write a fresh file.",
    });
  }
}

function configError(error: z.ZodError, file: string | undefined): DbshipError {
  const where = file ?? "the configuration";
  const problems = error.issues.map((issue) => {
    const field = issue.path.join(".") || "(root)";
    if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.map((k) => (field === "(root)" ? k : `${field}.${k}`)).join(", ")}`;
    return `${field}: ${issue.message}`;
  });
  return new DbshipError("CONFIG_INVALID", `${where}: ${problems.join("; ")}`, {
    hint: "Fields: provider (postgres | neon), schema, migrations, databaseUrlEnv, snapshot.prefix, snapshot.retentionDays, rehearsal, deployTimeoutSeconds, postgres.maintenanceDatabase, neon.{projectId, productionBranch, database, role, apiHost}.",
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
