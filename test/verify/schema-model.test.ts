import { afterAll, describe, expect, it } from "vitest";
import { describeNotCompared } from "../../src/verify/describe.js";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
import { diffSchemas } from "../../src/verify/schema-diff.js";
import { readSchemaModel } from "../../src/verify/schema-model.js";
import { withClient } from "../support/postgres.js";
import { databaseWith, dropDatabases, modelOf } from "./helpers.js";

afterAll(dropDatabases);

const full = { scope: "full", leftLabel: "the left database", rightLabel: "the right database" } as const;

describe("readSchemaModel", () => {
  it("reads the same model for the same schema built in another column and statement order", async () => {
    const left = await modelOf(`
      CREATE TYPE mood AS ENUM ('happy', 'sad');
      CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
      CREATE TABLE moments (
        id uuid NOT NULL, title varchar(200) NOT NULL, body text, mood mood NOT NULL DEFAULT 'happy',
        created_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, author_id integer NOT NULL,
        CONSTRAINT moments_pkey PRIMARY KEY (id),
        CONSTRAINT moments_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors(id) ON DELETE CASCADE
      );
      CREATE INDEX moments_created_at_idx ON moments (created_at DESC);
      CREATE INDEX moments_title_idx ON moments (lower(title)) WHERE body IS NOT NULL;`);
    const right = await modelOf(`
      CREATE TABLE moments (author_id integer NOT NULL, body text, created_at timestamptz(3) NOT NULL DEFAULT now());
      CREATE TYPE mood AS ENUM ('happy', 'sad');
      CREATE TABLE authors (name text NOT NULL, id integer NOT NULL DEFAULT 0);
      ALTER TABLE moments ADD COLUMN mood mood NOT NULL DEFAULT 'happy'::mood, ADD COLUMN id uuid NOT NULL,
                          ADD COLUMN title character varying(200) NOT NULL;
      CREATE INDEX moments_title_idx ON moments USING btree (lower((title)::text)) WHERE (body IS NOT NULL);
      CREATE SEQUENCE authors_id_seq AS integer OWNED BY authors.id;
      ALTER TABLE authors ALTER COLUMN id SET DEFAULT nextval('authors_id_seq'::regclass);
      ALTER TABLE authors ADD CONSTRAINT authors_name_key UNIQUE (name), ADD PRIMARY KEY (id);
      ALTER TABLE moments ADD PRIMARY KEY (id);
      CREATE INDEX moments_created_at_idx ON moments (created_at DESC NULLS FIRST);
      ALTER TABLE moments ADD FOREIGN KEY (author_id) REFERENCES authors ON DELETE CASCADE ON UPDATE NO ACTION;`);

    expect(right).toEqual(left);
    expect(diffSchemas(left, right, full)).toEqual([]);
    expect(schemaFingerprint(right)).toBe(schemaFingerprint(left));
    // What the model holds, so that "equal" above is not two empty models.
    expect(left.tables.map((table) => table.name)).toEqual(["authors", "moments"]);
    const moments = left.tables[1]!;
    expect(moments.columns.map((column) => column.name)).toEqual(["author_id", "body", "created_at", "id", "mood", "title"]);
    expect(moments.columns.find((column) => column.name === "title")).toMatchObject({ type: "character varying(200)", notNull: true });
    expect(moments.primaryKey).toEqual({ name: "moments_pkey", columns: ["id"] });
    expect(moments.indexes).toMatchObject([
      { name: "moments_created_at_idx", keys: ["created_at DESC"], unique: false, method: "btree" },
      { name: "moments_title_idx", keys: ["lower((title)::text)"], predicate: "body IS NOT NULL" },
    ]);
    expect(moments.foreignKeys).toEqual([
      {
        name: "moments_author_id_fkey",
        columns: ["author_id"],
        referencedTable: "authors",
        referencedColumns: ["id"],
        onDelete: "CASCADE",
        onUpdate: "NO ACTION",
        options: "",
      },
    ]);
    expect(left.tables[0]!.indexes).toMatchObject([{ name: "authors_name_key", unique: true, constraint: "UNIQUE", keys: ["name"] }]);
    expect(left.enums).toEqual([{ schema: "public", name: "mood", labels: ["happy", "sad"] }]);
  });

  it("reads equal defaults written differently as equal", async () => {
    const left = await modelOf(`
      CREATE TYPE role AS ENUM ('USER', 'ADMIN');
      CREATE TABLE t (
        a text DEFAULT 'x', b varchar(10) DEFAULT 'x', c timestamp(3) DEFAULT CURRENT_TIMESTAMP, d timestamptz DEFAULT now(),
        e bigint DEFAULT 5, f integer DEFAULT -1, g numeric(10,2) DEFAULT 1.5, h text[] DEFAULT ARRAY['a', 'b']::text[],
        i text[] DEFAULT ARRAY[]::text[], j role DEFAULT 'USER', k role[] DEFAULT ARRAY['USER']::role[], l jsonb DEFAULT '{"a":1}',
        m boolean DEFAULT true, n real DEFAULT -1.5)`);
    const right = await modelOf(`
      CREATE TYPE role AS ENUM ('USER', 'ADMIN');
      CREATE TABLE t (
        a text DEFAULT 'x'::character varying, b varchar(10) DEFAULT 'x'::text, c timestamp(3) DEFAULT now(),
        d timestamptz DEFAULT transaction_timestamp(), e bigint DEFAULT '5'::bigint, f integer DEFAULT '-1', g numeric(10,2) DEFAULT '1.5',
        h text[] DEFAULT '{a,b}', i text[] DEFAULT '{}', j role DEFAULT 'USER'::role, k role[] DEFAULT '{USER}',
        l jsonb DEFAULT '{"a": 1}'::jsonb, m boolean DEFAULT 'true', n real DEFAULT '-1.5'::real)`);
    expect(diffSchemas(left, right, full)).toEqual([]);
    const defaults = Object.fromEntries(left.tables[0]!.columns.map((column) => [column.name, column.default]));
    expect(defaults).toEqual({
      a: "'x'",
      b: "'x'",
      c: "now()",
      d: "now()",
      e: "5",
      f: "-1",
      g: "1.5",
      h: "'{a,b}'",
      i: "'{}'",
      j: "'USER'",
      k: "'{USER}'",
      l: `'{"a": 1}'`,
      m: "true",
      n: "-1.5",
    });
  });

  it("leaves out _prisma_migrations, the tables in `exclude` and what extensions own", async () => {
    const sql = `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL);
      CREATE TABLE moments (id integer PRIMARY KEY);
      CREATE TABLE audit_log (id integer PRIMARY KEY);`;
    const model = await modelOf(sql);
    expect(model.tables.map((table) => table.name)).toEqual(["audit_log", "moments"]);
    // pg_trgm's functions and types are the extension's: only the extension itself is listed.
    expect(model.notCompared).toEqual([{ kind: "extension", name: "pg_trgm", definition: expect.stringMatching(/^version [\d.]+ in schema public$/) }]);
    const excluded = await modelOf(sql, { exclude: ["public.audit_log"] });
    expect(excluded.tables.map((table) => table.name)).toEqual(["_prisma_migrations", "moments"]);
  });

  it("lists what a Prisma schema cannot express as not compared", async () => {
    const model = await modelOf(`
      CREATE TABLE moments (id serial PRIMARY KEY, title text NOT NULL CONSTRAINT moments_title_length CHECK (char_length(title) <= 200),
                            updated_at timestamptz);
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;
      CREATE TRIGGER moments_touch BEFORE UPDATE ON moments FOR EACH ROW EXECUTE FUNCTION touch();
      CREATE VIEW recent_moments AS SELECT id, title FROM moments;
      ALTER TABLE moments ENABLE ROW LEVEL SECURITY;
      CREATE POLICY moments_read ON moments FOR SELECT USING (true);
      CREATE SEQUENCE invoice_numbers START 1000;
      CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
      CREATE EXTENSION IF NOT EXISTS citext;`);
    expect(model.notCompared.map(({ kind, name, table }) => ({ kind, name, table }))).toEqual([
      { kind: "check", name: "moments_title_length", table: "moments" },
      { kind: "domain", name: "positive", table: undefined },
      { kind: "extension", name: "citext", table: undefined },
      { kind: "function", name: "touch()", table: undefined },
      { kind: "policy", name: "moments_read", table: "moments" },
      // The serial's own sequence belongs to the column default, not here.
      { kind: "sequence", name: "invoice_numbers", table: undefined },
      { kind: "table-option", name: "moments", table: "moments" },
      { kind: "trigger", name: "moments_touch", table: "moments" },
      { kind: "view", name: "recent_moments", table: undefined },
    ]);
    const byName = Object.fromEntries(model.notCompared.map((object) => [object.name, object.definition]));
    expect(byName.moments_title_length).toBe("CHECK (char_length(title) <= 200)");
    expect(byName.moments_touch).toBe("CREATE TRIGGER moments_touch BEFORE UPDATE ON moments FOR EACH ROW EXECUTE FUNCTION touch()");
    expect(byName.moments_read).toBe("AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)");
    expect(byName.moments).toBe("ROW LEVEL SECURITY");
    // The lines `dbship baseline` can print as warnings.
    expect(model.notCompared.map(describeNotCompared)).toEqual([
      "check constraint moments_title_length on moments: CHECK (char_length(title) <= 200)",
      "domain positive: integer CHECK (VALUE > 0)",
      expect.stringMatching(/^extension citext: version [\d.]+ in schema public$/),
      "function touch()",
      "policy moments_read on moments: AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)",
      "sequence invoice_numbers: AS bigint START 1000 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1",
      "table moments: ROW LEVEL SECURITY",
      "trigger moments_touch on moments: CREATE TRIGGER moments_touch BEFORE UPDATE ON moments FOR EACH ROW EXECUTE FUNCTION touch()",
      "view recent_moments",
    ]);
  });

  it("reads only the schemas asked for and names tables outside public with their schema", async () => {
    const db = await databaseWith(`
      CREATE SCHEMA app;
      CREATE TYPE app.status AS ENUM ('on', 'off');
      CREATE TABLE app.moments (id integer PRIMARY KEY, status app.status NOT NULL DEFAULT 'on');
      CREATE TABLE public.other (id integer);`);
    const model = await withClient(db.url, (client) => readSchemaModel(client, { schemas: ["app"] }));
    expect(model.tables.map((table) => `${table.schema}.${table.name}`)).toEqual(["app.moments"]);
    expect(model.tables[0]!.columns[1]).toMatchObject({ name: "status", type: "app.status", default: "'on'" });
    const empty = await modelOf("");
    const differences = diffSchemas(empty, model, { scope: "prisma", leftLabel: "the migrations", rightLabel: "schema.prisma" });
    expect(differences.map((difference) => difference.message)).toEqual([
      "enum app.status (on, off) is in schema.prisma but not in the migrations",
      "table app.moments is in schema.prisma but not in the migrations",
    ]);
  });

  it("reads the same whatever the session's search_path, and puts it back", async () => {
    const db = await databaseWith(`
      CREATE SCHEMA app;
      CREATE TYPE status AS ENUM ('on', 'off');
      CREATE TABLE moments (id integer PRIMARY KEY, status status DEFAULT 'on');`);
    await withClient(db.url, async (client) => {
      const plain = await readSchemaModel(client);
      await client.query("SET search_path = app");
      const other = await readSchemaModel(client);
      expect(other).toEqual(plain);
      expect(other.tables[0]!.columns[1]!.type).toBe("status");
      expect((await client.query("SHOW search_path")).rows[0].search_path).toBe("app");
    });
  });

  it("sees an index left INVALID by a failed CREATE INDEX CONCURRENTLY", async () => {
    const valid = await modelOf(`CREATE TABLE moments (title text); CREATE UNIQUE INDEX moments_title_key ON moments (title);`);
    const db = await databaseWith(`CREATE TABLE moments (title text); INSERT INTO moments VALUES ('a'), ('a');`);
    await withClient(db.url, async (client) => {
      await expect(client.query("CREATE UNIQUE INDEX CONCURRENTLY moments_title_key ON moments (title)")).rejects.toThrow(/duplicate|could not create/);
    });
    const invalid = await withClient(db.url, (client) => readSchemaModel(client));
    expect(invalid.tables[0]!.indexes[0]).toMatchObject({ name: "moments_title_key", valid: false });
    for (const scope of ["full", "prisma"] as const) {
      const differences = diffSchemas(valid, invalid, { scope, leftLabel: "the rehearsal", rightLabel: "production" });
      expect(differences).toHaveLength(1);
      expect(differences[0]).toMatchObject({ kind: "unique", object: "moments.moments_title_key" });
      expect(differences[0]!.message).toMatch(/^index "moments_title_key": unique index on moments\(title\) in the rehearsal, .*INVALID.* in production$/);
    }
  });
});
