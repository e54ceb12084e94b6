import { describe, expect, it } from "vitest";
import { canonicalJson, schemaFingerprint } from "../../src/verify/fingerprint.js";
import type { SchemaModel, TableModel } from "../../src/verify/schema-types.js";

const column = (name: string, type = "text") => ({
  name,
  type,
  notNull: true,
  default: null,
  identity: null,
  generated: null,
  collation: null,
});

const moments: TableModel = {
  schema: "public",
  name: "moments",
  columns: [column("id", "uuid"), column("title")],
  primaryKey: { name: "moments_pkey", columns: ["id"] },
  indexes: [],
  foreignKeys: [],
};
const authors: TableModel = { ...moments, name: "authors", columns: [column("id", "integer")], primaryKey: null };

const model: SchemaModel = {
  tables: [authors, moments],
  enums: [{ schema: "public", name: "mood", labels: ["happy", "sad"] }],
  notCompared: [{ kind: "check", name: "moments_title_length", table: "moments", definition: "CHECK (char_length(title) <= 200)" }],
};

describe("schemaFingerprint", () => {
  it("is the sha256 hex of the model, the same for the same model in any order", () => {
    const fingerprint = schemaFingerprint(model);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const shuffled: SchemaModel = {
      tables: [{ ...moments, columns: [...moments.columns].reverse() }, authors],
      enums: model.enums,
      notCompared: model.notCompared,
    };
    expect(schemaFingerprint(shuffled)).toBe(fingerprint);
    expect(schemaFingerprint(structuredClone(model))).toBe(fingerprint);
  });

  it("changes with anything the scope compares", () => {
    const retyped = { ...model, tables: [authors, { ...moments, columns: [column("id", "uuid"), column("title", "character varying(200)")] }] };
    const relabelled = { ...model, enums: [{ schema: "public", name: "mood", labels: ["happy", "sad", "calm"] }] };
    const reordered = { ...model, enums: [{ schema: "public", name: "mood", labels: ["sad", "happy"] }] };
    const unchecked = { ...model, notCompared: [] };
    for (const scope of ["full", "prisma"] as const) {
      expect(schemaFingerprint(retyped, scope)).not.toBe(schemaFingerprint(model, scope));
      expect(schemaFingerprint(relabelled, scope)).not.toBe(schemaFingerprint(model, scope));
    }
    // Only the full scope sees CHECK constraints and the order of enum values.
    expect(schemaFingerprint(unchecked, "full")).not.toBe(schemaFingerprint(model, "full"));
    expect(schemaFingerprint(unchecked, "prisma")).toBe(schemaFingerprint(model, "prisma"));
    expect(schemaFingerprint(reordered, "full")).not.toBe(schemaFingerprint(model, "full"));
    expect(schemaFingerprint(reordered, "prisma")).toBe(schemaFingerprint(model, "prisma"));
    // The scopes never share a fingerprint, even for a model both see alike.
    expect(schemaFingerprint({ tables: [], enums: [], notCompared: [] }, "full")).not.toBe(
      schemaFingerprint({ tables: [], enums: [], notCompared: [] }, "prisma"),
    );
  });
});

describe("canonicalJson", () => {
  it("sorts object keys and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: "x" }, null] })).toBe('{"a":[{"c":"x"},null],"b":1}');
  });
});
