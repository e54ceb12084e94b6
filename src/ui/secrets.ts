// Connection strings hold passwords. They are shown in full on an interactive terminal (the
// person running the deploy needs them to recover), masked when stdout is not a terminal (CI
// logs) unless --show-secrets; under GitHub Actions a shown password is also registered with
// ::add-mask:: so the runner hides it from the log.
import { maskUrl } from "../infra/urls.js";

export type SecretPolicy = { reveal: boolean };

export function secretPolicy(options: { showSecrets?: boolean }, stdout: NodeJS.WriteStream = process.stdout): SecretPolicy {
  return { reveal: Boolean(options.showSecrets) || Boolean(stdout.isTTY) };
}

export function presentUrl(url: string, policy: SecretPolicy): string {
  return policy.reveal ? url : maskUrl(url);
}

/** `::add-mask::` lines for every password that will be shown in full under GitHub Actions. */
export function githubMaskCommands(urls: Array<string | undefined | null>, policy: SecretPolicy, env = process.env): string[] {
  if (!policy.reveal || env.GITHUB_ACTIONS !== "true") return [];
  const passwords = urls.flatMap((url) => {
    if (!url) return [];
    try {
      const password = decodeURIComponent(new URL(url).password);
      return password ? [password] : [];
    } catch {
      return [];
    }
  });
  return [...new Set(passwords)].map((password) => `::add-mask::${password}`);
}
