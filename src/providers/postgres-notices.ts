// Turns what was found next to production (postgres-inventory.ts) into what every command tells
// the user: the state production is in and the exact way to finish or undo an interrupted run.
import { quoteIdent } from "../infra/pg.js";
import type { Inventory } from "./postgres-inventory.js";
import type { Housekeeping, ServerNotice } from "./types.js";

export function inventoryNotices(found: Inventory, production: string, leftovers: Housekeeping["leftovers"]): ServerNotice[] {
  const notices: ServerNotice[] = [];
  for (const copy of found.rollbackCopies) {
    notices.push({
      kind: "interrupted-rollback",
      name: copy.name,
      message: found.production.exists
        ? `interrupted rollback: ${copy.name} is a complete copy of ${copy.marker.snapshot} made ${copy.marker.createdAt} for a rollback that stopped before its swap; production is unchanged`
        : `interrupted rollback: production ${production} does not exist; ${copy.name} is a complete copy of ${copy.marker.snapshot}`,
      hint: `Finish it with: dbship rollback --to ${copy.marker.snapshot} (it reuses the copy), or give it up with: DROP DATABASE ${quoteIdent(copy.name)};`,
    });
  }
  const backup = found.backups[0];
  if (!found.production.exists && (backup || found.rollbackCopies.length)) {
    notices.push({
      kind: "production-missing",
      name: production,
      message: `production database ${production} does not exist on this server`,
      hint: backup
        ? `Its state before the last rollback is kept as ${backup.name} (${backup.createdAt}); put it back with: ALTER DATABASE ${quoteIdent(backup.name)} RENAME TO ${quoteIdent(production)};`
        : "See the interrupted rollback above.",
    });
  }
  const marker = found.production.marker;
  if (marker?.dbship === "production" && marker.backup && found.backups.some((b) => b.name === marker.backup)) {
    notices.push({
      kind: "restored",
      name: production,
      message: `production was restored from ${marker.snapshot} at ${marker.createdAt}; its state before that is kept as ${marker.backup}`,
    });
  }
  for (const leftover of leftovers) {
    notices.push({
      kind: "leftover",
      name: leftover.name,
      message: `${leftover.name}: ${leftover.reason}`,
      hint: `The next dbship deploy, rollback, snapshot create or prune drops it when nobody is connected; or: DROP DATABASE ${quoteIdent(leftover.name)};`,
    });
  }
  for (const untrusted of found.untrusted) {
    notices.push({
      kind: "untrusted",
      name: untrusted.name,
      message: `${untrusted.name}: not trusted as a snapshot of ${production}: ${untrusted.reason}`,
      hint: "dbship will not list or restore it (docs/snapshot-trust.md).",
    });
  }
  return notices;
}
