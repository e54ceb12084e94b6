import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
import { diffSchemas, type SchemaDifference } from "../../src/verify/schema-diff.js";
import type { SchemaModel } from "../../src/verify/schema-types.js";
import { dropDatabases, modelOf } from "./helpers.js";

afterAll(dropDatabases);

const BASE = `
  CREATE TYPE mood AS ENUM ('happy', 'sad');
  CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);
  CREATE TABLE moments (
    id uuid NOT NULL, title text NOT NULL, body text, mood mood NOT NULL DEFAULT 'happy',
    created_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, author_id integer NOT NULL,
    CONSTRAINT moments_pkey PRIMARY KEY (id)
  );
  CREATE INDEX moments_created_at_idx ON moments (created_at);
  ALTER TABLE moments ADD CONSTRAINT moments_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors (id)
    ON DELETE RESTRICT ON UPDATE CASCADE;`;

let base: SchemaModel;
beforeAll(async () => {
  base = await modelOf(BASE);
});

/** Differences from the base schema to the base schema plus `change`, in both scopes; checks they agree with the fingerprints. */
async function differencesAfter(change: string, labels = { leftLabel: "the migrations", rightLabel: "schema.prisma" }) {
  const changed = await modelOf(BASE + change);
  const result = {} as Record<"full" | "prisma", SchemaDifference[]>;
  for (const scope of ["full", "prisma"] as const) {
    result[scope] = diffSchemas(base, changed, { scope, ...labels });
    expect(schemaFingerprint(changed, scope) === schemaFingerprint(base, scope)).toBe(result[scope].length === 0);
  }
  return { ...result, changed };
}

