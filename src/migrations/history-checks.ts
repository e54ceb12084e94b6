// The refusals that protect a deploy from a history Prisma would mishandle: failed migrations
// (Prisma stops with P3009), edited and missing ones (Prisma says nothing at all).
import { DbshipError } from "../errors.js";
import { displayCommand } from "../prisma/commands.js";
import type { MigrationStatus } from "./classify.js";

export function refuseUnsafeHistory(status: MigrationStatus, options: { root: string; schemaPath: string; relativeMigrationsDir: string }): void {
  const details = { failed: status.failed, modified: status.modified, missing: status.missing };
  if (status.failed.length > 0) {
    const entries = status.entries.filter((entry) => entry.state === "failed");
    const lines = entries.map((entry) => `${entry.name} (started ${entry.startedAt ?? "?"}${entry.logs ? `: ${databaseError(entry.logs)}` : ""})`);
    const resolve = (flag: string, name: string) =>
      displayCommand(["migrate", "resolve", flag, name, "--schema", options.schemaPath], options.root);
    throw new DbshipError("MIGRATIONS_FAILED", `production has ${entries.length} failed migration(s): ${lines.join("; ")}`, {
      hint: [
        "Prisma will not apply anything until each one is resolved. Either undo what it applied and mark it rolled back:",
        ...entries.map((entry) => `  ${resolve("--rolled-back", entry.name)}`),
        "or finish it by hand exactly as written and mark it applied:",
        ...entries.map((entry) => `  ${resolve("--applied", entry.name)}`),
        "A snapshot taken before it can also be restored: dbship snapshot list, then dbship rollback --to <snapshot>.",
      ].join("\n"),
      details,
    });
  }
  if (status.modified.length > 0) {
    throw new DbshipError("MIGRATIONS_MODIFIED", `migration(s) edited after they were applied to production: ${status.modified.join(", ")}`, {
      hint: `Their migration.sql no longer matches the checksum production recorded. Restore the files as they were applied (git log -p -- ${options.relativeMigrationsDir}/<name>/migration.sql) and put the change in a new migration.`,
      details,
    });
  }
  if (status.missing.length > 0) {
    throw new DbshipError("MIGRATIONS_MISSING", `production has applied migration(s) that are not in ${options.relativeMigrationsDir}: ${status.missing.join(", ")}`, {
      hint: "This checkout may be behind production: pull the latest migrations and run again. If they were deleted on purpose, restore them: the history must match production's.",
      details,
    });
  }
}

/** The database's own message out of a ledger `logs` text (which may hold a Rust span trace). */
export function databaseError(logs: string): string {
  const lines = logs
    .split("\n")
    .map((line) => line.trim())
    // Prisma's wrapper line and the engine's Rust span trace carry nothing for the user.
    .filter((line) => line && !/^(Error: )?external connector error$/.test(line) && !/^(\d+: |with |at )/.test(line));
  const explicit = lines.find((line) => /^(ERROR|Database error):/i.test(line)) ?? lines.find((line) => /ERROR:/.test(line));
  const line = explicit ?? lines[0] ?? logs.trim();
  return line.replace(/^Error querying the database:\s*/, "").replace(/^Database error:\s*/, "");
}
