import { describe, expect, it } from "vitest";
import { lintMigrations } from "../../src/lint/index.js";
import { byRule, lint, PRODUCTION_TABLES } from "./helpers.js";

describe("constraint rules", () => {
  it("constraint-missing-not-valid: CHECK without NOT VALID is an error; with NOT VALID it is not", async () => {
    const result = await lint(
      '-- AddCheck\nALTER TABLE "moments" ADD CONSTRAINT "moments_title_length" CHECK (char_length("title") <= 200);',
    );
    expect(byRule(result, "constraint-missing-not-valid")).toMatchObject([{ severity: "error", line: 2, column: 1 }]);

    const safe = await lint(
      'ALTER TABLE "moments" ADD CONSTRAINT "moments_title_length" CHECK (char_length("title") <= 200) NOT VALID;',
    );
    expect(byRule(safe, "constraint-missing-not-valid")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("constraint-missing-not-valid: an inline CHECK on an added column counts too", async () => {
    const result = await lint('ALTER TABLE "orders" ADD COLUMN "qty" INT CHECK ("qty" > 0);');
    expect(byRule(result, "constraint-missing-not-valid")[0]?.message).toContain('"qty"');
  });

  it("adding-foreign-key-constraint: an FK without NOT VALID is an error; with NOT VALID it is not", async () => {
    const fk =
      'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE';
    const result = await lint(`-- AddForeignKey\n${fk};`);
    const [finding] = byRule(result, "adding-foreign-key-constraint");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 1 });
    expect(finding?.message).toContain('"users"');

    const safe = await lint(`${fk} NOT VALID;`);
    expect(safe.findings).toEqual([]);
  });

  it("adding-foreign-key-constraint: Prisma's FK from a new table to a production table is fine", async () => {
    const result = await lint(
      'CREATE TABLE "posts" ("id" UUID NOT NULL, "user_id" INT NOT NULL, CONSTRAINT "posts_pkey" PRIMARY KEY ("id"));\n' +
        'ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id");',
    );
    expect(result.findings).toEqual([]);
  });

  it("disallowed-unique-constraint: ADD UNIQUE is an error; ADD UNIQUE USING INDEX is not", async () => {
    const result = await lint('ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE ("email");');
    expect(byRule(result, "disallowed-unique-constraint")).toMatchObject([{ severity: "error", line: 1, column: 1 }]);

    const safe = await lint('ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_idx";');
    expect(byRule(safe, "disallowed-unique-constraint")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("adding-primary-key-constraint: ADD PRIMARY KEY is an error; PRIMARY KEY USING INDEX is not", async () => {
    const result = await lint('ALTER TABLE "orders" ADD PRIMARY KEY ("id");');
    expect(byRule(result, "adding-primary-key-constraint")).toMatchObject([{ severity: "error", line: 1, column: 1 }]);

    const safe = await lint('ALTER TABLE "orders" ADD CONSTRAINT "orders_pkey" PRIMARY KEY USING INDEX "orders_id_idx";');
    expect(byRule(safe, "adding-primary-key-constraint")).toEqual([]);
    expect(safe.errors).toBe(0);
  });

  it("add-exclusion-constraint: EXCLUDE on a production table is a warning; on a new table nothing", async () => {
    const exclude = 'ADD CONSTRAINT "no_overlap" EXCLUDE USING gist ("during" WITH &&)';
    const result = await lint(`ALTER TABLE "orders" ${exclude};`);
    expect(byRule(result, "add-exclusion-constraint")).toMatchObject([{ severity: "warning", line: 1, column: 1 }]);

    const safe = await lint(`CREATE TABLE "bookings" ("during" tstzrange);\nALTER TABLE "bookings" ${exclude};`);
    expect(safe.findings).toEqual([]);
  });

  it("validate-in-same-transaction: VALIDATE in the transaction of the NOT VALID ADD is an error; in a later migration it is not", async () => {
    const add = 'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID;';
    const validate = 'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";';
    const result = await lint(`${add}\n${validate}`, { executionMode: "single-transaction" });
    expect(byRule(result, "validate-in-same-transaction")).toMatchObject([{ severity: "error", line: 2, column: 1 }]);
    const explicit = await lint(`BEGIN;\n${add}\n${validate}\nCOMMIT;`, { executionMode: "per-statement" });
    expect(byRule(explicit, "validate-in-same-transaction")).toMatchObject([{ line: 3 }]);

    const safe = await lintMigrations(
      [
        { name: "1_add", sql: add },
        { name: "2_validate", sql: validate },
      ],
      { existingTables: PRODUCTION_TABLES, executionMode: "single-transaction" },
    );
    expect(safe.errors).toBe(0);
    // Prisma 7.4+ commits each statement on its own: the same file is fine there.
    const perStatement = await lint(`${add}\n${validate}`, { executionMode: "per-statement" });
    expect(byRule(perStatement, "validate-in-same-transaction")).toEqual([]);
  });
});
