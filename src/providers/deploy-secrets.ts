// What each provider needs from the environment where dbship deploys, besides DATABASE_URL
// (for `dbship init`'s next steps). Kept apart from index.ts so that init loads no provider.

export function providerSecrets(provider: "postgres" | "neon" | null, neonProjectId: string | null | undefined): string[] {
  if (provider !== "neon") return [];
  return ["NEON_API_KEY", ...(neonProjectId ? [] : ["NEON_PROJECT_ID (or neon.projectId in the config)"])];
}
