// What kind of failure a Prisma run ended with, read from its output, so that dbship does not
// blame schema.prisma for a network problem. Facts used (Prisma 6.x CLI output):
// - schema validation errors carry the code P1012, `-->  <file>:<line>` pointers and a
//   "Validation Error Count" line (prisma-engines' psl diagnostics, "Prisma error reference");
// - a native engine that cannot be downloaded fails in @prisma/fetch-engine with "request to
//   <mirror>/all_commits/<hash>/<platform>/schema-engine.gz(.sha256) failed, reason: …" or
//   "Failed to fetch the engine file at …" / "Failed to fetch sha256 checksum at …"; the mirror is
//   binaries.prisma.sh unless PRISMA_ENGINES_MIRROR says otherwise.
export type PrismaFailureKind = "schema" | "engine" | "other";

const ENGINE = [
  /binaries\.prisma\.sh/i,
  /\/all_commits\/[0-9a-f]+\//i,
  /(schema|query)[-_]engine[\w.-]*\.(gz|sha256)\b/i,
  /Failed to fetch (the engine file|sha256 checksum)/i,
  /engine (file|binary) (could not|cannot) be (found|downloaded)/i,
];

// Also a schema path Prisma cannot open ("Could not load `--to-schema-datamodel` from provided
// path …: file or directory not found").
const SCHEMA = [/\bP1012\b/, /Validation Error Count/i, /Prisma schema validation/i, /-->\s+\S+\.prisma:\d+/, /Could not load `--to-schema/i];

export function classifyPrismaFailure(run: { stdout: string; stderr: string }): PrismaFailureKind {
  const output = `${run.stderr}\n${run.stdout}`;
  if (ENGINE.some((pattern) => pattern.test(output))) return "engine";
  if (SCHEMA.some((pattern) => pattern.test(output))) return "schema";
  return "other";
}
