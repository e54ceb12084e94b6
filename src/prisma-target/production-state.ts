// What a stray Prisma run could change in production, as one comparable text: the migration
// ledger (every column) and the schema's full fingerprint. Read before and after every Prisma
// run on another database.
import { withConnection } from "../infra/pg.js";
import { migrationsSchema, readLedger } from "../migrations/ledger.js";
import { schemaFingerprint } from "../verify/fingerprint.js";
import { readSchemaModel } from "../verify/schema-model.js";

export async function productionState(url: string): Promise<string> {
  return withConnection(
    url,
    async (client) => {
      const ledger = await readLedger(client, migrationsSchema(url));
      const fingerprint = schemaFingerprint(await readSchemaModel(client), "full");
      return JSON.stringify({ fingerprint, ledger });
    },
    { applicationName: "dbship tripwire" },
  );
}
