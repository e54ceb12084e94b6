// A migration may ship a verify.sql next to its migration.sql: read-only checks that must pass on
// production after the deploy (and on the rehearsal copy before it). It passes when every
// statement runs without error and no returned row has `false` in its first column.
import { withConnection } from "../infra/pg.js";
import type { LocalMigration } from "../migrations/local-migrations.js";

export type VerifyScriptResult = { migration: string; ok: boolean; message: string };

export async function runVerifyScripts(url: string, migrations: LocalMigration[]): Promise<VerifyScriptResult[]> {
  const withScripts = migrations.filter((migration) => migration.verifySql !== undefined);
  if (withScripts.length === 0) return [];
  return withConnection(
    url,
    async (client) => {
      const results: VerifyScriptResult[] = [];
      for (const migration of withScripts) {
        // A read-only transaction, rolled back: a verify script can never change production.
        await client.query("BEGIN READ ONLY");
        try {
          const raw = await client.query({ text: migration.verifySql ?? "", rowMode: "array" });
          const outcomes = Array.isArray(raw) ? raw : [raw];
          const falsy = outcomes.flatMap((outcome) => outcome.rows ?? []).find((row: unknown[]) => row[0] === false);
          results.push({ migration: migration.name, ok: !falsy, message: falsy ? "a check returned false" : "passed" });
        } catch (error) {
          results.push({ migration: migration.name, ok: false, message: (error as Error).message });
        } finally {
          await client.query("ROLLBACK").catch(() => undefined);
        }
      }
      return results;
    },
    { applicationName: "dbship verify" },
  );
}
