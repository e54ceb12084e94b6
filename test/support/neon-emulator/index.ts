// A Neon API v2 emulator for tests: one project, served over HTTP on 127.0.0.1, backed by real
// databases on the test PostgreSQL server. See README.md in this folder.
import { randomBytes } from "node:crypto";
import { Branches } from "./branches.js";
import { getConnectionUri, listBranchEndpoints, listDatabases, listProjectEndpoints, listRoles, revealPassword, startPooler } from "./connections.js";
import type { EmulatorContext, EmulatorSettings } from "./context.js";
import { FaultInjector, type Fault, type RouteName } from "./faults.js";
import { History } from "./history.js";
import { OperationScheduler } from "./operations.js";
import { PhysicalCluster } from "./physical.js";
import { getOperation, getProject, listOperations } from "./project.js";
import { EmulatorServer, type RequestLogEntry, type Route } from "./server.js";
import { branchDatabaseName, dataKeyOf, ProjectState, type BranchModel } from "./state.js";

export type { Fault, RouteName, RequestLogEntry };

export type NeonEmulatorOptions = {
  /** Superuser URL of the test server's `postgres` database (adminUrl() in tests). */
  adminUrl: string;
  /** The key clients must send as `Authorization: Bearer <key>`; random by default. */
  apiKey?: string;
  /** How long operations take (ms), or "manual": they finish on finishOperations(). Default 150. */
  operationDelayMs?: number | "manual";
  /** 423 for a mutation while operations run. Default true. */
  lockDuringOperations?: boolean;
  /** Branches per project. Default 10 (Free and Launch plans). */
  branchLimit?: number;
  historyRetentionSeconds?: number;
  /** Record root-branch history at the mutations the emulator sees. Default true. */
  autoHistory?: boolean;
  /** Query string of connection URIs. Default `sslmode=disable` (the test server has no TLS). */
  connectionParams?: string;
  deletedBranchStatus?: 204 | 404;
  projectName?: string;
  defaultBranchName?: string;
  /** Whether the default branch is protected, as production usually is. Default false. */
  protectedDefaultBranch?: boolean;
  /** The default branch's `restricted_actions` (e.g. `[{ name: "restore", reason: "…" }]`). */
  defaultBranchRestrictedActions?: Array<{ name: string; reason: string }>;
  /** Open questions and plan limits: see EmulatorSettings and the README's variants table. */
  restoreIdentity?: EmulatorSettings["restoreIdentity"];
  restoreLineage?: EmulatorSettings["restoreLineage"];
  retryFailedOperationsAfterMs?: number;
  rootBranchLimit?: number;
  plan?: string;
  lockRetryAfterSeconds?: number;
};

export type NeonEmulator = {
  /** Pass as `baseURL` to createApiClient (NEON_API_HOST). */
  baseURL: string;
  apiKey: string;
  projectId: string;
  /** Id of the default (production) branch. */
  defaultBranchId: string;
  /** Every request so far, in order. */
  requests: RequestLogEntry[];
  /** Number of requests to `route` (and `method`, if given). */
  countRequests(route?: RouteName, method?: string): number;
  /** Arms a fault for the next `times` requests to `route` ("*": any route). */
  inject(route: RouteName | "*", fault: Fault, options?: { times?: number; method?: string; skip?: number }): void;
  clearFaults(): void;
  /** Faults armed but not fired yet. */
  pendingFaults(): number;
  settings: EmulatorSettings;
  /** Finishes every running operation now (needed with operationDelayMs "manual"). */
  finishOperations(): Promise<void>;
  /** Resolves when no operation effect is being applied. */
  idle(): Promise<void>;
  /**
   * Starts an operation of someone else's (a compute restart, a console action) on the default
   * branch that runs for `ms`: every mutation meanwhile answers 423.
   */
  holdOperation(ms: number, action?: string): void;
  /** Records a history point of a root branch now (for point-in-time restores); returns its time. */
  recordHistory(branchIdOrName?: string): Promise<Date>;
  /** Superuser URL of a branch's physical database, to seed or inspect data behind the API. */
  branchDatabaseUrl(branchIdOrName: string, database?: string): string;
  /** The physical database name behind a branch's logical database. */
  physicalDatabaseName(branchIdOrName: string, database?: string): string;
  branch(branchIdOrName: string): BranchModel | undefined;
  /** Stops the server and drops every database the emulator made. */
  close(): Promise<void>;
};

