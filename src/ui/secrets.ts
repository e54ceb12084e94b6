// Connection strings hold passwords. They are shown in full on an interactive terminal (the
// person running the deploy needs them to recover), masked when stdout is not a terminal (CI
// logs) unless --show-secrets; under GitHub Actions a shown password is also registered with
// ::add-mask:: so the runner hides it from the log. "Password" means every secret a URL can
// carry: the user part, the password/sslpassword query parameters, password settings in
// `options` (urlSecrets in ../infra/urls.ts).
import { maskUrl, urlSecrets } from "../infra/urls.js";

export type SecretPolicy = { reveal: boolean };

export function secretPolicy(options: { showSecrets?: boolean }, stdout: NodeJS.WriteStream = process.stdout): SecretPolicy {
  return { reveal: Boolean(options.showSecrets) || Boolean(stdout.isTTY) };
}

export function presentUrl(url: string, policy: SecretPolicy): string {
  return policy.reveal ? url : maskUrl(url);
}

/**
 * `::add-mask::` lines for every secret that will be shown in full under GitHub Actions. The
 * runner masks line by line, so a multi-line secret is registered one line at a time; a
 * command's value is escaped as the runner expects (% → %25, CR → %0D, LF → %0A), and the
 * secret is registered both decoded and as written in the URL (percent-encoded).
 */
export function githubMaskCommands(urls: Array<string | undefined | null>, policy: SecretPolicy, env = process.env): string[] {
  if (!policy.reveal || env.GITHUB_ACTIONS !== "true") return [];
  const values = urls.flatMap((url) => (url ? urlSecrets(url) : [])).flatMap((secret) => secret.split(/\r\n|\r|\n/));
  return [...new Set(values.filter((value) => value.trim().length > 0))].map((value) => `::add-mask::${escapeCommandValue(value)}`);
}

function escapeCommandValue(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * `text` without secrets, for text that may quote a connection string (an error message): every
 * postgres URL in it is masked, and each of `secrets` quoted on its own is replaced by ****. A
 * secret shorter than 8 characters is only masked inside URLs: replacing a short word everywhere
 * would garble messages (a password "dbship" would eat the command names).
 */
export function scrubSecrets(text: string, secrets: string[]): string {
  let scrubbed = text.replace(/postgres(?:ql)?:\/\/[^\s"'`<>]+/gi, (url) => maskUrl(url));
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 8) scrubbed = scrubbed.split(secret).join("****");
  }
  return scrubbed;
}

/**
 * The secrets of every connection string in the environment (DATABASE_URL, the variable
 * databaseUrlEnv names, a DIRECT_URL…): what no error message or warning may show.
 */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.values(env).flatMap((value) => (value && /^postgres(ql)?:\/\//i.test(value) ? urlSecrets(value) : []));
}

/** An error for output: its message and hint without any secret of `secrets`. */
export function scrubError<T extends { message: string; hint?: string | null | undefined; details?: Record<string, unknown> | undefined }>(error: T, secrets: string[]): T {
  const scrubbed = { ...error, message: scrubSecrets(error.message, secrets), hint: error.hint == null ? error.hint : scrubSecrets(error.hint, secrets) };
  // Details may quote a database's or Prisma's message too (a failed migration's error, a session's name).
  if (error.details) {
    try {
      scrubbed.details = JSON.parse(scrubSecrets(JSON.stringify(error.details), secrets)) as Record<string, unknown>;
    } catch {
      // A secret that straddled a JSON escape: better no details than a secret.
      delete scrubbed.details;
    }
  }
  return scrubbed;
}
