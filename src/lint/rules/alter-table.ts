// ALTER TABLE is where most rules look; this unpacks it once per question.
import type { AlterTableCmd, Node, RangeVar } from "libpg-query";
import { as, relationName } from "../ast.js";

export type AlterTable = { relation: RangeVar | undefined; table: string; cmds: AlterTableCmd[] };

// Several rule groups ask about the same statement: unpack it once.
const cache = new WeakMap<Node, { schema: string; alter: AlterTable | undefined }>();

/** The ALTER TABLE (on a table, not an index, view or sequence) a statement is, if it is one. */
export function alterTable(node: Node, defaultSchema: string): AlterTable | undefined {
  const cached = cache.get(node);
  if (cached && cached.schema === defaultSchema) return cached.alter;
  const alter = unpack(node, defaultSchema);
  cache.set(node, { schema: defaultSchema, alter });
  return alter;
}

function unpack(node: Node, defaultSchema: string): AlterTable | undefined {
  const alter = as(node, "AlterTableStmt");
  if (!alter || alter.objtype !== "OBJECT_TABLE") return undefined;
  const cmds: AlterTableCmd[] = [];
  for (const item of alter.cmds ?? []) {
    const cmd = as(item, "AlterTableCmd");
    if (cmd) cmds.push(cmd);
  }
  return { relation: alter.relation, table: relationName(alter.relation, defaultSchema), cmds };
}
