// Compares two schema models and says what differs in the user's terms, e.g.
//   column moments.subtitle (text) is in schema.prisma but not in the migrations
//   column moments.title: type text in production, varchar(200) in the baseline
// Objects are matched by name: Prisma names keys and indexes deterministically (moments_pkey,
// moments_created_at_idx) and its next migration would rename a differently named one, so a
// name difference is real. Two same-definition objects under different names are reported once,
// as a rename, rather than as one missing and one extra.
import {
  columnPhrase,
  defaultPhrase,
  foreignKeyParts,
  foreignKeyPhrase,
  indexNoun,
  indexPhrase,
  indexShape,
  notComparedNoun,
  primaryKeyPhrase,
  tableName,
  typePhrase,
} from "./describe.js";
import { canonicalJson } from "./fingerprint.js";
import type { EnumModel, NotComparedObject, SchemaModel, TableModel } from "./schema-types.js";
import { projectModel, type SchemaScope } from "./schema-scope.js";
import { qualified } from "./sql-text.js";

export type SchemaDifference = {
  kind: "table" | "column" | "type" | "nullability" | "default" | "primary-key" | "unique" | "index" | "foreign-key" | "check" | "enum" | "other";
  /** What differs: `moments`, `moments.subtitle`, `moments.moments_title_idx`, `Role`. */
  object: string;
  /** The object (or the differing property) on the left side; undefined when the left side does not have it. */
  left?: string;
  /** The same on the right side; undefined when the right side does not have it. */
  right?: string;
  /** One sentence built from the labels, e.g. `… is in schema.prisma but not in the migrations`. */
  message: string;
};

export type DiffOptions = { scope: SchemaScope; leftLabel: string; rightLabel: string };

type Matched<T> = { both: [T, T][]; renamed: [T, T][]; onlyLeft: T[]; onlyRight: T[] };

/** Pairs items by name; of the rest, pairs those with identical definitions (when given) as renames. */
function matchByName<T extends { name: string }>(left: T[], right: T[], definition?: (item: T) => string): Matched<T> {
  const rightByName = new Map(right.map((item) => [item.name, item]));
  const leftNames = new Set(left.map((item) => item.name));
  const both: [T, T][] = [];
  const onlyLeft: T[] = [];
  for (const item of left) {
    const other = rightByName.get(item.name);
    if (other) both.push([item, other]);
    else onlyLeft.push(item);
  }
  const onlyRight = right.filter((item) => !leftNames.has(item.name));
  const renamed: [T, T][] = [];
  if (!definition) return { both, renamed, onlyLeft, onlyRight };
  for (const item of [...onlyLeft]) {
    const index = onlyRight.findIndex((other) => definition(other) === definition(item));
    if (index < 0) continue;
    renamed.push([item, onlyRight[index]!]);
    onlyRight.splice(index, 1);
    onlyLeft.splice(onlyLeft.indexOf(item), 1);
  }
  return { both, renamed, onlyLeft, onlyRight };
}

/** The definition of a named object without its name: what a rename keeps. */
function withoutName(item: { name: string }): string {
  const { name: _name, ...rest } = item;
  return canonicalJson(rest);
}

class Differences {
  readonly list: SchemaDifference[] = [];
  constructor(readonly options: DiffOptions) {}

  /** `<phrase> is in <side> but not in <other side>`. */
  only(kind: SchemaDifference["kind"], object: string, side: "left" | "right", phrase: string, detail = phrase) {
    const [here, there] = side === "left" ? [this.options.leftLabel, this.options.rightLabel] : [this.options.rightLabel, this.options.leftLabel];
    const message = `${phrase} is in ${here} but not in ${there}`;
    this.list.push(side === "left" ? { kind, object, left: detail, message } : { kind, object, right: detail, message });
  }

  /** `<subject>: <left> in <left label>, <right> in <right label>`; `shown` words the values in the message. */
  versus(kind: SchemaDifference["kind"], object: string, subject: string, left: string, right: string, shown: { left?: string; right?: string } = {}) {
    const message = `${subject}: ${shown.left ?? left} in ${this.options.leftLabel}, ${shown.right ?? right} in ${this.options.rightLabel}`;
    this.list.push({ kind, object, left, right, message });
  }

  renamed(kind: SchemaDifference["kind"], object: string, phrase: string, leftName: string, rightName: string) {
    this.versus(kind, object, `${phrase} is named differently`, leftName, rightName, { left: `"${leftName}"`, right: `"${rightName}"` });
  }
}

