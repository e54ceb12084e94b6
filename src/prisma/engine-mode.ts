// Whether the project runs Migrate on Prisma 6's WebAssembly engine (`engine: "js"` in
// prisma.config.*), which splits migration files naively on ";" — the linter must know. The
// engine is read from the configuration as Prisma's own loader evaluates it (src/prisma-target),
// not from the file's text: a comment or a computed value cannot mislead it.
import { executionMode } from "./commands.js";
import type { PrismaCli } from "./prisma-cli.js";

export function projectExecutionMode(prisma: PrismaCli, engine: "js" | "classic" | undefined) {
  return executionMode(prisma, prisma.major === 6 && engine === "js");
}
