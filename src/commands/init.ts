import chalk from "chalk";
import type { Command } from "commander";
import type { InitReport } from "../init/init-project.js";
import { canPrompt } from "../ui/prompt.js";
import { renderError } from "../ui/render-error.js";
import { emit } from "./output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write dbship.config.json and add the db:migrate, db:migrate:prod, db:migrate:status and db:snapshot scripts")
    .option("--neon-project <id>", "neon: the Neon project id (else asked on a terminal, or NEON_PROJECT_ID at run time)")
    .option("--production-branch <name>", "neon: the production branch's name (default: production)")
    .option("--force", "replace scripts and config fields that already exist with different values")
    // --provider is a global option: list it here too.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      "after",
      `
The provider comes from the global --provider postgres|neon; on a terminal init asks, and
without one it uses postgres and says so.

Scripts added to package.json:
  db:migrate         prisma migrate dev
  db:migrate:prod    dbship deploy
  db:migrate:status  dbship status
  db:snapshot        dbship snapshot create
Every other script (db:push included) is left as it is. An existing script or config file with
different content is kept and listed unless --force. Running init again changes nothing.

Examples:
  $ dbship init                                    # asks on a terminal
  $ dbship init --provider neon --neon-project round-star-12345678
  $ dbship init --provider postgres --json         # in a script`,
    )
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const [{ runInit }, { ask }] = await Promise.all([import("../init/init-project.js"), import("../init/ask.js")]);
      const report = await runInit({
        config: globals.config,
        provider: globals.provider,
        neonProject: flags.neonProject,
        productionBranch: flags.productionBranch,
        force: Boolean(flags.force),
        ask: canPrompt() ? ask : undefined,
      });
      emit(report, globals, renderInit);
    });
}

export function renderInit(report: InitReport): string {
  if (report.error) return renderError(report.error);
  const ok = chalk.green("✔");
  const lines: string[] = [];
  const changed = report.configWritten || report.scriptsAdded.length > 0 || report.scriptsReplaced.length > 0;
  if (!changed) lines.push(`Nothing changed: ${report.configFile} and package.json are left as they were.`);
  const provider = report.provider ? ` (provider ${report.provider})` : "";
  if (report.configStatus === "written") lines.push(`${ok} wrote ${report.configFile}${provider}`);
  if (report.configStatus === "replaced") lines.push(`${ok} updated ${report.configFile}${provider} (--force)`);
  if (report.configStatus === "unchanged") lines.push(`${chalk.dim("=")} ${report.configFile} already set up${provider}`);
  if (report.configKept) lines.push(`${chalk.yellow("-")} kept ${report.configFile}: ${report.configKept.reason}`);
  if (report.scriptsAdded.length) lines.push(`${ok} added to package.json: ${report.scriptsAdded.join(", ")}`);
  for (const s of report.scriptsReplaced) lines.push(`${ok} replaced ${s.name}: was ${JSON.stringify(s.existing)}, now ${JSON.stringify(s.wanted)} (--force)`);
  if (report.scriptsUnchanged.length) lines.push(`${chalk.dim("=")} already in package.json: ${report.scriptsUnchanged.join(", ")}`);
  for (const s of report.scriptsKept) {
    lines.push(`${chalk.yellow("-")} kept ${s.name} = ${JSON.stringify(s.existing)}: it already exists (dbship would set ${JSON.stringify(s.wanted)}; --force replaces it)`);
  }
  lines.push(...report.notes.map((note) => `${chalk.dim("note:")} ${note}`));
  lines.push("", `Package manager: ${report.packageManager} (${report.packageManagerSource})`, "Next steps:");
  lines.push(...report.nextSteps.map((step, i) => `  ${i + 1}. ${step}`));
  return lines.join("\n");
}
