// Ties a failed rehearsal back to the data that made it fail, where SQL alone could not know:
// filled in by the lint work (issue 7). Returns undefined when it cannot say more.
import type { LocalMigration } from "../migrations/local-migrations.js";

export type FailureExplanation = { summary: string; [key: string]: unknown };

export async function explainRehearsalFailure(
  _url: string,
  _local: LocalMigration[],
  _failure: { migration: string; error: string },
): Promise<FailureExplanation | undefined> {
  return undefined;
}
