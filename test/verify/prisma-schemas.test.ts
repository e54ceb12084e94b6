// The comparison against what Prisma itself generates: a schema built from `prisma migrate diff
// --from-empty` SQL must compare equal to the same schema built by hand-written migrations.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { schemaFingerprint } from "../../src/verify/fingerprint.js";
import { diffSchemas } from "../../src/verify/schema-diff.js";
import { readSchemaModel } from "../../src/verify/schema-model.js";
import { runPrisma } from "../support/cli.js";
import { createProject, repoRoot } from "../support/project.js";
import { withClient } from "../support/postgres.js";
import { databaseWith, dropDatabases, modelOf, prismaSqlFor } from "./helpers.js";

afterAll(dropDatabases);

const HEADER = `
generator client {
  provider   = "prisma-client-js"
  engineType = "client"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
`;

const SCHEMA = `${HEADER}
enum Role {
  USER
  ADMIN
  OWNER
}

enum Status {
  DRAFT
  PUBLISHED
}

model User {
  id          Int          @id @default(autoincrement())
  email       String       @unique @db.VarChar(200)
  name        String?      @default("anon")
  role        Role         @default(USER)
  roles       Role[]
  score       Decimal      @default(1.5) @db.Decimal(10, 2)
  big         BigInt       @default(5)
  active      Boolean      @default(true)
  createdAt   DateTime     @default(now())
  updatedAt   DateTime     @updatedAt
  tags        String[]     @default(["a", "b"])
  data        Json?        @default("{\\"a\\":1}")
  uid         String       @default(uuid()) @db.Uuid
  dbuid       String       @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  posts       Post[]
  memberships Membership[]

  @@index([name(sort: Desc), createdAt])
  @@index([data(ops: JsonbPathOps)], type: Gin)
}

model Post {
  id       BigInt    @id @default(autoincrement())
  authorId Int
  author   User      @relation(fields: [authorId], references: [id], onDelete: Cascade)
  title    String    @db.VarChar(100)
  slug     String
  status   Status    @default(DRAFT)
  comments Comment[]

  @@unique([authorId, slug], map: "post_author_slug")
  @@index([title], type: Hash)
}

model Comment {
  id           Int    @id @default(autoincrement())
  postAuthorId Int
  postSlug     String
  post         Post   @relation(fields: [postAuthorId, postSlug], references: [authorId, slug], onDelete: Cascade)
  body         String

  @@index([postAuthorId, postSlug])
}

model Team {
  id      Int          @id
  name    String       @unique
  members Membership[]
}

model Membership {
  userId Int
  teamId Int
  user   User     @relation(fields: [userId], references: [id])
  team   Team     @relation(fields: [teamId], references: [id], onDelete: Restrict, onUpdate: NoAction)
  since  DateTime @default(now()) @db.Timestamptz(6)

  @@id([userId, teamId])
}
`;

// The same schema as a history of hand-written migrations: other table, column and statement
// order, other spellings of types and defaults, columns and an enum value added later, names
// left to PostgreSQL where it picks the ones Prisma would.
const MIGRATIONS = [
  `CREATE TYPE "Status" AS ENUM ('DRAFT', 'PUBLISHED');
   CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
   CREATE TABLE "Team" (name text NOT NULL, id integer PRIMARY KEY);
   CREATE UNIQUE INDEX "Team_name_key" ON "Team" USING btree (name);
   CREATE TABLE "User" (
     "createdAt" timestamp(3) without time zone NOT NULL DEFAULT now(),
     email character varying(200) NOT NULL,
     id serial,
     role "Role" NOT NULL DEFAULT 'USER'::"Role",
     name text DEFAULT 'anon'::text,
     roles "Role"[],
     active bool NOT NULL DEFAULT 'true',
     score numeric(10,2) NOT NULL DEFAULT '1.5',
     big int8 NOT NULL DEFAULT '5'::bigint,
     tags text[] DEFAULT '{a,b}'
   );
   ALTER TABLE "User" ADD CONSTRAINT "User_pkey" PRIMARY KEY (id);`,
  `ALTER TYPE "Role" ADD VALUE 'OWNER';
   ALTER TABLE "User" ADD COLUMN "updatedAt" timestamp(3) NOT NULL, ADD COLUMN uid uuid NOT NULL,
     ADD COLUMN data jsonb DEFAULT '{"a": 1}'::jsonb, ADD COLUMN dbuid uuid NOT NULL DEFAULT gen_random_uuid();
   CREATE INDEX "User_data_idx" ON "User" USING gin (data jsonb_path_ops);
   CREATE INDEX "User_name_createdAt_idx" ON "User" (name DESC NULLS FIRST, "createdAt" ASC);
   CREATE UNIQUE INDEX "User_email_key" ON "User" (email);`,
  `CREATE TABLE "Membership" (
     since timestamptz(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
     "teamId" int NOT NULL REFERENCES "Team" (id) ON UPDATE NO ACTION ON DELETE RESTRICT,
     "userId" int NOT NULL,
     PRIMARY KEY ("userId", "teamId")
   );
   ALTER TABLE "Membership" ADD FOREIGN KEY ("userId") REFERENCES "User" ON DELETE RESTRICT ON UPDATE CASCADE;
   CREATE TABLE "Post" (status "Status" NOT NULL DEFAULT 'DRAFT', slug text NOT NULL, title varchar(100) NOT NULL,
     "authorId" integer NOT NULL REFERENCES "User" ON DELETE CASCADE ON UPDATE CASCADE, id bigserial PRIMARY KEY);
   CREATE INDEX "Post_title_idx" ON "Post" USING hash (title);
   ALTER TABLE "Post" ADD CONSTRAINT post_author_slug UNIQUE ("authorId", slug);
   CREATE TABLE "Comment" (
     id SERIAL PRIMARY KEY, body text NOT NULL, "postSlug" text NOT NULL, "postAuthorId" integer NOT NULL,
     FOREIGN KEY ("postAuthorId", "postSlug") REFERENCES "Post" ("authorId", slug) ON DELETE CASCADE ON UPDATE CASCADE
   );
   CREATE INDEX ON "Comment" ("postAuthorId", "postSlug");`,
];

