// Whether the project runs Migrate on Prisma 6's WebAssembly engine (`engine: "js"` in
// prisma.config.*), which splits migration files naively on ";" — the linter must know.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { executionMode } from "./commands.js";
import type { PrismaCli } from "./prisma-cli.js";

const CONFIG_FILES = ["prisma.config.ts", "prisma.config.mts", "prisma.config.cts", "prisma.config.js", "prisma.config.mjs", "prisma.config.cjs", ".config/prisma.ts"];

export function usesJsEngine(root: string): boolean {
  return CONFIG_FILES.some((file) => {
    const full = path.join(root, file);
    return existsSync(full) && /\bengine\s*:\s*["'`]js["'`]/.test(readFileSync(full, "utf8"));
  });
}

export function projectExecutionMode(prisma: PrismaCli, root: string) {
  return executionMode(prisma, prisma.major === 6 && usesJsEngine(root));
}
