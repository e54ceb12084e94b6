// Migrations as `prisma migrate dev` writes them: the linter must flag what is risky in them
// and nothing else.
import { describe, expect, it } from "vitest";
import { lintMigrations } from "../../src/lint/index.js";
import { lint, PRODUCTION_TABLES, rules } from "./helpers.js";

const ADD_FEATURE = `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "role" "Role" NOT NULL DEFAULT 'USER';

-- CreateTable
CREATE TABLE "posts" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "author_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "posts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "posts_slug_key" ON "posts"("slug");

-- AddForeignKey
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`;

const ADD_ENUM_VALUES = `-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "Role" ADD VALUE 'EDITOR';
ALTER TYPE "Role" ADD VALUE 'OWNER';
`;

const RENAME_AS_DROP_ADD = `/*
  Warnings:

  - You are about to drop the column \`body\` on the \`moments\` table. All the data in the column will be lost.
  - Added the required column \`text\` to the \`moments\` table without a default value. This is not possible if the table is not empty.

*/
-- AlterTable
ALTER TABLE "moments" DROP COLUMN "body",
ADD COLUMN     "text" TEXT NOT NULL;
`;

describe("Prisma's own migration output", () => {
  it("a new model with a relation to a production table: only the missing lock_timeout", async () => {
    const result = await lint(ADD_FEATURE, { executionMode: "split-on-semicolon", serverVersionNum: 180004 });
    expect(result.findings.map((f) => [f.rule, f.severity, f.line, f.column])).toEqual([
      ["require-lock-timeout", "warning", 5, 1],
    ]);
  });

  it("enum values added together: fine on PostgreSQL 12+, an error on 11", async () => {
    const modern = await lintMigrations([{ name: "add_roles", sql: ADD_ENUM_VALUES }], {
      existingTables: PRODUCTION_TABLES,
      serverVersionNum: 160004,
      executionMode: "single-transaction",
    });
    expect(modern.findings).toEqual([]);
    const old = await lintMigrations([{ name: "add_roles", sql: ADD_ENUM_VALUES }], {
      existingTables: PRODUCTION_TABLES,
      serverVersionNum: 110022,
      executionMode: "single-transaction",
    });
    expect(old.findings.map((f) => [f.rule, f.line])).toEqual([
      ["enum-add-value-in-transaction", 9],
      ["enum-add-value-in-transaction", 10],
    ]);
  });

  it("a field renamed in the schema (DROP + ADD NOT NULL): data loss, a failing ADD, and the rename hint", async () => {
    const result = await lint(RENAME_AS_DROP_ADD);
    expect(rules(result)).toEqual(["ban-drop-column", "adding-required-field", "require-lock-timeout"]);
    expect(result.findings[0]).toMatchObject({ line: 9, column: 1 });
    expect(result.findings[0]?.message).toContain("rename");
  });

  it("positions survive CRLF line endings, and allow comments work with them", async () => {
    const crlf = `-- dbship:allow ban-drop-column replaced by "text", copied in 0041\r\n${RENAME_AS_DROP_ADD.replaceAll("\n", "\r\n")}`;
    const result = await lint(crlf);
    expect(result.findings.find((f) => f.rule === "ban-drop-column")).toMatchObject({
      line: 10,
      column: 1,
      acknowledged: { reason: 'replaced by "text", copied in 0041' },
    });
  });
});
