// The migrations folder as Prisma sees it: every subfolder is a migration and must hold a
// migration.sql; folders are sorted with localeCompare (Prisma's order, not byte order).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DbshipError } from "../errors.js";

export type LocalMigration = {
  name: string;
  dir: string;
  sql: string;
  /** sha256 of the script as Prisma computes it (the UTF-8 text, read as a string). */
  checksum: string;
  /** Optional checks run on production after the deploy (see verify/verify-scripts.ts). */
  verifySql: string | undefined;
};

export async function readLocalMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  if (!existsSync(migrationsDir)) {
    throw new DbshipError("MIGRATIONS_DIR_INVALID", `migrations folder not found: ${migrationsDir}`, {
      hint: "Create your first migration with `prisma migrate dev`, or run `dbship baseline` to start from the current schema. The folder is set by `migrations` in dbship.config.json.",
    });
  }
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const dir = path.join(migrationsDir, name);
      const sqlPath = path.join(dir, "migration.sql");
      if (!existsSync(sqlPath)) {
        throw new DbshipError("MIGRATIONS_DIR_INVALID", `migration ${name} has no migration.sql (${sqlPath})`, {
          hint: "Every folder in the migrations folder must hold a migration.sql (Prisma refuses it too, P3015). Remove the folder or add the file.",
        });
      }
      const sql = await readFile(sqlPath, "utf8");
      const verifyPath = path.join(dir, "verify.sql");
      return {
        name,
        dir,
        sql,
        checksum: checksumOf(sql),
        verifySql: existsSync(verifyPath) ? await readFile(verifyPath, "utf8") : undefined,
      };
    }),
  );
}

export function checksumOf(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

/**
 * Prisma accepts a stored checksum that equals the script's, or the script's with line endings
 * converted either way (a Windows checkout must not look edited), or the old non-zero-padded
 * hex form of any of those.
 */
export function checksumMatches(stored: string, script: string): boolean {
  const candidates = new Set([script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")].map(checksumOf));
  if (candidates.has(stored)) return true;
  if (stored.length !== 64) {
    for (const candidate of candidates) if (unpadded(candidate) === stored) return true;
  }
  return false;
}

/** The pre-2021 engine printed each byte without zero padding (prisma-engines#1887). */
function unpadded(hex: string): string {
  return (hex.match(/../g) ?? []).map((byte) => parseInt(byte, 16).toString(16)).join("");
}
