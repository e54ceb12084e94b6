// What the linter knows about the database while it walks the pending batch: which tables
// exist in production (so locks and scans hurt) and which the batch itself created (empty, so
// anything goes). It starts from LintContext and applies each statement's effects in order.
import { parseSync, type Node, type RenameStmt } from "libpg-query";
import { as, columnType, qualify, relationName, strings, type ColumnType } from "./ast.js";
import type { LintContext } from "./types.js";

type NotNullCheck = { column: string; valid: boolean };

export class Catalog {
  readonly defaultSchema: string;
  private readonly existing: ReadonlySet<string> | undefined;
  private readonly contextColumnTypes: ReadonlyMap<string, string> | undefined;
  /** Created by the batch: empty when the batch reaches them. */
  private readonly created = new Set<string>();
  /** Production tables the batch renamed: the new name still holds production's rows. */
  private readonly renamedExisting = new Set<string>();
  /** Dropped or renamed away by the batch; a later statement on them fails on its own. */
  private readonly gone = new Set<string>();
  private readonly createdSchemas = new Set<string>();
  private readonly createdTypes = new Set<string>();
  /** Index (schema-qualified) → its table, for indexes the batch created. */
  private readonly indexes = new Map<string, string>();
  private readonly columnTypes = new Map<string, ColumnType | undefined>();
  /** "table.column" the batch added to production tables: no data, no app reads them yet. */
  private readonly addedColumns = new Set<string>();
  private readonly notNullChecks = new Map<string, Map<string, NotNullCheck>>();
  /** "schema.table.column" guaranteed NOT NULL by a valid CHECK before the batch (context). */
  private readonly priorNotNullChecks: Set<string>;
  private readonly policyTables: Set<string>;

  constructor(context: LintContext) {
    this.defaultSchema = context.defaultSchema ?? "public";
    this.existing =
      context.existingTables && new Set([...context.existingTables].map((t) => t.toLowerCase()));
    this.contextColumnTypes =
      context.columnTypes &&
      new Map([...context.columnTypes].map(([key, type]) => [key.toLowerCase(), type]));
    this.policyTables = new Set([...(context.tablesWithPolicies ?? [])].map((key) => key.toLowerCase()));
    this.priorNotNullChecks = new Set([...(context.validNotNullChecks ?? [])].map((key) => key.toLowerCase()));
  }

  /** True when `table` ("schema.name") holds production rows at this point of the batch. */
  isExistingTable(table: string): boolean {
    if (this.created.has(table) || this.gone.has(table)) return false;
    if (this.renamedExisting.has(table)) return true;
    return this.existing ? this.existing.has(table) : true;
  }

  isNewSchema(schema: string): boolean {
    return this.createdSchemas.has(schema.toLowerCase());
  }

  isNewType(type: string): boolean {
    return this.createdTypes.has(type);
  }

  /** A row-level security policy exists on `table` in production or was created by the batch so far. */
  hasPolicy(table: string): boolean {
    return this.policyTables.has(table);
  }

  /** Created by the batch (tables, materialized views): empty, nobody reads it yet. */
  isCreatedByBatch(relation: string): boolean {
    return this.created.has(relation);
  }

  /** Table of an index the batch created, or undefined when the index predates the batch. */
  tableOfIndex(index: string): string | undefined {
    return this.indexes.get(index);
  }

  /** Current type of an existing column, when the context or the batch says what it is. */
  columnType(table: string, column: string): ColumnType | undefined {
    const key = `${table}.${column.toLowerCase()}`;
    if (this.columnTypes.has(key)) return this.columnTypes.get(key);
    const known = this.contextColumnTypes?.get(key);
    const parsed = known === undefined ? undefined : parseCatalogType(known);
    this.columnTypes.set(key, parsed);
    return parsed;
  }

  /** True when the batch itself added `column` to `table` (so it holds no production data). */
  isNewColumn(table: string, column: string): boolean {
    return this.addedColumns.has(`${table}.${column.toLowerCase()}`);
  }

  /** A validated CHECK (column IS NOT NULL) lets PostgreSQL 12+ SET NOT NULL without a scan. */
  hasValidatedNotNullCheck(table: string, column: string): boolean {
    for (const check of this.notNullChecks.get(table)?.values() ?? []) {
      if (check.valid && check.column === column) return true;
    }
    return this.priorNotNullChecks.has(`${table}.${column.toLowerCase()}`);
  }

  /** Every "schema.table.column" a valid CHECK (column IS NOT NULL) covers at this point. */
  validNotNullChecks(): Set<string> {
    const keys = new Set(this.priorNotNullChecks);
    for (const [table, checks] of this.notNullChecks) {
      for (const check of checks.values()) if (check.valid) keys.add(`${table}.${check.column.toLowerCase()}`);
    }
    return keys;
  }

  /** Applies the effects of one statement, after the rules have seen it. */
  record(node: Node): void {
    const schema = this.defaultSchema;
    const create = as(node, "CreateStmt");
    if (create) {
      const table = relationName(create.relation, schema);
      // IF NOT EXISTS on a table production may have creates nothing there.
      if (!create.if_not_exists || (this.existing !== undefined && !this.existing.has(table))) {
        this.markCreated(table);
      }
      return;
    }
    const createAs = as(node, "CreateTableAsStmt");
    if (createAs) return this.markCreated(relationName(createAs.into?.rel, schema));
    const selectInto = as(node, "SelectStmt")?.intoClause;
    if (selectInto) return this.markCreated(relationName(selectInto.rel, schema));

    const drop = as(node, "DropStmt");
    if (drop) {
      for (const object of drop.objects ?? []) {
        const name = qualify(strings(as(object, "List")?.items), schema);
        if (drop.removeType === "OBJECT_TABLE") {
          this.created.delete(name);
          this.renamedExisting.delete(name);
          this.gone.add(name);
        } else if (drop.removeType === "OBJECT_INDEX") {
          this.indexes.delete(name);
        }
      }
      return;
    }

