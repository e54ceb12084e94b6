// PostgreSQL's table-level lock modes, weakest first, and what each one stops other sessions from
// doing. The conflict table is PostgreSQL's ("Explicit Locking", Table-Level Lock Modes, in the
// PostgreSQL documentation; recorded in src/plan/README.md): plain SELECT takes ACCESS SHARE,
// INSERT/UPDATE/DELETE take ROW EXCLUSIVE, so a mode that conflicts with ROW EXCLUSIVE blocks
// writes and one that conflicts with ACCESS SHARE blocks reads too.

export const LOCK_MODES = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

/** What the application can no longer do on the relation while the lock is held. */
export type Blocks = "reads and writes" | "writes" | "nothing";

export function isLockMode(mode: string): mode is LockMode {
  return (LOCK_MODES as readonly string[]).includes(mode);
}

export function strength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function blocks(mode: LockMode): Blocks {
  if (mode === "AccessExclusiveLock") return "reads and writes";
  // SHARE and stronger conflict with ROW EXCLUSIVE (INSERT, UPDATE, DELETE).
  if (strength(mode) >= strength("ShareLock")) return "writes";
  return "nothing";
}

/** "ACCESS EXCLUSIVE", as PostgreSQL's documentation and LOCK TABLE spell it. */
export function sqlName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}
