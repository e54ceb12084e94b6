import chalk from "chalk";
import type { Command } from "commander";
import { describeAcknowledgement } from "../schema-sync/acknowledge.js";
import type { CheckReport } from "../schema-sync/run-check.js";
import { createProgress } from "../ui/progress.js";
import { emit, interruptSignal } from "./output.js";

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("prove that schema.prisma and the migrations agree (no production access)")
    .option("--shadow-url <url>", "a PostgreSQL server to create scratch databases on (default: start an embedded one)")
    .addHelpText(
      "after",
      `
Replays every migration from nothing into one scratch database, builds what schema.prisma
describes in another (with Prisma's own SQL), and compares them on what a Prisma schema can
express: tables, columns, types, nullability, defaults, keys, indexes, foreign keys, enums.
CHECK constraints, triggers, views and functions are added by hand-written SQL and are not
drift: they are listed as "not compared". dbship deploy runs the same check in preflight.
Both scratch databases get the extensions the migrations create and schema.prisma declares
(and, in deploy, those production has) before anything runs on them; one the scratch server
cannot install is refused (exit 3, EXTENSION_UNAVAILABLE) by name.

Intended differences (e.g. a hand-written trigram index schema.prisma does not declare) are
acknowledged in dbship.config.json, each with a reason; they are listed as acknowledged, never
hidden, and an acknowledgement that matches nothing is reported:
  "schemaCheck": { "acknowledge": [
    { "kind": "index", "object": "moments.moments_title_trgm_idx", "side": "migrations",
      "reason": "trigram search index, hand-written" } ] }
kind: table, column, type, nullability, default, primary-key, unique, index, foreign-key, check,
enum, other; object: table, table.column, table.index_or_constraint, or Enum (* matches any
characters); side (optional): migrations or schema, the side that has it.

Exit codes: 0 in sync · 3 not in sync (or a migration does not replay, or an extension is
unavailable) · 2 bad input · 1 an internal error.

Examples:
  $ dbship check                                        # in a pull request: embedded PostgreSQL
  $ dbship check --shadow-url postgresql://ci@localhost/postgres --json`,
    )
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { runCheck } = await import("../schema-sync/run-check.js");
      const progress = await createProgress({ json: Boolean(globals.json), verbose: false });
      const report = await runCheck({ config: globals.config, shadowUrl: flags.shadowUrl, progress, signal: interruptSignal() });
      progress.pause();
      emit(report, { ...globals, showSecrets: false }, renderCheck);
    });
}

function renderCheck(report: CheckReport): string {
  const lines: string[] = [];
  if (report.inSync) lines.push(`${chalk.green("✔")} schema.prisma and the ${report.migrations} migration(s) agree`);
  else {
    lines.push(`${chalk.red("✖")} schema.prisma and the migrations disagree (${report.differences.length} difference(s)) [SCHEMA_OUT_OF_SYNC]`);
    lines.push(...report.differences.map((difference) => `  - ${difference.message}`));
    lines.push("  Create the missing migration (npx prisma migrate dev --name <change>) or bring schema.prisma in line, then commit both.");
  }
  if (report.acknowledged.length) {
    lines.push(`  acknowledged in dbship.config.json (${report.acknowledged.length}):`);
    lines.push(...report.acknowledged.map((difference) => `  ~ ${difference.message} — ${difference.reason}`));
  }
  if (report.unmatchedAcknowledgements.length) {
    lines.push(chalk.yellow(`  ! ${report.unmatchedAcknowledgements.length} acknowledgement(s) in dbship.config.json match no difference (remove them):`));
    lines.push(...report.unmatchedAcknowledgements.map((acknowledgement) => `    - ${describeAcknowledgement(acknowledgement)}: ${acknowledgement.reason}`));
  }
  if (report.notCompared.length) lines.push(chalk.dim(`  not compared (Prisma cannot express them): ${report.notCompared.join(", ")}`));
  return lines.join("\n");
}
