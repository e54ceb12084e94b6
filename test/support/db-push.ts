// What `prisma db push` leaves: schema.prisma's tables and no _prisma_migrations, the state
// `dbship baseline` starts from. Prisma's own SQL for the schema, run directly: `db push` itself
// fails on this repository's WebAssembly engine ("Column type 'char' could not be deserialized"
// while it reads the database).
import { runPrisma } from "./cli.js";
import { query } from "./postgres.js";

export async function pushSchema(projectDir: string, databaseUrl: string): Promise<void> {
  const diff = await runPrisma(["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"], { cwd: projectDir, databaseUrl });
  if (diff.exitCode !== 0) throw new Error(`prisma migrate diff failed: ${diff.stderr}${diff.stdout}`);
  await query(databaseUrl, diff.stdout.replace(/^Loaded Prisma config.*$/m, ""));
}
