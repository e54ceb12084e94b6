// SQL that recreates an object production has but schema.prisma cannot express, so the user can
// append it to the baseline (new environments built from the migrations then get it too).
import type { NotComparedObject } from "../verify/schema-model.js";

const quote = (name: string) => name.split(".").map((part) => `"${part.replace(/"/g, '""')}"`).join(".");

export function suggestedSql(object: NotComparedObject): string {
  switch (object.kind) {
    case "check":
    case "exclusion":
      return `ALTER TABLE ${quote(object.table ?? "?")} ADD CONSTRAINT ${quote(object.name)} ${object.definition};`;
    case "extension":
      return `CREATE EXTENSION IF NOT EXISTS ${quote(object.name)};`;
    case "view":
      return `CREATE VIEW ${quote(object.name)} AS\n${object.definition.replace(/;?\s*$/, ";")}`;
    case "materialized-view":
      return `CREATE MATERIALIZED VIEW ${quote(object.name)} AS\n${object.definition.replace(/;?\s*$/, ";")}`;
    // Triggers, rules, functions, policies…: PostgreSQL's own definition is already a statement.
    default:
      return /;\s*$/.test(object.definition) ? object.definition : `${object.definition};`;
  }
}
