// Before a restore: how production's row counts differ from the snapshot's, table by table.
// Writes made since the snapshot are lost by the restore (they stay readable in the backup).
export type TableDiscard = { table: string; production: number; snapshot: number; difference: number };

export function diffRowCounts(production: Map<string, number>, snapshot: Map<string, number>): TableDiscard[] {
  const tables = [...new Set([...production.keys(), ...snapshot.keys()])].filter((table) => !table.endsWith("._prisma_migrations")).sort();
  return tables.map((table) => {
    const now = production.get(table) ?? 0;
    const then = snapshot.get(table) ?? 0;
    return { table, production: now, snapshot: then, difference: now - then };
  });
}
