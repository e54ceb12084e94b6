import chalk from "chalk";
import { InvalidArgumentError, type Command } from "commander";
import type { SnapshotView } from "../snapshots/manage-snapshots.js";
import { canPrompt, confirm } from "../ui/prompt.js";
import { listenForInterrupts } from "../infra/interrupts.js";
import { renderNotices } from "../snapshots/render-notices.js";
import { renderError } from "../ui/render-error.js";
import { presentUrl, type SecretPolicy } from "../ui/secrets.js";
import { emit } from "./output.js";

const positiveInt = (label: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${label} must be a whole number, got "${value}"`);
  return n;
};

export function registerSnapshot(program: Command): void {
  const snapshot = program
    .command("snapshot")
    .description("create, list, show or prune the pre-migration snapshots of production")
    .addHelpText("after", "\nSnapshots are named <prefix>YYYYMMDD-HHMMSS (UTC) and kept at least snapshot.retentionDays (7).");

  snapshot
    .command("create")
    .description("snapshot production now (the same copy deploy takes; this is db:snapshot)")
    .option("--name <name>", "name it yourself instead of <prefix>YYYYMMDD-HHMMSS")
    .option("--terminate-connections", "postgres provider: terminate other sessions on production so it can be copied")
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { createSnapshotNow } = await import("../snapshots/manage-snapshots.js");
      const signal = listenForInterrupts(
        () => process.stderr.write("interrupted: cancelling the copy (production is not changed by a snapshot)\n"),
        (labels) => process.stderr.write(`stopping now${labels.length ? `, once done: ${labels.join(", ")}` : ""}\n`),
      );
      const report = await createSnapshotNow({ ...globals, name: flags.name, terminateConnections: Boolean(flags.terminateConnections), signal, log: (line) => process.stderr.write(`${line}\n`) });
      emit(
        report,
        globals,
        (r, policy) => [...renderNotices(r.notices), `${chalk.green("✔")} snapshot ${r.snapshot.name} (id ${r.snapshot.id}) created`, `  ${presentUrl(r.snapshot.connectionString, policy)}`].join("\n"),
        [report.snapshot.connectionString],
      );
    });

  snapshot
    .command("list")
    .description("list snapshots with their age, size and whether prune would delete them")
    .action(async (_flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { listSnapshots } = await import("../snapshots/manage-snapshots.js");
      emit(await listSnapshots(globals), globals, (r) => {
        const lines = [renderList(r.snapshots, r.retentionDays)];
        if (r.backups.length) lines.push("", "Backups made by rollback (dbship rollback --to <name> restores one):", ...r.backups.map((b) => `  ${b.name}  ${b.createdAt}`));
        if (r.notices.length) lines.push("", ...renderNotices(r.notices));
        return lines.join("\n");
      });
    });

  snapshot
    .command("url")
    .description("print a snapshot's connection string")
    .argument("<name>", "snapshot name or id")
    .action(async (name: string, _flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { snapshotUrl } = await import("../snapshots/manage-snapshots.js");
      const report = await snapshotUrl({ ...globals, name });
      emit(report, globals, (r, policy: SecretPolicy) => presentUrl(r.connectionString, policy), [report.connectionString]);
    });

  snapshot
    .command("prune")
    .description("delete snapshots older than the retention (asks first, or --yes)")
    .option("--older-than <days>", "retention in days (default: snapshot.retentionDays)", positiveInt("--older-than"))
    .option("--keep <n>", "always keep the newest n", positiveInt("--keep"))
    .option("-y, --yes", "do not ask (required without a terminal)")
    .action(async (flags, command: Command) => {
      const globals = command.optsWithGlobals();
      const { pruneSnapshots } = await import("../snapshots/manage-snapshots.js");
      const report = await pruneSnapshots({
        ...globals,
        olderThanDays: flags.olderThan,
        keep: flags.keep,
        yes: Boolean(flags.yes),
        confirm: canPrompt() ? confirm : undefined,
      });
      emit(report, globals, (r) => {
        const lines: string[] = [];
        if (r.error) lines.push(renderError(r.error));
        for (const name of r.dropped) lines.push(`${chalk.green("✔")} dropped ${name} (left by an interrupted run)`);
        if (r.notices.length) lines.push(...renderNotices(r.notices));
        if (r.planned.length && !r.deleted.length) lines.push(`would delete: ${r.planned.join(", ")}`);
        for (const name of r.deleted) lines.push(`${chalk.green("✔")} deleted ${name}`);
        for (const kept of r.kept) lines.push(`${chalk.dim("-")} kept ${kept.name}: ${kept.reason}`);
        if (!r.planned.length) lines.push(r.dropped.length ? "no snapshot to prune" : "nothing to prune");
        return lines.join("\n");
      });
    });
}

function renderList(snapshots: SnapshotView[], retentionDays: number): string {
  if (!snapshots.length) return "No snapshots yet. dbship deploy takes one before each deploy; dbship snapshot create takes one now.";
  const width = Math.max(...snapshots.map((s) => s.name.length));
  const lines = [`${"name".padEnd(width)}  ${"created".padEnd(24)}  ${"age".padEnd(8)}  ${"size".padStart(9)}  prune?`];
  for (const s of snapshots) {
    const size = s.sizeBytes === undefined ? "-" : `${(s.sizeBytes / 1024 / 1024).toFixed(1)} MB`;
    lines.push(`${s.name.padEnd(width)}  ${s.createdAt.padEnd(24)}  ${s.age.padEnd(8)}  ${size.padStart(9)}  ${s.prunable ? "yes" : `no (${s.keptBecause})`}`);
  }
  lines.push("", chalk.dim(`Retention: ${retentionDays} days (snapshot.retentionDays). dbship snapshot prune deletes the ones marked yes.`));
  return lines.join("\n");
}