export async function startNeonEmulator(options: NeonEmulatorOptions): Promise<NeonEmulator> {
  const apiKey = options.apiKey ?? `napi_${randomBytes(24).toString("hex")}`;
  const settings: EmulatorSettings = {
    lockDuringOperations: options.lockDuringOperations ?? true,
    branchLimit: options.branchLimit ?? 10,
    autoHistory: options.autoHistory ?? true,
    connectionParams: options.connectionParams ?? "sslmode=disable",
    deletedBranchStatus: options.deletedBranchStatus ?? 204,
    operationDelayMs: options.operationDelayMs ?? 150,
    restoreIdentity: options.restoreIdentity ?? "keep",
    restoreLineage: options.restoreLineage ?? "source-parent",
    retryFailedOperationsAfterMs: options.retryFailedOperationsAfterMs,
    rootBranchLimit: options.rootBranchLimit ?? Number.POSITIVE_INFINITY,
    plan: options.plan ?? "free_v3",
    lockRetryAfterSeconds: options.lockRetryAfterSeconds,
  };
  const project = new ProjectState(options.projectName ?? "dbship-test", "aws-us-east-2", options.historyRetentionSeconds ?? 86400);
  const physical = new PhysicalCluster(options.adminUrl);
  const pooler = await startPooler({ host: physical.host, port: physical.port });
  const errors: unknown[] = [];
  const faults = new FaultInjector();
  let server: EmulatorServer | undefined;
  const exclusive = <T>(fn: () => Promise<T>) => server!.exclusive(fn);
  const scheduler = new OperationScheduler(project, {
    delayMs: () => settings.operationDelayMs,
    retryFailedAfterMs: () => settings.retryFailedOperationsAfterMs,
    exclusive,
    onError: (error) => errors.push(error),
  });
  const ctx: EmulatorContext = {
    project,
    physical,
    scheduler,
    history: new History(physical, project.id, project.historyRetentionSeconds),
    settings,
    host: `${physical.host}:${physical.port}`,
    poolerHost: `127.0.0.1:${pooler.port}`,
  };
  const branches = new Branches(ctx);
  const p = "/projects/:project";
  const routes: Route[] = [
    { name: "getProject", method: "GET", path: p, mutation: false, handle: () => getProject(ctx) },
    { name: "countProjectBranches", method: "GET", path: `${p}/branches/count`, mutation: false, handle: (r) => branches.count(r) },
    { name: "listProjectBranches", method: "GET", path: `${p}/branches`, mutation: false, handle: (r) => branches.list(r) },
    { name: "createProjectBranch", method: "POST", path: `${p}/branches`, mutation: true, handle: (r) => branches.create(r) },
    { name: "getProjectBranch", method: "GET", path: `${p}/branches/:branch`, mutation: false, handle: (r) => branches.get(r) },
    { name: "updateProjectBranch", method: "PATCH", path: `${p}/branches/:branch`, mutation: true, handle: (r) => branches.update(r) },
    { name: "deleteProjectBranch", method: "DELETE", path: `${p}/branches/:branch`, mutation: true, handle: (r) => branches.delete(r) },
    { name: "restoreProjectBranch", method: "POST", path: `${p}/branches/:branch/restore`, mutation: true, handle: (r) => branches.restore(r) },
    { name: "listProjectBranchEndpoints", method: "GET", path: `${p}/branches/:branch/endpoints`, mutation: false, handle: (r) => listBranchEndpoints(ctx, r) },
    { name: "listProjectEndpoints", method: "GET", path: `${p}/endpoints`, mutation: false, handle: () => listProjectEndpoints(ctx) },
    { name: "listProjectBranchDatabases", method: "GET", path: `${p}/branches/:branch/databases`, mutation: false, handle: (r) => listDatabases(ctx, r) },
    { name: "listProjectBranchRoles", method: "GET", path: `${p}/branches/:branch/roles`, mutation: false, handle: (r) => listRoles(ctx, r) },
    { name: "getProjectBranchRolePassword", method: "GET", path: `${p}/branches/:branch/roles/:role/reveal_password`, mutation: false, handle: (r) => revealPassword(ctx, r) },
    { name: "getConnectionUri", method: "GET", path: `${p}/connection_uri`, mutation: false, handle: (r) => getConnectionUri(ctx, r) },
    { name: "getProjectOperation", method: "GET", path: `${p}/operations/:operation`, mutation: false, handle: (r) => getOperation(ctx, r) },
    { name: "listProjectOperations", method: "GET", path: `${p}/operations`, mutation: false, handle: (r) => listOperations(ctx, r) },
  ];
  const holdOperation = (ms: number, action = "apply_config") => {
    const op = scheduler.create(action as never, { branchId: project.defaultBranch().id });
    scheduler.start([op], async () => undefined, undefined, ms);
  };
  server = new EmulatorServer(routes, { apiKey, projectId: project.id, faults, onError: (error) => errors.push(error), onHold: holdOperation });

  let root: BranchModel;
  let baseURL: string;
  try {
    root = await branches.createRootBranch(options.defaultBranchName ?? "main", {
      protected: options.protectedDefaultBranch ?? false,
    });
    if (options.defaultBranchRestrictedActions) root.restrictedActions = options.defaultBranchRestrictedActions;
    baseURL = await server.listen();
  } catch (error) {
    await cleanup();
    throw error;
  }

  const find = (idOrName: string): BranchModel => {
    const branch = project.branch(idOrName) ?? project.branchByName(idOrName);
    if (!branch) throw new Error(`neon emulator: no branch ${idOrName}`);
    return branch;
  };

  async function cleanup(): Promise<void> {
    await server?.close();
    await scheduler.close();
    for (const branch of project.branches.values()) {
      for (const db of branch.databases) await physical.dropDatabase(branchDatabaseName(dataKeyOf(branch), db.name));
    }
    await ctx.history.dropAll();
    await pooler.close();
    await physical.close();
  }

  return {
    baseURL,
    apiKey,
    projectId: project.id,
    defaultBranchId: root.id,
    requests: server.log,
    countRequests: (route, method) =>
      server!.log.filter((entry) => (!route || entry.route === route) && (!method || entry.method === method.toUpperCase()))
        .length,
    inject: (route, fault, injectOptions) => faults.inject(route, fault, injectOptions),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    settings,
    finishOperations: () => scheduler.finishAll(),
    idle: () => scheduler.idle(),
    holdOperation,
    recordHistory: (branchIdOrName) =>
      exclusive(async () => {
        const branch = find(branchIdOrName ?? root.id);
        if (branch.parentId) throw new Error(`neon emulator: history is kept for root branches only; ${branch.id} has a parent`);
        return (await ctx.history.record(branch, branches.physicalOf)).at;
      }),
    branchDatabaseUrl: (branchIdOrName, database = "neondb") =>
      physical.superuserUrl(branchDatabaseName(dataKeyOf(find(branchIdOrName)), database)),
    // Also for a deleted branch, given its id: to check that its database is gone.
    physicalDatabaseName: (branchIdOrName, database = "neondb") =>
      branchDatabaseName(
        ((branch) => (branch ? dataKeyOf(branch) : branchIdOrName))(project.branch(branchIdOrName) ?? project.branchByName(branchIdOrName)),
        database,
      ),
    branch: (branchIdOrName) => project.branch(branchIdOrName) ?? project.branchByName(branchIdOrName),
    close: async () => {
      await cleanup();
      if (errors.length > 0) {
        throw new AggregateError(errors, `neon emulator: ${errors.length} internal error(s): ${errors.map(String).join("; ")}`);
      }
    },
  };
}
