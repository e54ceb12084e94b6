// Small typed accessors over libpg-query's JSON parse tree. Every node is a one-key object
// ({ AlterTableStmt: {...} }); these helpers keep the rules free of casts.
import type { Node, RangeVar, TypeName } from "libpg-query";

type UnionKeys<T> = T extends unknown ? keyof T : never;
export type NodeTag = UnionKeys<Node>;
export type NodeOf<K extends NodeTag> =
  Extract<Node, Record<K, unknown>> extends Record<K, infer V> ? V : never;

/** The node's payload when it is a `tag` node, else undefined. */
export function as<K extends NodeTag>(node: Node | undefined, tag: K): NodeOf<K> | undefined {
  if (node === undefined || !(tag in node)) return undefined;
  return (node as Record<K, NodeOf<K>>)[tag];
}

/** The `sval`s of a list of String nodes (qualified names, column lists). */
export function strings(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const node of nodes ?? []) {
    const value = as(node, "String")?.sval;
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** "schema.name", lower-case: the form LintContext.existingTables uses. */
export function qualify(parts: readonly string[], defaultSchema: string): string {
  const name = parts[parts.length - 1] ?? "";
  const schema = parts.length >= 2 ? parts[parts.length - 2] : defaultSchema;
  return `${schema}.${name}`.toLowerCase();
}

export function relationName(relation: RangeVar | undefined, defaultSchema: string): string {
  return qualify(
    relation?.schemaname ? [relation.schemaname, relation.relname ?? ""] : [relation?.relname ?? ""],
    defaultSchema,
  );
}

/** Visits every node below `root` (depth first); return false from `visit` to skip a subtree. */
export function walk(root: unknown, visit: (tag: string, value: unknown) => boolean | void): void {
  if (Array.isArray(root)) {
    for (const item of root) walk(item, visit);
    return;
  }
  if (root === null || typeof root !== "object") return;
  for (const [key, value] of Object.entries(root)) {
    // Node payloads are keyed by a capitalised tag; plain fields are lower-case.
    const isNode = key.charCodeAt(0) >= 65 && key.charCodeAt(0) <= 90;
    if (isNode && visit(key, value) === false) continue;
    walk(value, visit);
  }
}

/** A column type reduced to what the rewrite rules compare: base name, modifiers, array-ness. */
export type ColumnType = { name: string; mods: number[]; array: boolean };

/** Canonical names for the SQL-standard spellings the parser leaves unresolved. */
const TYPE_ALIASES: Record<string, string> = {
  int: "int4",
  integer: "int4",
  smallint: "int2",
  bigint: "int8",
  decimal: "numeric",
  "character varying": "varchar",
  character: "bpchar",
  char: "bpchar",
};

export function columnType(typeName: TypeName | undefined): ColumnType | undefined {
  const names = strings(typeName?.names);
  const last = names[names.length - 1];
  if (last === undefined) return undefined;
  const mods: number[] = [];
  for (const mod of typeName?.typmods ?? []) {
    const constant = as(mod, "A_Const");
    // A zero integer is serialised as `ival: {}`.
    if (constant?.ival !== undefined) mods.push(constant.ival.ival ?? 0);
    else return { name: last.toLowerCase(), mods: [Number.NaN], array: false };
  }
  const name = last.toLowerCase();
  return {
    name: TYPE_ALIASES[name] ?? name,
    mods,
    array: (typeName?.arrayBounds?.length ?? 0) > 0,
  };
}

export function formatColumnType(type: ColumnType): string {
  const mods = type.mods.length > 0 ? `(${type.mods.join(",")})` : "";
  return `${type.name}${mods}${type.array ? "[]" : ""}`;
}
