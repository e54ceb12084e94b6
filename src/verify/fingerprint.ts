// A stable hash of a schema model: the rehearsal records it, post-verify recomputes it on
// production. It hashes the same projection the diff compares, so equal fingerprints mean
// diffSchemas finds nothing, and unequal ones mean it finds something to show.
import { createHash } from "node:crypto";
import type { SchemaModel } from "./schema-types.js";
import { projectModel, type SchemaScope } from "./schema-scope.js";

/** JSON with object keys sorted and undefined members dropped: one text per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Bump when the model or the projection changes meaning, so old and new fingerprints never match by accident.
const FORMAT = 1;

/** sha256 (hex) of the canonical JSON of the model as `scope` compares it. */
export function schemaFingerprint(model: SchemaModel, scope: SchemaScope = "full"): string {
  const document = canonicalJson({ format: FORMAT, scope, model: projectModel(model, scope) });
  return createHash("sha256").update(document).digest("hex");
}