describe("diffSchemas: one change, one difference", () => {
  it("a missing column", async () => {
    const { full, prisma } = await differencesAfter("ALTER TABLE moments ADD COLUMN subtitle varchar(120);");
    const expected = {
      kind: "column",
      object: "moments.subtitle",
      right: "varchar(120)",
      message: "column moments.subtitle (varchar(120)) is in schema.prisma but not in the migrations",
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
  });

  it("a different type", async () => {
    const labels = { leftLabel: "production", rightLabel: "the baseline" };
    const { full, prisma } = await differencesAfter("ALTER TABLE moments ALTER COLUMN title TYPE varchar(200);", labels);
    const expected = {
      kind: "type",
      object: "moments.title",
      left: "text",
      right: "varchar(200)",
      message: "column moments.title: type text in production, varchar(200) in the baseline",
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
  });

  it("a different nullability", async () => {
    const { prisma } = await differencesAfter("ALTER TABLE moments ALTER COLUMN body SET NOT NULL;");
    expect(prisma).toEqual([
      {
        kind: "nullability",
        object: "moments.body",
        left: "nullable",
        right: "NOT NULL",
        message: "column moments.body: nullable in the migrations, NOT NULL in schema.prisma",
      },
    ]);
  });

  it("a different default", async () => {
    const { full, prisma } = await differencesAfter("ALTER TABLE moments ALTER COLUMN mood SET DEFAULT 'sad';");
    const expected = {
      kind: "default",
      object: "moments.mood",
      left: "default 'happy'",
      right: "default 'sad'",
      message: "column moments.mood: default 'happy' in the migrations, default 'sad' in schema.prisma",
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
    const dropped = await differencesAfter("ALTER TABLE moments ALTER COLUMN created_at DROP DEFAULT;");
    expect(dropped.prisma.map((difference) => difference.message)).toEqual([
      "column moments.created_at: default now() in the migrations, no default in schema.prisma",
    ]);
  });

  it("an index only one side has", async () => {
    const { full, prisma } = await differencesAfter("CREATE INDEX moments_title_idx ON moments (title);", {
      leftLabel: "schema.prisma",
      rightLabel: "the migrations",
    });
    const expected = {
      kind: "index",
      object: "moments.moments_title_idx",
      right: "index on moments(title)",
      message: 'index "moments_title_idx" on moments(title) is in the migrations but not in schema.prisma',
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
  });

  it("an index with another definition under the same name", async () => {
    const { prisma } = await differencesAfter(
      "DROP INDEX moments_created_at_idx; CREATE INDEX moments_created_at_idx ON moments (created_at DESC);",
    );
    expect(prisma).toEqual([
      {
        kind: "index",
        object: "moments.moments_created_at_idx",
        left: "index on moments(created_at)",
        right: "index on moments(created_at DESC)",
        message: 'index "moments_created_at_idx": index on moments(created_at) in the migrations, index on moments(created_at DESC) in schema.prisma',
      },
    ]);
  });

  it("the same index under another name: one rename, not one missing and one extra", async () => {
    const { prisma } = await differencesAfter("ALTER INDEX moments_created_at_idx RENAME TO moments_created_idx;");
    expect(prisma).toEqual([
      {
        kind: "index",
        object: "moments.moments_created_at_idx",
        left: "moments_created_at_idx",
        right: "moments_created_idx",
        message:
          'index on moments(created_at) is named differently: "moments_created_at_idx" in the migrations, "moments_created_idx" in schema.prisma',
      },
    ]);
  });

  it("a foreign key with another ON DELETE", async () => {
    const { full, prisma } = await differencesAfter(`
      ALTER TABLE moments DROP CONSTRAINT moments_author_id_fkey;
      ALTER TABLE moments ADD CONSTRAINT moments_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors (id)
        ON DELETE CASCADE ON UPDATE CASCADE;`);
    const expected = {
      kind: "foreign-key",
      object: "moments.moments_author_id_fkey",
      left: "ON DELETE RESTRICT",
      right: "ON DELETE CASCADE",
      message: 'foreign key "moments_author_id_fkey" on moments: ON DELETE RESTRICT in the migrations, ON DELETE CASCADE in schema.prisma',
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
  });

  it("a foreign key only one side has", async () => {
    const { prisma } = await differencesAfter("ALTER TABLE moments DROP CONSTRAINT moments_author_id_fkey;");
    expect(prisma).toEqual([
      {
        kind: "foreign-key",
        object: "moments.moments_author_id_fkey",
        left: "moments(author_id) REFERENCES authors(id) ON DELETE RESTRICT ON UPDATE CASCADE",
        message:
          'foreign key "moments_author_id_fkey" on moments(author_id) REFERENCES authors(id) ON DELETE RESTRICT ON UPDATE CASCADE is in the migrations but not in schema.prisma',
      },
    ]);
  });

  it("an enum value only one side has", async () => {
    const { full, prisma } = await differencesAfter("ALTER TYPE mood ADD VALUE 'calm';");
    const expected = {
      kind: "enum",
      object: "mood",
      right: "calm",
      message: 'enum mood value "calm" is in schema.prisma but not in the migrations',
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
  });

  it("a missing table is one difference, not one per column, index and constraint", async () => {
    const { full, prisma } = await differencesAfter(`
      CREATE TABLE tags (id serial PRIMARY KEY, label text NOT NULL CHECK (label <> ''), moment_id uuid REFERENCES moments);
      CREATE INDEX tags_label_idx ON tags (label);`);
    const expected = {
      kind: "table",
      object: "tags",
      right: "table tags (id, label, moment_id)",
      message: "table tags is in schema.prisma but not in the migrations",
    };
    expect(prisma).toEqual([expected]);
    expect(full).toEqual([expected]);
  });
});

describe("diffSchemas: what only the full scope compares", () => {
  it("CHECK constraints differ in full scope only, and are listed as not compared", async () => {
    const { full, prisma, changed } = await differencesAfter(
      "ALTER TABLE moments ADD CONSTRAINT moments_title_length CHECK (char_length(title) <= 200);",
      { leftLabel: "the rehearsal", rightLabel: "production" },
    );
    expect(prisma).toEqual([]);
    expect(full).toEqual([
      {
        kind: "check",
        object: "moments.moments_title_length",
        right: "CHECK (char_length(title) <= 200)",
        message: "check constraint moments_title_length on moments is in production but not in the rehearsal",
      },
    ]);
    expect(changed.notCompared).toContainEqual({
      kind: "check",
      name: "moments_title_length",
      table: "moments",
      definition: "CHECK (char_length(title) <= 200)",
    });
    const other = await differencesAfter("ALTER TABLE moments ADD CONSTRAINT moments_title_length CHECK (char_length(title) <= 100);");
    const both = diffSchemas(changed, other.changed, { scope: "full", leftLabel: "the rehearsal", rightLabel: "production" });
    expect(both.map((difference) => difference.message)).toEqual([
      "check constraint moments_title_length on moments: CHECK (char_length(title) <= 200) in the rehearsal, CHECK (char_length(title) <= 100) in production",
    ]);
    expect(diffSchemas(changed, other.changed, { scope: "prisma", leftLabel: "a", rightLabel: "b" })).toEqual([]);
  });

  it("triggers, functions, views and policies differ in full scope only", async () => {
    const { full, prisma } = await differencesAfter(`
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at = now(); RETURN NEW; END $$;
      CREATE TRIGGER moments_touch BEFORE UPDATE ON moments FOR EACH ROW EXECUTE FUNCTION touch();
      CREATE VIEW happy_moments AS SELECT id FROM moments WHERE mood = 'happy';
      CREATE POLICY moments_read ON moments FOR SELECT USING (true);`);
    expect(prisma).toEqual([]);
    expect(full.map((difference) => [difference.kind, difference.message])).toEqual([
      ["other", "function touch() is in schema.prisma but not in the migrations"],
      ["other", "policy moments_read on moments is in schema.prisma but not in the migrations"],
      ["other", "trigger moments_touch on moments is in schema.prisma but not in the migrations"],
      ["other", "view happy_moments is in schema.prisma but not in the migrations"],
    ]);
  });

  it("enum value order counts in full scope only (ALTER TYPE … ADD VALUE appends)", async () => {
    const appended = await differencesAfter("ALTER TYPE mood ADD VALUE 'calm';");
    const before = await differencesAfter("ALTER TYPE mood ADD VALUE 'calm' BEFORE 'happy';");
    expect(diffSchemas(appended.changed, before.changed, { scope: "prisma", leftLabel: "the migrations", rightLabel: "schema.prisma" })).toEqual([]);
    expect(diffSchemas(appended.changed, before.changed, { scope: "full", leftLabel: "the rehearsal", rightLabel: "production" })).toEqual([
      {
        kind: "enum",
        object: "mood",
        left: "happy, sad, calm",
        right: "calm, happy, sad",
        message: "enum mood: values in order happy, sad, calm in the rehearsal, in order calm, happy, sad in production",
      },
    ]);
  });

  it("serial and identity are both autoincrement() to Prisma; unique constraint and unique index both @unique", async () => {
    const serial = await modelOf("CREATE TABLE t (id serial PRIMARY KEY, email text); ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE (email);");
    const identity = await modelOf(
      "CREATE TABLE t (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text); CREATE UNIQUE INDEX t_email_key ON t (email);",
    );
    const labels = { leftLabel: "the migrations", rightLabel: "schema.prisma" };
    expect(diffSchemas(serial, identity, { scope: "prisma", ...labels })).toEqual([]);
    expect(schemaFingerprint(serial, "prisma")).toBe(schemaFingerprint(identity, "prisma"));
    expect(diffSchemas(serial, identity, { scope: "full", ...labels }).map((difference) => difference.message)).toEqual([
      "column t.id: default nextval('t_id_seq') in the migrations, GENERATED BY DEFAULT AS IDENTITY in schema.prisma",
      'index "t_email_key": unique constraint on t(email) in the migrations, unique index on t(email) in schema.prisma',
    ]);
  });
});
