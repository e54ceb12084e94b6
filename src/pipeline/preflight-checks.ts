// The checks preflight runs on the pending migrations once the history is known to be sound:
// lint on the real PostgreSQL parser and the schema.prisma ↔ migrations comparison. Each may
// refuse the deploy (exit 3) before anything has changed.
import type { ProductionStatus } from "../migrations/production-status.js";
import type { DeployContext } from "./types.js";

export async function runPreflightChecks(_ctx: DeployContext, _production: ProductionStatus): Promise<void> {
  // Filled in by the lint and schema-sync checks.
}
