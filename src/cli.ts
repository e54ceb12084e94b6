// The dbship program: global flags, one thin module per command (loaded only when used, so
// `dbship --help` starts fast), and the one place that renders errors and sets exit codes.
import { Command, CommanderError } from "commander";
import { registerBaseline } from "./commands/baseline.js";
import { registerCheck } from "./commands/check.js";
import { registerDeploy } from "./commands/deploy.js";
import { failureDocument } from "./commands/failure-document.js";
import { registerInit } from "./commands/init.js";
import { registerLint } from "./commands/lint.js";
import { registerPlan } from "./commands/plan.js";
import { registerRollback } from "./commands/rollback.js";
import { registerSnapshot } from "./commands/snapshot.js";
import { registerStatus } from "./commands/status.js";
import { DbshipError, EXIT, isDbshipError } from "./errors.js";
import { fromDatabaseError, isDatabaseError } from "./infra/database-errors.js";
import { renderError } from "./ui/render-error.js";
import { environmentSecrets, scrubError } from "./ui/secrets.js";
import { dbshipVersion } from "./version.js";

// Command modules only declare flags; each loads its implementation when it runs.
const COMMANDS: Array<(program: Command) => void> = [
  // In the order a team meets them: set up, cut over, check, ship, recover.
  registerInit,
  registerBaseline,
  registerStatus,
  registerCheck,
  registerLint,
  registerPlan,
  registerDeploy,
  registerSnapshot,
  registerRollback,
];

let running: string | undefined;

export async function main(argv = process.argv): Promise<void> {
  // `dbship status | head` closes stdout early: that is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  const program = new Command("dbship")
    .version(dbshipVersion(), "-v, --version")
    .description("Ship Prisma migrations to production safely: check, snapshot, rehearse, deploy, verify — and a rollback you can run.")
    .option("-c, --config <path>", "dbship.config.json to use (default: ./dbship.config.json)")
    .option("-p, --provider <name>", "snapshot provider: postgres | neon (overrides the config)")
    .option("--json", "print one JSON report on stdout (progress goes to stderr)")
    .option("--show-secrets", "show connection-string passwords even when stdout is not a terminal")
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  for (const register of COMMANDS) register(program);
  // The command that runs, for the JSON document of an error thrown inside it ("snapshot prune").
  program.hook("preAction", (_program, action) => {
    running = [action.parent?.parent ? action.parent.name() : undefined, action.name()].filter(Boolean).join(" ");
  });
  program.addHelpText(
    "after",
    `
Environment:
  DATABASE_URL    production's direct connection string (name another variable with databaseUrlEnv)
  NEON_API_KEY    for the neon provider; never printed

Exit codes: 0 done or nothing to do · 1 a step failed (see the report) · 2 bad input ·
            3 refused by a safety check, nothing changed`,
  );
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = handleError(error, argv.includes("--json"));
  }
}

function handleError(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.OK;
    // A command group called without a subcommand: commander has printed its help already.
    if (error.code === "commander.help") return EXIT.BAD_INPUT;
    const message = error.message.replace(/^error: /, "");
    return report(new DbshipError("USAGE", message, { hint: "Run `dbship --help` (or `dbship <command> --help`) for usage." }), json);
  }
  if (isDbshipError(error)) return report(error, json);
  if (isDatabaseError(error)) return report(fromDatabaseError(error), json);
  const internal = new DbshipError("INTERNAL", `internal error: ${error instanceof Error ? error.message : String(error)}`, {
    hint: "This is a bug in dbship; please report it with the command you ran. Set DBSHIP_DEBUG=1 to see the stack trace.",
  });
  if (process.env.DBSHIP_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return report(internal, json);
}

function report(error: DbshipError, json: boolean): number {
  // A driver's or Prisma's message may quote a connection string: its secrets never show.
  const shown = scrubError(error.toJSON(), environmentSecrets());
  if (json) {
    process.stdout.write(`${JSON.stringify(failureDocument(running ?? null, error.exitCode, shown), null, 2)}\n`);
  } else {
    process.stderr.write(`${renderError(shown)}\n`);
  }
  return error.exitCode;
}

await main();
