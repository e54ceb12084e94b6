import { describe, expect, it } from "vitest";
import { byRule, lint } from "./helpers.js";

const titleIs = (type: string) => ({ columnTypes: new Map([["public.moments.title", type]]) });

describe("changing-column-type", () => {
  it("is an error when the change rewrites the table (text → varchar(200))", async () => {
    const result = await lint(
      '-- AlterTable\nALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE VARCHAR(200);',
      titleIs("text"),
    );
    const [finding] = byRule(result, "changing-column-type");
    expect(finding).toMatchObject({ severity: "error", line: 2, column: 1 });
    expect(finding?.message).toContain("from text to varchar(200)");
  });

  it("is not reported for the rewrite-free widenings: varchar(n) → larger n, varchar → text, numeric precision", async () => {
    const widen = await lint('ALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE VARCHAR(500);', titleIs("character varying(200)"));
    expect(byRule(widen, "changing-column-type")).toEqual([]);
    const toText = await lint('ALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE TEXT;', titleIs("character varying(200)"));
    expect(byRule(toText, "changing-column-type")).toEqual([]);
    const numeric = await lint(
      'ALTER TABLE "orders" ALTER COLUMN "total" TYPE DECIMAL(12,2);',
      { columnTypes: new Map([["public.orders.total", "numeric(10,2)"]]) },
    );
    expect(byRule(numeric, "changing-column-type")).toEqual([]);
  });

  it("is an error for shrinking, scale changes, USING casts and int → bigint", async () => {
    const shrink = await lint('ALTER TABLE "moments" ALTER COLUMN "title" TYPE VARCHAR(100);', titleIs("character varying(200)"));
    expect(byRule(shrink, "changing-column-type")).toMatchObject([{ severity: "error" }]);
    const scale = await lint('ALTER TABLE "orders" ALTER COLUMN "total" TYPE numeric(12,3);', {
      columnTypes: new Map([["public.orders.total", "numeric(10,2)"]]),
    });
    expect(byRule(scale, "changing-column-type")).toMatchObject([{ severity: "error" }]);
    const using = await lint('ALTER TABLE "moments" ALTER COLUMN "title" TYPE TEXT USING "title"::text;', titleIs("character varying(200)"));
    expect(byRule(using, "changing-column-type")).toMatchObject([{ severity: "error" }]);
    const bigint = await lint('ALTER TABLE "users" ALTER COLUMN "id" SET DATA TYPE BIGINT;', {
      columnTypes: new Map([["public.users.id", "integer"]]),
    });
    expect(byRule(bigint, "changing-column-type")[0]?.message).toContain("from int4 to int8");
  });

  it("follows type changes made earlier in the batch", async () => {
    const result = await lint(
      'ALTER TABLE "moments" ALTER COLUMN "title" TYPE VARCHAR(300);\nALTER TABLE "moments" ALTER COLUMN "title" TYPE TEXT;',
      titleIs("character varying(200)"),
    );
    expect(byRule(result, "changing-column-type")).toEqual([]);
  });

  it("without the current type: a warning for → text, an error for anything else", async () => {
    const toText = await lint('ALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE TEXT;');
    expect(byRule(toText, "changing-column-type")).toMatchObject([{ severity: "warning", line: 1, column: 1 }]);
    const toVarchar = await lint('ALTER TABLE "moments" ALTER COLUMN "title" SET DATA TYPE VARCHAR(200);');
    expect(byRule(toVarchar, "changing-column-type")).toMatchObject([{ severity: "error" }]);
  });

  it("is not reported on a table the batch created", async () => {
    const result = await lint('CREATE TABLE "drafts" ("title" TEXT);\nALTER TABLE "drafts" ALTER COLUMN "title" TYPE VARCHAR(10);');
    expect(result.findings).toEqual([]);
  });
});
