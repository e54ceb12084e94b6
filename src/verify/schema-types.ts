// The schema model's types: what the readers (schema-model.ts, read-tables.ts, not-compared.ts)
// build and the comparisons (schema-diff.ts, fingerprint.ts) read. Kept apart from the readers
// so that no reader imports another's module for a type.
export type ColumnModel = {
  name: string;
  /** format_type() with the typmod: `character varying(200)`, `timestamp(3) with time zone`, `"Role"[]`. */
  type: string;
  notNull: boolean;
  /** Normalised default expression (see normaliseDefault), or null. */
  default: string | null;
  identity: "always" | "by default" | null;
  generated: { expression: string; stored: boolean } | null;
  /** Only when it differs from the type's default collation. */
  collation: string | null;
};

export type PrimaryKeyModel = { name: string; columns: string[] };

export type IndexModel = {
  name: string;
  unique: boolean;
  /** When the index backs a UNIQUE constraint: "UNIQUE", plus " DEFERRABLE …" when it is. */
  constraint: string | null;
  method: string;
  /** Key columns as an index lists them: `title`, `"createdAt" DESC`, `lower(title) text_pattern_ops`. */
  keys: string[];
  include: string[];
  predicate: string | null;
  nullsNotDistinct: boolean;
  /** False for an index left INVALID by a failed CREATE INDEX CONCURRENTLY. */
  valid: boolean;
};

export type ReferentialAction = "NO ACTION" | "RESTRICT" | "CASCADE" | "SET NULL" | "SET DEFAULT";

export type ForeignKeyModel = {
  name: string;
  columns: string[];
  /** As SQL names it: `authors`, `"User"`, `app.authors`. */
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
  /** What Prisma cannot express: MATCH FULL, DEFERRABLE …, NOT VALID ("" when none). */
  options: string;
};

export type TableModel = {
  schema: string;
  name: string;
  /** Sorted by name: column order is not compared. */
  columns: ColumnModel[];
  primaryKey: PrimaryKeyModel | null;
  /** Indexes and UNIQUE constraints (the primary key's index is in primaryKey). */
  indexes: IndexModel[];
  foreignKeys: ForeignKeyModel[];
};

export type EnumModel = { schema: string; name: string; labels: string[] };

export type NotComparedKind =
  | "check"
  | "exclusion"
  | "trigger"
  | "rule"
  | "policy"
  | "table-option"
  | "view"
  | "materialized-view"
  | "foreign-table"
  | "function"
  | "sequence"
  | "domain"
  | "composite-type"
  | "range-type"
  | "extension";

/** An object a Prisma schema cannot express: compared only in "full" scope, listed in both. */
export type NotComparedObject = {
  kind: NotComparedKind;
  /** Its name (functions with their argument types). */
  name: string;
  /** The table it belongs to, for checks, exclusions, triggers, rules, policies, table options. */
  table?: string;
  /** PostgreSQL's own rendering of it (pg_get_constraintdef, pg_get_triggerdef, …). */
  definition: string;
};

export type SchemaModel = {
  tables: TableModel[];
  enums: EnumModel[];
  notCompared: NotComparedObject[];
};

export type ReadSchemaOptions = {
  /** Schemas to read; default: every schema but pg_* and information_schema. */
  schemas?: string[];
  /** Tables to leave out, as `name` or `schema.name`; default ["_prisma_migrations"]. */
  exclude?: string[];
};

/** What the readers share: the selected schemas and tables, by OID, for one read. */
export type CatalogScope = {
  schemas: string[];
  tableOids: string[];
  serverVersion: number;
};
