// Proof, before a Prisma run that writes, that Prisma connects to the database dbship means: a
// migration row with a random name is put in that database's ledger, and `prisma migrate status`
// — read-only everywhere — must list it among the migrations "not found locally". No other
// database has that name, so Prisma read this one. The probe is removed afterwards.
import { randomBytes } from "node:crypto";
import { withConnection, quoteIdent } from "../infra/pg.js";
import { migrationsSchema } from "../migrations/ledger.js";
import { migrateStatus } from "../prisma/commands.js";
import type { PrismaCli } from "../prisma/prisma-cli.js";
import { runPrisma } from "../prisma/run-prisma.js";

export type ProbeInput = { cli: PrismaCli; root: string; schemaPath: string; url: string; env: Record<string, string>; signal?: AbortSignal | undefined };

export async function proveTarget(input: ProbeInput): Promise<{ proven: boolean; output: string }> {
  const probe = `dbship_probe_${randomBytes(6).toString("hex")}`;
  const schema = migrationsSchema(input.url);
  const table = `${quoteIdent(schema)}._prisma_migrations`;
  const created = await withConnection(
    input.url,
    async (client) => {
      const schemaExists = (await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1;
      const tableExists = schemaExists && (await client.query("SELECT to_regclass($1) IS NOT NULL AS found", [table])).rows[0]?.found === true;
      if (!schemaExists) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      // Prisma's own definition of the ledger, so that Prisma reads it as it reads any.
      if (!tableExists) {
        await client.query(`CREATE TABLE ${table} (
          "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
          "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
          "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
      }
      await client.query(`INSERT INTO ${table} (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $1, 1)`, [probe, "0".repeat(64)]);
      return { schema: !schemaExists, table: !tableExists };
    },
    { applicationName: "dbship probe" },
  );
  try {
    const run = await runPrisma(input.cli, migrateStatus(input.schemaPath), { cwd: input.root, env: input.env, timeoutMs: 120_000, signal: input.signal });
    const output = `${run.stdout}\n${run.stderr}`;
    return { proven: output.includes(probe), output };
  } finally {
    await withConnection(
      input.url,
      async (client) => {
        if (created.schema) await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
        else if (created.table) await client.query(`DROP TABLE ${table}`);
        else await client.query(`DELETE FROM ${table} WHERE id = $1`, [probe]);
      },
      { applicationName: "dbship probe" },
    );
  }
}
