import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { extensionsInMigrations, extensionsInSchema, extensionsInSchemaFile } from "../../src/schema-sync/scratch-extensions.js";

describe("the extensions a scratch database needs", () => {
  it("reads CREATE EXTENSION statements from migrations, quoted or not, skipping comments", () => {
    const sql = `-- CREATE EXTENSION postgis;\nCREATE EXTENSION IF NOT EXISTS "citext";\ncreate extension pg_trgm WITH SCHEMA public;\nCREATE EXTENSION "uuid-ossp";`;
    expect(extensionsInMigrations([{ sql }, { sql: 'CREATE EXTENSION IF NOT EXISTS "citext";' }])).toEqual(["citext", "pg_trgm", "uuid-ossp"]);
  });

  it("reads the datasource's extensions list, with arguments and map", () => {
    const schema = `generator client {\n  provider = "prisma-client-js"\n  previewFeatures = ["postgresqlExtensions"]\n}\n\ndatasource db {\n  provider   = "postgresql"\n  url        = env("DATABASE_URL")\n  // extensions = [postgis]\n  extensions = [citext, pg_trgm(schema: "public", version: "1.6"), uuidOssp(map: "uuid-ossp")]\n}\n`;
    expect(extensionsInSchema(schema)).toEqual(["citext", "pg_trgm", "uuid-ossp"]);
    expect(extensionsInSchema('datasource db {\n  provider = "postgresql"\n}\n')).toEqual([]);
  });

  // Formbricks (test/fixtures/real/formbricks): prisma.config.ts names the folder schema/, whose
  // main.prisma declares `extensions = [pgvector(map: "vector")]` beside workflows.prisma.
  it("reads the extensions of a multi-file schema: the datasource is in one of the folder's files", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-extensions-"));
    try {
      await mkdir(path.join(dir, "schema"));
      await writeFile(path.join(dir, "schema", "a-models.prisma"), "model A {\n  id Int @id\n}\n");
      await writeFile(path.join(dir, "schema", "main.prisma"), 'datasource db {\n  provider   = "postgresql"\n  extensions = [pgvector(map: "vector"), citext]\n}\n');
      expect(await extensionsInSchemaFile(path.join(dir, "schema"))).toEqual(["vector", "citext"]);
      expect(await extensionsInSchemaFile(path.join(dir, "schema", "main.prisma"))).toEqual(["vector", "citext"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
