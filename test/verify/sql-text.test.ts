import { describe, expect, it } from "vitest";
import { indexKeys } from "../../src/verify/read-tables.js";
import { displayType, normaliseDefault } from "../../src/verify/sql-text.js";

describe("normaliseDefault", () => {
  // Inputs are what pg_get_expr prints (checked on PostgreSQL 18) for defaults written differently.
  it.each([
    ["'x'::text", "text", "'x'"],
    ["'x'::character varying", "text", "'x'"],
    ["('x'::character varying)::text", "text", "'x'"],
    ["'USER'::\"Role\"", '"Role"', "'USER'"],
    ["'USER'::public.\"Role\"", '"Role"', "'USER'"],
    ["CURRENT_TIMESTAMP", "timestamp(3) without time zone", "now()"],
    ["transaction_timestamp()", "timestamp with time zone", "now()"],
    ["'5'::bigint", "bigint", "5"],
    ["'-1'::integer", "integer", "-1"],
    ["(-1)", "integer", "-1"],
    ["'-1.5'::numeric", "real", "-1.5"],
    ["ARRAY['a'::text, 'b'::text]", "text[]", "'{a,b}'"],
    ["'{a,b}'::text[]", "text[]", "'{a,b}'"],
    ["'{\"a\",\"b\"}'::text[]", "text[]", "'{a,b}'"],
    ["ARRAY[]::text[]", "text[]", "'{}'"],
    ["'{}'::text[]", "text[]", "'{}'"],
    ["ARRAY['USER'::\"Role\"]", '"Role"[]', "'{USER}'"],
    ["ARRAY['a b'::text, ''::text]", "text[]", "'{\"a b\",\"\"}'"],
    ["'{\"a b\",\"\"}'::text[]", "text[]", "'{\"a b\",\"\"}'"],
    ["'{\"a\": 1}'::jsonb", "jsonb", "'{\"a\": 1}'"],
    ["'it''s'::text", "text", "'it''s'"],
    ["nextval('\"User_id_seq\"'::regclass)", "integer", "nextval('\"User_id_seq\"')"],
    ["gen_random_uuid()", "uuid", "gen_random_uuid()"],
    ["'1 day'::interval", "interval", "'1 day'"],
    ["1.50", "numeric", "1.5"],
    ["'1.50'::numeric", "numeric(10,2)", "1.5"],
    ["0.0", "double precision", "0"],
    ["'-0.0'::numeric", "numeric", "0"],
  ])("%s (%s) → %s", (input, type, expected) => {
    expect(normaliseDefault(input, type)).toBe(expected);
  });

  it("keeps what differs in value apart", () => {
    expect(normaliseDefault("'x'::text", "text")).not.toBe(normaliseDefault("'y'::text", "text"));
    expect(normaliseDefault("now()", "timestamp with time zone")).not.toBe(normaliseDefault("statement_timestamp()", "timestamp with time zone"));
    expect(normaliseDefault("CURRENT_TIMESTAMP(3)", "timestamp with time zone")).not.toBe("now()");
    expect(normaliseDefault("'{a,b}'::text[]", "text[]")).not.toBe(normaliseDefault("'{b,a}'::text[]", "text[]"));
    // A cast can change a fractional number's value, so it stays.
    expect(normaliseDefault("(1.7)::integer", "numeric")).not.toBe(normaliseDefault("1.7", "numeric"));
  });

  it("leaves casts that are not around a literal alone", () => {
    expect(normaliseDefault("(now())::timestamp(3) without time zone", "timestamp(3) without time zone")).toBe(
      "(now())::timestamp(3) without time zone",
    );
    expect(normaliseDefault("(\"left\"(md5((random())::text), 8))", "text")).toBe("(\"left\"(md5((random())::text), 8))");
  });
});

describe("indexKeys", () => {
  it("splits pg_get_indexdef's key list at top-level commas only", () => {
    expect(indexKeys('CREATE INDEX "u_createdAt_title_idx" ON public.u USING btree ("createdAt" DESC, title NULLS FIRST)', "btree")).toEqual([
      '"createdAt" DESC',
      "title NULLS FIRST",
    ]);
    expect(indexKeys("CREATE INDEX u_l ON public.u USING btree (lower(title) text_pattern_ops, coalesce(a, ',')) INCLUDE (n) WHERE (n > 0)", "btree")).toEqual([
      "lower(title) text_pattern_ops",
      "coalesce(a, ',')",
    ]);
    expect(indexKeys("CREATE INDEX u_gin ON public.u USING gin (data jsonb_path_ops)", "gin")).toEqual(["data jsonb_path_ops"]);
  });
});

describe("displayType", () => {
  it.each([
    ["character varying(200)", "varchar(200)"],
    ["character varying", "varchar"],
    ["character(2)", "char(2)"],
    ["timestamp(3) without time zone", "timestamp(3)"],
    ["timestamp with time zone", "timestamptz"],
    ["timestamp(3) with time zone[]", "timestamptz(3)[]"],
    ["time without time zone", "time"],
    ["text", "text"],
    ['"Role"[]', '"Role"[]'],
  ])("%s → %s", (input, expected) => {
    expect(displayType(input)).toBe(expected);
  });
});