describe("schemas Prisma generates", () => {
  it("equal what hand-written migrations build for the same schema.prisma", async () => {
    const fromPrisma = await modelOf(await prismaSqlFor(SCHEMA));
    const fromMigrations = await modelOf(MIGRATIONS.join("\n"));

    const labels = { leftLabel: "the migrations", rightLabel: "schema.prisma" };
    expect(diffSchemas(fromMigrations, fromPrisma, { scope: "prisma", ...labels })).toEqual([]);
    expect(schemaFingerprint(fromMigrations, "prisma")).toBe(schemaFingerprint(fromPrisma, "prisma"));
    // The one thing Prisma cannot tell apart: ADD CONSTRAINT … UNIQUE where Prisma writes CREATE UNIQUE INDEX.
    expect(diffSchemas(fromMigrations, fromPrisma, { scope: "full", ...labels }).map((difference) => difference.message)).toEqual([
      'index "post_author_slug": unique constraint on "Post"("authorId", slug) in the migrations, unique index on "Post"("authorId", slug) in schema.prisma',
    ]);

    // What was compared, so the equality above is not between two empty models.
    expect(fromPrisma.tables.map((table) => table.name)).toEqual(["Comment", "Membership", "Post", "Team", "User"]);
    expect(fromPrisma.enums.map((item) => `${item.name}: ${item.labels.join(",")}`)).toEqual(["Role: USER,ADMIN,OWNER", "Status: DRAFT,PUBLISHED"]);
    const user = fromPrisma.tables.find((table) => table.name === "User")!;
    expect(user.columns).toHaveLength(14);
    expect(user.indexes.map((index) => `${index.name} ${index.method} ${index.keys.join(",")}`)).toEqual([
      "User_data_idx gin data jsonb_path_ops",
      'User_email_key btree email',
      'User_name_createdAt_idx btree name DESC,"createdAt"',
    ]);
    const membership = fromPrisma.tables.find((table) => table.name === "Membership")!;
    expect(membership.primaryKey).toEqual({ name: "Membership_pkey", columns: ["userId", "teamId"] });
    const comment = fromPrisma.tables.find((table) => table.name === "Comment")!;
    expect(comment.foreignKeys).toMatchObject([
      { name: "Comment_postAuthorId_postSlug_fkey", columns: ["postAuthorId", "postSlug"], referencedColumns: ["authorId", "slug"] },
    ]);
    expect(fromPrisma.notCompared).toEqual([]);
  });

  it("differ from migrations that miss part of schema.prisma, in the user's terms", async () => {
    const fromPrisma = await modelOf(await prismaSqlFor(SCHEMA));
    const partial = await modelOf(
      MIGRATIONS.join("\n")
        .replace(`CREATE INDEX "Post_title_idx" ON "Post" USING hash (title);`, "")
        .replace(`, ADD COLUMN uid uuid NOT NULL`, ""),
    );
    const differences = diffSchemas(partial, fromPrisma, { scope: "prisma", leftLabel: "the migrations", rightLabel: "schema.prisma" });
    expect(differences.map((difference) => difference.message)).toEqual([
      'index "Post_title_idx" on "Post" USING hash (title) is in schema.prisma but not in the migrations',
      "column User.uid (uuid NOT NULL) is in schema.prisma but not in the migrations",
    ]);
  });

  it("the example project: its migrations equal schema.prisma in prisma scope; the CHECK is listed, not compared", async () => {
    const project = await createProject();
    try {
      const migrated = await databaseWith("");
      const deploy = await runPrisma(["migrate", "deploy"], { cwd: project.dir, databaseUrl: migrated.url });
      expect(deploy.exitCode, deploy.stderr + deploy.stdout).toBe(0);
      const fromMigrations = await withClient(migrated.url, (client) => readSchemaModel(client));
      const schema = await readFile(path.join(repoRoot, "prisma/schema.prisma"), "utf8");
      const fromSchema = await modelOf(await prismaSqlFor(schema));

      const labels = { leftLabel: "the migrations", rightLabel: "schema.prisma" };
      expect(diffSchemas(fromMigrations, fromSchema, { scope: "prisma", ...labels })).toEqual([]);
      expect(schemaFingerprint(fromMigrations, "prisma")).toBe(schemaFingerprint(fromSchema, "prisma"));
      expect(fromMigrations.tables.map((table) => table.name)).toEqual(["moments"]); // _prisma_migrations left out
      expect(fromMigrations.notCompared).toEqual([
        { kind: "check", name: "moments_title_length", table: "moments", definition: "CHECK (char_length(title) <= 200)" },
      ]);
      expect(diffSchemas(fromMigrations, fromSchema, { scope: "full", ...labels })).toEqual([
        {
          kind: "check",
          object: "moments.moments_title_length",
          left: "CHECK (char_length(title) <= 200)",
          message: "check constraint moments_title_length on moments is in the migrations but not in schema.prisma",
        },
      ]);
    } finally {
      await project.cleanup();
    }
  });
});