    const rename = as(node, "RenameStmt");
    if (rename) return this.recordRename(rename);

    const index = as(node, "IndexStmt");
    if (index?.idxname) {
      const table = relationName(index.relation, schema);
      this.indexes.set(qualify([tableSchema(table), index.idxname], schema), table);
      return;
    }

    const createSchema = as(node, "CreateSchemaStmt");
    // IF NOT EXISTS (Prisma's baseline writes it for "public") may find production's schema.
    if (createSchema?.schemaname && !createSchema.if_not_exists) {
      return void this.createdSchemas.add(createSchema.schemaname.toLowerCase());
    }
    const createEnum = as(node, "CreateEnumStmt");
    if (createEnum) return void this.createdTypes.add(qualify(strings(createEnum.typeName), schema));
    const policy = as(node, "CreatePolicyStmt");
    if (policy) return void this.policyTables.add(relationName(policy.table, schema));
    const createDomain = as(node, "CreateDomainStmt");
    if (createDomain) return void this.createdTypes.add(qualify(strings(createDomain.domainname), schema));
    const composite = as(node, "CompositeTypeStmt");
    if (composite) return void this.createdTypes.add(relationName(composite.typevar, schema));

    const alter = as(node, "AlterTableStmt");
    if (alter && alter.objtype === "OBJECT_TABLE") {
      const table = relationName(alter.relation, schema);
      for (const item of alter.cmds ?? []) {
        const cmd = as(item, "AlterTableCmd");
        if (cmd) this.recordAlterCommand(table, cmd.subtype, cmd.name, cmd.def);
      }
    }
  }

  private markCreated(table: string): void {
    this.created.add(table);
    this.gone.delete(table);
  }

  private recordRename(rename: RenameStmt): void {
    const schema = this.defaultSchema;
    const from = relationName(rename.relation, schema);
    const newName = rename.newname ?? "";
    if (rename.renameType === "OBJECT_TABLE") {
      const to = qualify([tableSchema(from), newName], schema);
      if (this.created.delete(from)) this.created.add(to);
      else if (this.isExistingTable(from)) this.renamedExisting.add(to);
      this.renamedExisting.delete(from);
      this.gone.add(from);
      this.gone.delete(to);
    } else if (rename.renameType === "OBJECT_COLUMN" && rename.subname) {
      const type = this.columnType(from, rename.subname);
      const oldKey = `${from}.${rename.subname.toLowerCase()}`;
      const newKey = `${from}.${newName.toLowerCase()}`;
      this.columnTypes.set(newKey, type);
      this.columnTypes.set(oldKey, undefined);
      if (this.addedColumns.delete(oldKey)) this.addedColumns.add(newKey);
    } else if (rename.renameType === "OBJECT_INDEX") {
      const table = this.indexes.get(from);
      if (table !== undefined) {
        this.indexes.delete(from);
        this.indexes.set(qualify([tableSchema(from), newName], schema), table);
      }
    }
  }

  private recordAlterCommand(
    table: string,
    subtype: string | undefined,
    name: string | undefined,
    def: Node | undefined,
  ): void {
    if (subtype === "AT_AlterColumnType" && name) {
      this.columnTypes.set(`${table}.${name.toLowerCase()}`, columnType(as(def, "ColumnDef")?.typeName));
    } else if (subtype === "AT_AddColumn") {
      const column = as(def, "ColumnDef");
      if (column?.colname) {
        const key = `${table}.${column.colname.toLowerCase()}`;
        this.columnTypes.set(key, columnType(column.typeName));
        this.addedColumns.add(key);
      }
    } else if (subtype === "AT_DropColumn" && name) {
      this.addedColumns.delete(`${table}.${name.toLowerCase()}`);
    } else if (subtype === "AT_AddConstraint") {
      const constraint = as(def, "Constraint");
      const column = notNullCheckColumn(constraint?.raw_expr);
      if (constraint?.contype === "CONSTR_CHECK" && constraint.conname && column !== undefined) {
        const checks = this.notNullChecks.get(table) ?? new Map<string, NotNullCheck>();
        checks.set(constraint.conname, { column, valid: !constraint.skip_validation });
        this.notNullChecks.set(table, checks);
      }
    } else if (subtype === "AT_ValidateConstraint" && name) {
      const check = this.notNullChecks.get(table)?.get(name);
      if (check) check.valid = true;
    } else if (subtype === "AT_DropConstraint" && name) {
      this.notNullChecks.get(table)?.delete(name);
      // Production's checks are known by column, not by name: forget the table's (conservative).
      for (const key of [...this.priorNotNullChecks]) if (key.startsWith(`${table}.`)) this.priorNotNullChecks.delete(key);
    }
  }
}

function tableSchema(qualified: string): string {
  return qualified.slice(0, qualified.indexOf("."));
}

/** The column of a `CHECK (column IS NOT NULL)` expression. */
function notNullCheckColumn(expr: Node | undefined): string | undefined {
  const test = as(expr, "NullTest");
  if (test?.nulltesttype !== "IS_NOT_NULL") return undefined;
  const fields = strings(as(test.arg, "ColumnRef")?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

/** Reads a format_type() string ("character varying(200)") with the parser itself. */
function parseCatalogType(type: string): ColumnType | undefined {
  try {
    const statement = parseSync(`SELECT NULL::${type}`).stmts?.[0]?.stmt;
    const target = as(as(statement, "SelectStmt")?.targetList?.[0], "ResTarget");
    return columnType(as(target?.val, "TypeCast")?.typeName);
  } catch {
    return undefined;
  }
}

