// dbship.config.json + environment + flags → one typed Config. Flags win over the environment,
// which wins over the file. Every problem is a CONFIG_INVALID / ENV_MISSING error that names the
// field and the fix: no stack traces for a typo.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as z from "zod/mini";
import { en } from "zod/locales";
import { DbshipError } from "./errors.js";

export const CONFIG_FILE = "dbship.config.json";

// zod/mini rather than zod: the same validation, but it bundles to the few checks used here
// instead of all of zod (~700 KB, ~50 ms of every command's start). It has no messages of its
// own, so the English ones are installed.
z.config(en());

const envVarName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));
const nonEmptyString = () => z.string().check(z.minLength(1));
const wholeNumber = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

export const configFileSchema = z.strictObject({
  $schema: z.optional(z.string()),
  provider: z._default(z.enum(["postgres", "neon"]), "postgres"),
  // Unset: found the way Prisma finds them (prisma.config.*, package.json, defaults).
  schema: z.optional(nonEmptyString()),
  migrations: z.optional(nonEmptyString()),
  databaseUrlEnv: z._default(envVarName, "DATABASE_URL"),
  snapshot: z.prefault(
    z.strictObject({
      prefix: z._default(
        z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lower-case letters, digits, - and _ only (it names databases and branches)")),
        "pre-migration-",
      ),
      retentionDays: z._default(wholeNumber(1, 3650), 7),
    }),
    {},
  ),
  rehearsal: z._default(z.boolean(), true),
  deployTimeoutSeconds: z._default(wholeNumber(10, 86_400), 1800),
  postgres: z.prefault(
    z.strictObject({
      /** Where the deploy lock lives (not production: it is copied as a template). */
      maintenanceDatabase: z._default(nonEmptyString(), "postgres"),
    }),
    {},
  ),
  schemaCheck: z.prefault(
    z.strictObject({
      /** Intended differences between schema.prisma and the migrations (src/schema-sync/acknowledge.ts). */
      acknowledge: z._default(
        z.array(
          z.strictObject({
            kind: z.enum(["table", "column", "type", "nullability", "default", "primary-key", "unique", "index", "foreign-key", "check", "enum", "other"]),
            object: nonEmptyString(),
            side: z.optional(z.enum(["migrations", "schema"])),
            reason: z.string().check(z.regex(/\S/, "say why this difference is intended")),
          }),
        ),
        [],
      ),
    }),
    {},
  ),
  neon: z.prefault(
    z.strictObject({
      projectId: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,60}$/, "a Neon project id such as \"round-star-12345678\""))),
      productionBranch: z._default(nonEmptyString(), "production"),
      database: z.optional(nonEmptyString()),
      role: z.optional(nonEmptyString()),
      apiHost: z.optional(z.url()),
    }),
    {},
  ),
  lint: z.prefault(
    z.strictObject({
      /** Acknowledge one rule in one migration without editing it (its checksum stays). */
      allow: z._default(
        z.array(z.strictObject({ migration: nonEmptyString(), rule: nonEmptyString(), reason: nonEmptyString() })),
        [],
      ),
      /** At or below both, lock/scan/rewrite findings on a production table are warnings. */
      smallTable: z.prefault(
        z.strictObject({
          rows: z._default(wholeNumber(0, Number.MAX_SAFE_INTEGER), 10_000),
          bytes: z._default(wholeNumber(0, Number.MAX_SAFE_INTEGER), 10 * 1024 * 1024),
        }),
        {},
      ),
    }),
    {},
  ),
});

export type ConfigFile = z.infer<typeof configFileSchema>;

export type Config = {
  /** The project folder: where dbship.config.json is, or the current directory. */
  root: string;
  /** The config file that was read, if any. */
  configPath: string | undefined;
  provider: "postgres" | "neon";
  /** schema.prisma (a file or a folder). Prisma's own location once openPrisma has run, unless the file sets it. */
  schemaPath: string;
  migrationsDir: string;
  /** Whether dbship.config.json names them (then they win over Prisma's configuration). */
  schemaFromFile: boolean;
  migrationsFromFile: boolean;
  databaseUrlEnv: string;
  /** Production's DIRECT connection string, from the environment. */
  databaseUrl: string | undefined;
  snapshot: { prefix: string; retentionDays: number };
  rehearsal: boolean;
  deployTimeoutMs: number;
  postgres: { maintenanceDatabase: string };
  schemaCheck: ConfigFile["schemaCheck"];
  neon: {
    projectId: string | undefined;
    productionBranch: string;
    database: string | undefined;
    role: string | undefined;
    apiHost: string | undefined;
    apiKey: string | undefined;
  };
  lint: {
    allow: Array<{ migration: string; rule: string; reason: string }>;
    smallTable: { rows: number; bytes: number };
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
    schemaPath: path.resolve(root, file.schema ?? "prisma/schema.prisma"),
    migrationsDir: path.resolve(root, file.migrations ?? (file.schema ? path.join(path.dirname(file.schema), "migrations") : "prisma/migrations")),
    schemaFromFile: file.schema !== undefined,
    migrationsFromFile: file.migrations !== undefined,
    databaseUrlEnv: file.databaseUrlEnv,
    databaseUrl: nonEmpty(env[file.databaseUrlEnv]),
    snapshot: file.snapshot,
    rehearsal: file.rehearsal,
    deployTimeoutMs: file.deployTimeoutSeconds * 1000,
    postgres: file.postgres,
    schemaCheck: file.schemaCheck,
    neon: {
      projectId: file.neon.projectId ?? nonEmpty(env.NEON_PROJECT_ID),
      productionBranch: file.neon.productionBranch,
      database: file.neon.database,
      role: file.neon.role,
      apiHost: file.neon.apiHost ?? nonEmpty(env.NEON_API_HOST),
      apiKey: nonEmpty(env.NEON_API_KEY),
    },
    lint: file.lint,
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

function configError(error: z.core.$ZodError, file: string | undefined): DbshipError {
  const where = file ?? "the configuration";
  const problems = error.issues.map((issue) => {
    const field = issue.path.join(".") || "(root)";
    if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.map((k) => (field === "(root)" ? k : `${field}.${k}`)).join(", ")}`;
    return `${field}: ${issue.message}`;
  });
  return new DbshipError("CONFIG_INVALID", `${where}: ${problems.join("; ")}`, {
    hint: "Fields: provider (postgres | neon), schema, migrations, databaseUrlEnv, snapshot.prefix, snapshot.retentionDays, rehearsal, deployTimeoutSeconds, postgres.maintenanceDatabase, schemaCheck.acknowledge[].{kind, object, side, reason}, neon.{projectId, productionBranch, database, role, apiHost}, lint.allow[].{migration, rule, reason}, lint.smallTable.{rows, bytes}.",
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