/** `display` holds the enums as read: the prisma projection sorts labels, messages should not. */
function diffEnums(out: Differences, left: EnumModel[], right: EnumModel[], scope: SchemaScope, display: EnumModel[]) {
  const key = (item: EnumModel) => tableName(item);
  const labels = (item: EnumModel) => (display.find((other) => key(other) === key(item)) ?? item).labels.join(", ");
  const rightByKey = new Map(right.map((item) => [key(item), item]));
  const leftKeys = new Set(left.map(key));
  for (const item of left) {
    const other = rightByKey.get(key(item));
    if (!other) {
      out.only("enum", key(item), "left", `enum ${key(item)} (${labels(item)})`);
      continue;
    }
    const missingRight = item.labels.filter((label) => !other.labels.includes(label));
    const missingLeft = other.labels.filter((label) => !item.labels.includes(label));
    for (const label of missingRight) out.only("enum", key(item), "left", `enum ${key(item)} value "${label}"`, label);
    for (const label of missingLeft) out.only("enum", key(item), "right", `enum ${key(item)} value "${label}"`, label);
    if (scope === "full" && missingLeft.length === 0 && missingRight.length === 0 && item.labels.join("\u0000") !== other.labels.join("\u0000")) {
      const [l, r] = [item.labels.join(", "), other.labels.join(", ")];
      out.versus("enum", key(item), `enum ${key(item)}`, l, r, { left: `values in order ${l}`, right: `in order ${r}` });
    }
  }
  for (const item of right) {
    if (!leftKeys.has(key(item))) out.only("enum", key(item), "right", `enum ${key(item)} (${labels(item)})`);
  }
}

/** `table` names it in prose (`User.email`), `sqlTable` in SQL-like phrases (`"User"(email)`). */
function diffTable(out: Differences, table: string, left: TableModel, right: TableModel) {
  const sqlTable = qualified(left.schema, left.name, true);
  // Columns are not paired by definition: a same-typed column under another name is another column.
  const columns = matchByName(left.columns, right.columns);
  for (const [side, list] of [["left", columns.onlyLeft], ["right", columns.onlyRight]] as const) {
    for (const column of list) {
      const object = `${table}.${column.name}`;
      out.only("column", object, side, `column ${object} (${columnPhrase(column)})`, columnPhrase(column));
    }
  }
  for (const [l, r] of columns.both) {
    const object = `${table}.${l.name}`;
    if (typePhrase(l) !== typePhrase(r)) {
      out.versus("type", object, `column ${object}`, typePhrase(l), typePhrase(r), { left: `type ${typePhrase(l)}` });
    }
    if (l.notNull !== r.notNull) {
      out.versus("nullability", object, `column ${object}`, l.notNull ? "NOT NULL" : "nullable", r.notNull ? "NOT NULL" : "nullable");
    }
    if (defaultPhrase(l) !== defaultPhrase(r)) out.versus("default", object, `column ${object}`, defaultPhrase(l), defaultPhrase(r));
  }

  const lk = left.primaryKey;
  const rk = right.primaryKey;
  if (lk && !rk) out.only("primary-key", `${table}.${lk.name}`, "left", `primary key ${primaryKeyPhrase(lk)} on ${table}`, primaryKeyPhrase(lk));
  if (rk && !lk) out.only("primary-key", `${table}.${rk.name}`, "right", `primary key ${primaryKeyPhrase(rk)} on ${table}`, primaryKeyPhrase(rk));
  if (lk && rk && primaryKeyPhrase(lk) !== primaryKeyPhrase(rk)) {
    out.versus("primary-key", `${table}.${lk.name}`, `primary key of ${table}`, primaryKeyPhrase(lk), primaryKeyPhrase(rk));
  }

  const indexes = matchByName(left.indexes, right.indexes, withoutName);
  const indexKind = (...items: { unique: boolean }[]) => (items.some((item) => item.unique) ? "unique" : "index");
  for (const [side, list] of [["left", indexes.onlyLeft], ["right", indexes.onlyRight]] as const) {
    for (const index of list) {
      const phrase = `${indexNoun(index)} "${index.name}" on ${indexShape(sqlTable, index)}`;
      out.only(indexKind(index), `${table}.${index.name}`, side, phrase, indexPhrase(sqlTable, index));
    }
  }
  for (const [l, r] of indexes.renamed) out.renamed(indexKind(l), `${table}.${l.name}`, indexPhrase(sqlTable, l), l.name, r.name);
  for (const [l, r] of indexes.both) {
    if (withoutName(l) === withoutName(r)) continue;
    out.versus(indexKind(l, r), `${table}.${l.name}`, `index "${l.name}"`, indexPhrase(sqlTable, l), indexPhrase(sqlTable, r));
  }

  const keys = matchByName(left.foreignKeys, right.foreignKeys, withoutName);
  for (const [side, list] of [["left", keys.onlyLeft], ["right", keys.onlyRight]] as const) {
    for (const key of list) {
      const phrase = foreignKeyPhrase(sqlTable, key);
      out.only("foreign-key", `${table}.${key.name}`, side, `foreign key "${key.name}" on ${phrase}`, phrase);
    }
  }
  for (const [l, r] of keys.renamed) {
    out.renamed("foreign-key", `${table}.${l.name}`, `foreign key ${foreignKeyPhrase(sqlTable, l)}`, l.name, r.name);
  }
  for (const [l, r] of keys.both) {
    if (withoutName(l) === withoutName(r)) continue;
    const lp = foreignKeyParts(sqlTable, l);
    const rp = foreignKeyParts(sqlTable, r);
    const changed = Object.keys(lp).filter((part) => lp[part] !== rp[part]);
    const pick = (parts: Record<string, string>) => changed.map((part) => parts[part]).join(" ");
    out.versus("foreign-key", `${table}.${l.name}`, `foreign key "${l.name}" on ${table}`, pick(lp), pick(rp));
  }
}

