// How commands hand their result to the user: one JSON document on stdout with --json, the
// human view otherwise; the exit code comes from the report.
import { listenForInterrupts } from "../infra/interrupts.js";
import { environmentSecrets, githubMaskCommands, presentUrl, scrubError, scrubSecrets, secretPolicy, type SecretPolicy } from "../ui/secrets.js";

export type OutputFlags = { json?: boolean; showSecrets?: boolean };

export type Printable = { exitCode: number; [key: string]: unknown };

/** Prints `report` and sets the exit code. `human` renders it for people. */
export function emit<T extends Printable>(raw: T, flags: OutputFlags, human: (report: T, policy: SecretPolicy) => string, urls: string[] = []): void {
  const policy = secretPolicy(flags);
  const report = withoutSecretsInMessages(raw);
  const masks = githubMaskCommands(urls, policy);
  if (flags.json) {
    for (const line of masks) process.stderr.write(`${line}\n`);
    process.stdout.write(`${JSON.stringify(maskUrls(report, urls, policy), null, 2)}\n`);
  } else {
    for (const line of masks) process.stdout.write(`${line}\n`);
    const text = human(report, policy);
    if (text) process.stdout.write(`${text}\n`);
  }
  process.exitCode = report.exitCode;
}

/** Replaces every connection string in the report by its masked form where secrets are hidden. */
function maskUrls<T>(report: T, urls: string[], policy: SecretPolicy): T {
  if (policy.reveal || urls.length === 0) return report;
  let text = JSON.stringify(report);
  for (const url of urls) text = text.split(JSON.stringify(url).slice(1, -1)).join(JSON.stringify(presentUrl(url, policy)).slice(1, -1));
  return JSON.parse(text) as T;
}

/**
 * An AbortSignal that fires on the first Ctrl-C / SIGTERM; a later one exits (130 / 143) once the
 * cleanups that protect production are done (src/infra/interrupts.ts).
 */
export function interruptSignal(onFirst?: () => void, onForced?: (labels: string[]) => void): AbortSignal {
  return listenForInterrupts(() => onFirst?.(), onForced);
}

/** The report's error and warnings may quote a database's or Prisma's message: no secret in them. */
function withoutSecretsInMessages<T extends Printable>(report: T): T {
  const secrets = environmentSecrets();
  const scrubbed: Record<string, unknown> = { ...report };
  if (report.error && typeof report.error === "object") scrubbed.error = scrubError(report.error as { message: string; hint?: string | null }, secrets);
  const rollback = report.rollback as { databaseError?: unknown } | null | undefined;
  if (rollback && typeof rollback.databaseError === "string") scrubbed.rollback = { ...rollback, databaseError: scrubSecrets(rollback.databaseError, secrets) };
  if (Array.isArray(report.warnings)) scrubbed.warnings = report.warnings.map((w) => (typeof w === "string" ? scrubSecrets(w, secrets) : w));
  return scrubbed as T;
}
