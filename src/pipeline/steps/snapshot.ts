// Step 2. Copies production before anything touches it. Nothing has changed yet if it fails.
import { DbshipError, isDbshipError } from "../../errors.js";
import { createNamedSnapshot } from "../../providers/free-name.js";
import type { Step } from "../types.js";

export const snapshot: Step = {
  name: "snapshot",
  title: "Snapshot",
  during: "the snapshot",
  dryRun: (ctx) => `would snapshot production as ${ctx.config.snapshot.prefix}<YYYYMMDD-HHMMSS>`,
  async run(ctx) {
    try {
      const created = await createNamedSnapshot(ctx.provider, ctx.config.snapshot.prefix, new Date(), undefined, ctx.signal);
      const connectionString = await ctx.provider.connectionString(created);
      ctx.state.snapshot = { ...created, connectionString };
      return { status: "ok", detail: `${created.name} (id ${created.id})` };
    } catch (error) {
      if (isDbshipError(error)) throw error;
      throw new DbshipError("SNAPSHOT_FAILED", `could not snapshot production: ${(error as Error).message}`, {
        hint: "Nothing was changed in production. Fix the cause above and run again.",
        cause: error,
      });
    }
  },
};