function diffNotCompared(out: Differences, left: NotComparedObject[], right: NotComparedObject[], skipTables: Set<string>) {
  const group = (item: NotComparedObject) => `${item.kind}\u0000${item.table ?? ""}`;
  const groups = new Set([...left, ...right].filter((item) => !item.table || !skipTables.has(item.table)).map(group));
  for (const key of [...groups].sort()) {
    const inGroup = (items: NotComparedObject[]) => items.filter((item) => group(item) === key);
    const matched = matchByName(inGroup(left), inGroup(right), (item) => item.definition);
    const sample = (inGroup(left)[0] ?? inGroup(right)[0])!;
    const kind = sample.kind === "check" ? "check" : "other";
    const noun = notComparedNoun(sample.kind);
    const on = sample.table ? ` on ${sample.table}` : "";
    const object = (item: NotComparedObject) => (item.table && item.kind !== "table-option" ? `${item.table}.${item.name}` : item.name);
    if (sample.kind === "table-option") {
      // One row per table: "none" is the other side's state, not a missing object.
      const l = matched.both[0]?.[0] ?? matched.onlyLeft[0];
      const r = matched.both[0]?.[1] ?? matched.onlyRight[0];
      const [lo, ro] = [l?.definition ?? "no table options", r?.definition ?? "no table options"];
      if (lo !== ro) out.versus("other", sample.name, `table ${sample.name}`, lo, ro);
      continue;
    }
    for (const [side, list] of [["left", matched.onlyLeft], ["right", matched.onlyRight]] as const) {
      for (const item of list) out.only(kind, object(item), side, `${noun} ${item.name}${on}`, item.definition);
    }
    for (const [l, r] of matched.renamed) out.renamed(kind, object(l), `${noun}${on} ${l.definition}`, l.name, r.name);
    for (const [l, r] of matched.both) {
      if (l.definition === r.definition) continue;
      const short = (text: string) => text.length <= 160 && !text.includes("\n");
      if (short(l.definition) && short(r.definition)) out.versus(kind, object(l), `${noun} ${l.name}${on}`, l.definition, r.definition);
      else {
        const message = `${noun} ${l.name}${on} is defined differently in ${out.options.leftLabel} and ${out.options.rightLabel}`;
        out.list.push({ kind, object: object(l), left: l.definition, right: r.definition, message });
      }
    }
  }
}

/** What differs between two schemas, in `scope`; empty when their fingerprints are equal. */
export function diffSchemas(left: SchemaModel, right: SchemaModel, options: DiffOptions): SchemaDifference[] {
  const l = projectModel(left, options.scope);
  const r = projectModel(right, options.scope);
  if (canonicalJson(l) === canonicalJson(r)) return [];
  const out = new Differences(options);
  diffEnums(out, l.enums, r.enums, options.scope, [...left.enums, ...right.enums]);
  // Keyed by the displayed name (schema-qualified outside public); a renamed table is another table.
  const named = (table: TableModel) => ({ name: tableName(table), table });
  const tables = matchByName(l.tables.map(named), r.tables.map(named));
  const columnsOf = (table: TableModel) => table.columns.map((column) => column.name).join(", ");
  for (const [side, list] of [["left", tables.onlyLeft], ["right", tables.onlyRight]] as const) {
    for (const { name, table } of list) out.only("table", name, side, `table ${name}`, `table ${name} (${columnsOf(table)})`);
  }
  for (const [a, b] of tables.both) diffTable(out, a.name, a.table, b.table);
  if (options.scope === "full") {
    const missing = new Set([...tables.onlyLeft, ...tables.onlyRight].map((item) => item.name));
    diffNotCompared(out, l.notCompared, r.notCompared, missing);
  }
  if (out.list.length === 0) {
    // Unreachable while every projected field has a check above; if one is ever added without
    // one, say so rather than report "equal" for models whose fingerprints differ.
    const message = `the schemas in ${options.leftLabel} and ${options.rightLabel} differ in a way dbship cannot describe`;
    out.list.push({ kind: "other", object: "schema", message });
  }
  return out.list;
}
