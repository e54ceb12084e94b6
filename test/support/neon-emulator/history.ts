// Point-in-time history for root branches. Neon keeps WAL; the emulator cannot see the writes
// clients make over SQL, so it keeps full copies ("points") of a root branch's databases, taken at
// the moments it knows about (see README.md) and whenever a test calls recordHistory(). A restore
// to time T uses the newest point taken at or before T.
import type { PhysicalCluster } from "./physical.js";
import { physicalName } from "./physical.js";
import { now, type BranchModel } from "./state.js";

export type HistoryPoint = {
  at: Date;
  /** Logical database name → physical copy (closed to connections). */
  databases: Map<string, string>;
};

export class History {
  private readonly points = new Map<string, HistoryPoint[]>();
  private counter = 0;

  constructor(
    private readonly physical: PhysicalCluster,
    private readonly projectId: string,
    private readonly retentionSeconds: number,
  ) {}

  /** Copies the branch's databases as they are now. */
  async record(branch: BranchModel, physicalOf: (branch: BranchModel, database: string) => string): Promise<HistoryPoint> {
    const at = now();
    const point: HistoryPoint = { at, databases: new Map() };
    const n = ++this.counter;
    try {
      for (const database of branch.databases) {
        const copy = physicalName("neon_hist", this.projectId, String(n), database.name);
        await this.physical.copyDatabase(physicalOf(branch, database.name), copy, database.owner);
        point.databases.set(database.name, copy);
      }
    } catch (error) {
      await this.dropPoint(point);
      throw error;
    }
    const list = this.points.get(branch.id) ?? [];
    list.push(point);
    this.points.set(branch.id, list);
    await this.prune(branch.id);
    return point;
  }

  /** The window Neon accepts: not in the future, not older than the retention. */
  inWindow(at: Date): boolean {
    const time = at.getTime();
    return time <= Date.now() && time >= Date.now() - this.retentionSeconds * 1000;
  }

  /** The state of `branchId` at `at`: the newest point taken at or before it. */
  pointAt(branchId: string, at: Date): HistoryPoint | undefined {
    const list = this.points.get(branchId) ?? [];
    let found: HistoryPoint | undefined;
    for (const point of list) if (point.at.getTime() <= at.getTime()) found = point;
    return found;
  }

  async drop(branchId: string): Promise<void> {
    for (const point of this.points.get(branchId) ?? []) await this.dropPoint(point);
    this.points.delete(branchId);
  }

  async dropAll(): Promise<void> {
    for (const branchId of [...this.points.keys()]) await this.drop(branchId);
  }

  // Points older than the window are useless, except the newest of them: it is still the state
  // at the window's start.
  private async prune(branchId: string): Promise<void> {
    const list = this.points.get(branchId) ?? [];
    const start = Date.now() - this.retentionSeconds * 1000;
    const old = list.filter((point) => point.at.getTime() < start);
    for (const point of old.slice(0, -1)) {
      await this.dropPoint(point);
      list.splice(list.indexOf(point), 1);
    }
  }

  private async dropPoint(point: HistoryPoint): Promise<void> {
    for (const name of point.databases.values()) await this.physical.dropDatabase(name);
  }
}
