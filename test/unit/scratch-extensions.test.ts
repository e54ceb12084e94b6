import { describe, expect, it } from "vitest";
import { extensionsInMigrations, extensionsInSchema } from "../../src/schema-sync/scratch-extensions.js";

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
});
