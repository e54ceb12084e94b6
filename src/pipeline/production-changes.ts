// After a failure past the point of no return: what production's schema has now that the
// snapshot does not (a column added before the failing statement, say), in plain words.
import { diffSchemas } from "../verify/schema-diff.js";
import { readSchemaAt } from "../verify/schema-model.js";
import type { DeployContext } from "./types.js";

export async function describeProductionChanges(ctx: DeployContext): Promise<string[] | undefined> {
  const snapshot = ctx.state.snapshot;
  if (!snapshot) return undefined;
  const [before, now] = await Promise.all([readSchemaAt(snapshot.connectionString), readSchemaAt(ctx.databaseUrl)]);
  return diffSchemas(before, now, { scope: "full", leftLabel: "the snapshot", rightLabel: "production" }).map((difference) => difference.message);
}
