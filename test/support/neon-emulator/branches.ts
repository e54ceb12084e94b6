// Branch routes: create, list, count, get, update, delete and restore, with Neon's validation,
// status codes, lineage rules and asynchronous operations, over real databases.
import type {
  AnnotationData,
  BranchCreateRequestEndpointOptions,
  BranchesCountResponse,
  BranchOperations,
  BranchResponse,
  AnnotationResponse,
  BranchesResponse,
  AnnotationsMapResponse,
  CursorPaginationResponse,
  ConnectionURIsOptionalResponse,
  DatabasesResponse,
  EndpointsResponse,
  OperationsResponse,
  RolesResponse,
} from "@neondatabase/api-client";
import {
  ApiError,
  asObject,
  parseTimestamp,
  requireId,
  type EmulatorContext,
  type HandlerResult,
  type RequestContext,
} from "./context.js";
import { connectionUris } from "./connections.js";
import type { HistoryPoint } from "./history.js";
import { physicalName, rolePassword } from "./physical.js";
import {
  branchDatabaseName,
  dataKeyOf,
  EndpointState,
  EndpointType,
  newBranchId,
  newEndpointId,
  now,
  type BranchModel,
  type EndpointModel,
  type OperationModel,
} from "./state.js";

const MAX_EXPIRY_MS = 30 * 24 * 3600 * 1000;

type CreateResponse = BranchResponse &
  EndpointsResponse &
  OperationsResponse &
  RolesResponse &
  DatabasesResponse &
  ConnectionURIsOptionalResponse;

export class Branches {
  constructor(private readonly ctx: EmulatorContext) {}

  private get project() {
    return this.ctx.project;
  }

  physicalOf = (branch: BranchModel, database: string): string => branchDatabaseName(dataKeyOf(branch), database);

  // ---- project setup -------------------------------------------------------------------------

  /** The project's first branch: default, root, `neondb` owned by `neondb_owner`, one endpoint. */
  async createRootBranch(name: string, options: { protected: boolean }): Promise<BranchModel> {
    const created = now();
    const role = "neondb_owner";
    await this.ctx.physical.ensureRole(role, rolePassword(role));
    const branch: BranchModel = {
      id: newBranchId(),
      name,
      state: "ready",
      stateChangedAt: created,
      createdAt: created,
      updatedAt: created,
      isDefault: true,
      isProtected: options.protected,
      initSource: "parent-data",
      roles: [{ name: role, password: rolePassword(role), createdAt: created }],
      databases: [{ id: this.project.databaseId(), name: "neondb", owner: role, createdAt: created }],
    };
    await this.ctx.physical.createEmptyDatabase(this.physicalOf(branch, "neondb"), role);
    this.project.branches.set(branch.id, branch);
    this.project.rootBranchId = branch.id;
    const endpoint = this.newEndpoint(branch.id, { type: EndpointType.ReadWrite });
    endpoint.state = EndpointState.Active;
    endpoint.pendingState = undefined;
    endpoint.startedAt = created;
    if (this.ctx.settings.autoHistory) await this.ctx.history.record(branch, this.physicalOf);
    return branch;
  }

  // ---- reads ---------------------------------------------------------------------------------

  list(req: RequestContext): HandlerResult {
    const search = req.query.get("search")?.toLowerCase();
    const sortBy = req.query.get("sort_by") ?? "updated_at";
    const sortOrder = req.query.get("sort_order") ?? "desc";
    if (!["name", "created_at", "updated_at"].includes(sortBy)) throw new ApiError(400, "sort_by: invalid value");
    if (!["asc", "desc"].includes(sortOrder)) throw new ApiError(400, "sort_order: invalid value");
    const limitText = req.query.get("limit");
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10000)) {
      throw new ApiError(400, "limit: must be between 1 and 10000");
    }
    const branches = [...this.project.branches.values()].filter(
      (branch) => !search || branch.name.toLowerCase().includes(search) || branch.id.includes(search),
    );
    const key = (branch: BranchModel): string =>
      sortBy === "name" ? branch.name : (sortBy === "created_at" ? branch.createdAt : branch.updatedAt).toISOString();
    branches.sort((a, b) => {
      const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1;
      return sortOrder === "asc" ? order : -order;
    });
    const cursor = req.query.get("cursor");
    const offset = cursor ? decodeCursor(cursor) : 0;
    const page = limit === undefined ? branches.slice(offset) : branches.slice(offset, offset + limit);
    const body: BranchesResponse & AnnotationsMapResponse & CursorPaginationResponse = {
      branches: page.map((branch) => this.project.toBranch(branch)),
      annotations: Object.fromEntries(
        page
          .filter((branch) => branch.annotation)
          .map((branch): [string, AnnotationData] => [branch.id, this.project.toAnnotation(branch)]),
      ),
    };
    if (limit !== undefined) {
      body.pagination = { sort_by: sortBy, sort_order: sortOrder };
      if (offset + limit < branches.length) body.pagination.next = encodeCursor(offset + limit);
    }
    return { status: 200, body };
  }

  count(req: RequestContext): HandlerResult {
    const search = req.query.get("search")?.toLowerCase();
    const body: BranchesCountResponse = {
      count: [...this.project.branches.values()].filter(
        (branch) => !search || branch.name.toLowerCase().includes(search) || branch.id.includes(search),
      ).length,
    };
    return { status: 200, body };
  }

  get(req: RequestContext): HandlerResult {
    const branch = this.branchOr404(req.params.branch!);
    const body: BranchResponse & AnnotationResponse = {
      branch: this.project.toBranch(branch),
      annotation: this.project.toAnnotation(branch),
    };
    return { status: 200, body };
  }

  // ---- mutations (always called inside the emulator's exclusive section) ----------------------

  async create(req: RequestContext): Promise<HandlerResult> {
    this.refuseWhileOperationsRun();
    const body = asObject(req.body, "body");
    const spec = asObject(body.branch, "branch");
    const endpointsSpec = body.endpoints ?? [];
    if (!Array.isArray(endpointsSpec)) throw new ApiError(400, "endpoints: must be an array");

    const parent = spec.parent_id === undefined || spec.parent_id === "" ? this.project.defaultBranch() : undefined;
    const parentBranch = parent ?? this.project.branch(requireId(spec.parent_id, "branch.parent_id"));
    if (!parentBranch) throw new ApiError(404, "branch not found");
    const id = newBranchId();
    const name = spec.name === undefined ? id : this.validName(spec.name, "branch.name");
    if (spec.parent_lsn !== undefined && spec.parent_timestamp !== undefined) {
      throw new ApiError(400, "parent_lsn and parent_timestamp cannot be specified together");
    }
    if (spec.parent_lsn !== undefined) {
      throw new ApiError(400, "neon emulator: parent_lsn is not supported, use parent_timestamp");
    }
    if (spec.init_source !== undefined && spec.init_source !== "parent-data") {
      throw new ApiError(400, `neon emulator: init_source ${JSON.stringify(spec.init_source)} is not supported`);
    }
    if (spec.archived === true) throw new ApiError(400, "neon emulator: archived branches are not supported");
    const isProtected = spec.protected === true;
    let expiresAt: Date | undefined;
    if (spec.expires_at !== undefined && spec.expires_at !== null) {
      expiresAt = this.validExpiry(spec.expires_at);
      if (isProtected) throw new ApiError(400, "protected branches cannot have an expiration time");
    }
    if (parentBranch.expiresAt) {
      throw new ApiError(400, "cannot create a child branch of a branch with an expiration time");
    }
    const endpointSpecs = endpointsSpec.map((raw, i) => this.validEndpointSpec(raw, i));
    if (endpointSpecs.filter((endpoint) => endpoint.type === EndpointType.ReadWrite).length > 1) {
      throw new ApiError(400, "a branch can have only one read_write endpoint");
    }
    let source: HistoryPoint | undefined;
    let parentTimestamp: Date | undefined;
    if (spec.parent_timestamp !== undefined) {
      parentTimestamp = parseTimestamp(spec.parent_timestamp, "branch.parent_timestamp");
      source = this.historyPoint(parentBranch, parentTimestamp, "parent_timestamp");
    }
    if (this.project.branchByName(name)) throw new ApiError(409, `branch already exists; branch_name:"${name}"`);
    this.refuseOverLimit();
    const annotation = body.annotation_value === undefined ? undefined : this.validAnnotation(body.annotation_value);

    // The copy is taken now, at request time: that is the branch point, as parent_lsn is on Neon.
    if (!source && this.ctx.settings.autoHistory && !parentBranch.parentId) {
      await this.ctx.history.record(parentBranch, this.physicalOf);
    }
    const created = now();
    const branch: BranchModel = {
      id,
      name,
      parentId: parentBranch.id,
      parentTimestamp: parentTimestamp ?? created,
      state: "init",
      pendingState: "ready",
      stateChangedAt: created,
      createdAt: created,
      updatedAt: created,
      isDefault: false,
      isProtected,
      expiresAt,
      ttlIntervalSeconds: expiresAt ? Math.round((expiresAt.getTime() - created.getTime()) / 1000) : undefined,
      initSource: "parent-data",
      roles: parentBranch.roles.map((role) => ({ ...role, createdAt: created })),
      databases: parentBranch.databases.map((db) => ({ ...db, id: this.project.databaseId(), createdAt: created })),
      annotation,
      annotationCreatedAt: annotation ? created : undefined,
    };
    await this.copyDatabases(branch, (db) => source?.databases.get(db) ?? this.physicalOf(parentBranch, db));
    this.project.branches.set(branch.id, branch);
    const endpoints = endpointSpecs.map((endpointSpec) => this.newEndpoint(branch.id, endpointSpec));
    const ops = [
      this.ctx.scheduler.create("create_branch", { branchId: branch.id }),
      ...endpoints.map((endpoint) =>
        this.ctx.scheduler.create("start_compute", { branchId: branch.id, endpointId: endpoint.id }),
      ),
    ];
    this.ctx.scheduler.start(ops, () => this.open(branch, endpoints), req.operationFailure);

    const response: CreateResponse = {
      branch: this.project.toBranch(branch),
      endpoints: endpoints.map((endpoint) => this.project.toEndpoint(endpoint, this.ctx.host)),
      operations: ops.map((op) => this.project.toOperation(op)),
      roles: branch.roles.map((role) => this.project.toRole(branch, role)),
      databases: branch.databases.map((db) => this.project.toDatabase(branch, db)),
    };
    const uris = connectionUris(this.ctx, branch);
    if (uris) response.connection_uris = uris;
    return { status: 201, body: response };
  }

  async update(req: RequestContext): Promise<HandlerResult> {
    this.refuseWhileOperationsRun();
    const branch = this.branchOr404(req.params.branch!);
    const body = asObject(req.body, "body");
    if (body.branch === undefined) throw new ApiError(400, "branch: is required");
    const spec = asObject(body.branch, "branch");
    if (spec.name !== undefined) {
      const name = this.validName(spec.name, "branch.name");
      const clash = this.project.branchByName(name);
      if (clash && clash.id !== branch.id) throw new ApiError(409, `branch already exists; branch_name:"${name}"`);
      branch.name = name;
    }
    if (spec.protected !== undefined) {
      if (typeof spec.protected !== "boolean") throw new ApiError(400, "branch.protected: must be a boolean");
      if (spec.protected && branch.expiresAt) throw new ApiError(400, "protected branches cannot have an expiration time");
      branch.isProtected = spec.protected;
    }
    if (spec.expires_at === null) {
      branch.expiresAt = undefined;
      branch.ttlIntervalSeconds = undefined;
    } else if (spec.expires_at !== undefined) {
      const expiresAt = this.validExpiry(spec.expires_at);
      if (branch.isDefault || branch.isProtected) {
        throw new ApiError(400, "expiration time cannot be set on a default or protected branch");
      }
      if (this.project.children(branch.id).length > 0) {
        throw new ApiError(400, "expiration time cannot be set on a branch that has children");
      }
      branch.expiresAt = expiresAt;
      branch.ttlIntervalSeconds = Math.round((expiresAt.getTime() - Date.now()) / 1000);
    }
    branch.updatedAt = now();
    const response: BranchOperations = { branch: this.project.toBranch(branch), operations: [] };
    return { status: 200, body: response };
  }

  async delete(req: RequestContext): Promise<HandlerResult> {
    this.refuseWhileOperationsRun();
    const id = requireId(req.params.branch, "branch_id");
    const branch = this.project.branch(id);
    if (!branch) {
      if (this.project.deletedBranchIds.has(id) && this.ctx.settings.deletedBranchStatus === 204) return { status: 204 };
      throw new ApiError(404, "branch not found");
    }
    if (branch.isDefault) throw new ApiError(422, "cannot delete the default branch");
    if (branch.id === this.project.rootBranchId) throw new ApiError(422, "cannot delete the root branch");
    if (branch.isProtected) throw new ApiError(422, "cannot delete a protected branch");
    const children = this.project.children(branch.id);
    if (children.length > 0) throw new ApiError(422, `cannot delete branch that has children: ${branch.id}`);

    for (const db of branch.databases) await this.ctx.physical.dropDatabase(this.physicalOf(branch, db.name));
    await this.ctx.history.drop(branch.id);
    const endpoints = this.project.endpointsOf(branch.id);
    for (const endpoint of endpoints) this.project.endpoints.delete(endpoint.id);
    this.project.branches.delete(branch.id);
    this.project.deletedBranchIds.add(branch.id);
    const ops = [
      ...endpoints.map((endpoint) =>
        this.ctx.scheduler.create("suspend_compute", { branchId: branch.id, endpointId: endpoint.id }),
      ),
      this.ctx.scheduler.create("delete_timeline", { branchId: branch.id }),
    ];
    this.ctx.scheduler.start(ops, async () => undefined, req.operationFailure);
    const response: BranchOperations = {
      branch: this.project.toBranch(branch),
      operations: ops.map((op) => this.project.toOperation(op)),
    };
    return { status: 200, body: response };
  }

  async restore(req: RequestContext): Promise<HandlerResult> {
    this.refuseWhileOperationsRun();
    const target = this.branchOr404(req.params.branch!);
    const restricted = target.restrictedActions?.find((action) => action.name === "restore");
    if (restricted) throw new ApiError(422, `restore is restricted for this branch: ${restricted.reason}`);
    const body = asObject(req.body, "body");
    if (body.source_branch_id === undefined) throw new ApiError(400, "source_branch_id: is required");
    const source = this.project.branch(requireId(body.source_branch_id, "source_branch_id"));
    if (!source) throw new ApiError(404, "branch not found");
    if (body.source_lsn !== undefined && body.source_timestamp !== undefined) {
      throw new ApiError(400, "source_lsn and source_timestamp cannot be specified together");
    }
    if (body.source_lsn !== undefined) {
      throw new ApiError(400, "neon emulator: source_lsn is not supported, use source_timestamp");
    }
    const self = source.id === target.id;
    const at = body.source_timestamp === undefined ? undefined : parseTimestamp(body.source_timestamp, "source_timestamp");
    if (self && !at) {
      throw new ApiError(400, "source_timestamp or source_lsn is required when restoring a branch to its own history");
    }
    const preserveName =
      body.preserve_under_name === undefined || body.preserve_under_name === ""
        ? undefined
        : this.validName(body.preserve_under_name, "preserve_under_name");
    if (self && !preserveName) {
      throw new ApiError(422, "preserve_under_name is required when restoring a branch to its own history");
    }
    let point: HistoryPoint | undefined;
    if (at) {
      if (target.parentId || source.parentId) {
        throw new ApiError(400, "point in time restore is supported only for root branches");
      }
      point = this.historyPoint(source, at, "source_timestamp");
    }
    const children = this.project.children(target.id);
    if (children.length > 0 && !preserveName) throw new ApiError(422, "Branch has children, preserve_under_name is required");
    if (preserveName && this.project.branchByName(preserveName)) {
      throw new ApiError(409, `branch already exists; branch_name:"${preserveName}"`);
    }
    if (preserveName) this.refuseOverLimit();
    const lineage = this.ctx.settings.restoreLineage;
    // The backup takes the target's parent, so it is a root when the target was one; the number of
    // roots grows when the target stays a root too: a point-in-time restore, or "roots" lineage.
    if (preserveName && !target.parentId && (at || lineage === "roots")) this.refuseOverRootLimit();

    const targetWasRoot = !target.parentId;
    if (this.ctx.settings.autoHistory && targetWasRoot) await this.ctx.history.record(target, this.physicalOf);
    const started = now();

    // The old state is renamed aside (its sessions are ended, as Neon drops the computes'
    // connections): into the preserved branch, or under a temporary name until the copy is done.
    const previousDatabases = target.databases;
    let preserved: BranchModel | undefined;
    if (preserveName) {
      preserved = {
        id: newBranchId(),
        name: preserveName,
        parentId: target.parentId,
        parentTimestamp: target.parentTimestamp,
        state: "init",
        pendingState: "ready",
        stateChangedAt: started,
        createdAt: started,
        updatedAt: started,
        isDefault: false,
        isProtected: false,
        initSource: "parent-data",
        roles: target.roles.map((role) => ({ ...role })),
        databases: previousDatabases.map((db) => ({ ...db, id: this.project.databaseId() })),
      };
    }
    const asideOf = (database: string) =>
      preserved ? this.physicalOf(preserved, database) : physicalName(this.physicalOf(target, database), "old");
    for (const db of previousDatabases) {
      await this.ctx.physical.closeAndRename(this.physicalOf(target, db.name), asideOf(db.name));
    }

    // The new state (the source's head, or its history point) under the target's own database
    // names, so the target keeps its id, endpoint and connection string. All databases are
    // replaced, none merged.
    const sourceNames = point ? [...point.databases.keys()] : source.databases.map((db) => db.name);
    target.databases = sourceNames.map((name) => {
      const kept = previousDatabases.find((db) => db.name === name);
      const owner = source.databases.find((db) => db.name === name)?.owner ?? kept?.owner ?? "neondb_owner";
      return { id: kept?.id ?? this.project.databaseId(), name, owner, createdAt: kept?.createdAt ?? started };
    });
    try {
      await this.copyDatabases(target, (db) => (point ? point.databases.get(db)! : this.physicalOf(source, db)));
    } catch (error) {
      // Put the old state back rather than leave the branch without its databases.
      target.databases = previousDatabases;
      for (const db of previousDatabases) {
        await this.ctx.physical.closeAndRename(asideOf(db.name), this.physicalOf(target, db.name));
        await this.ctx.physical.setConnectable(this.physicalOf(target, db.name), true);
      }
      throw error;
    }
    if (!preserved) for (const db of previousDatabases) await this.ctx.physical.dropDatabase(asideOf(db.name));

    // Lineage (see README, "Variants"): the preserved branch takes the target's place and its
    // children (preserve_under_name's description in the OpenAPI schema). A point-in-time restore
    // leaves both roots. A head restore from another branch depends on restoreLineage.
    if (preserved) {
      this.project.branches.set(preserved.id, preserved);
      for (const child of children) child.parentId = preserved.id;
      if (at) preserved.parentId = undefined;
    }
    if (at) {
      target.parentId = undefined;
      target.parentTimestamp = undefined;
    } else if (lineage === "source-parent") {
      target.parentId = source.id;
      target.parentTimestamp = started;
    } else if (lineage === "backup-parent" && preserved) {
      target.parentId = preserved.id;
      target.parentTimestamp = started;
    }
    // "roots" (or backup-parent without a backup): the target keeps its own parent, if any.
    if (preserved && this.ctx.settings.restoreIdentity === "swap") this.swapIds(target, preserved);
    target.state = "resetting";
    target.pendingState = "ready";
    target.stateChangedAt = started;
    target.lastResetAt = started;
    target.updatedAt = started;
    const endpoints = this.project.endpointsOf(target.id);
    for (const endpoint of endpoints) {
      endpoint.state = EndpointState.Idle;
      endpoint.pendingState = EndpointState.Active;
      endpoint.suspendedAt = started;
      endpoint.updatedAt = started;
    }
    const ops: OperationModel[] = [
      ...endpoints.map((endpoint) =>
        this.ctx.scheduler.create("suspend_compute", { branchId: target.id, endpointId: endpoint.id }),
      ),
      this.ctx.scheduler.create("create_branch", { branchId: target.id }),
      this.ctx.scheduler.create("delete_timeline", { branchId: target.id }),
    ];
    const stillRoot = !target.parentId;
    this.ctx.scheduler.start(
      ops,
      async () => {
        await this.open(target, endpoints);
        if (preserved) await this.open(preserved, []);
        if (this.ctx.settings.autoHistory && stillRoot) await this.ctx.history.record(target, this.physicalOf);
      },
      req.operationFailure,
    );
    const response: BranchOperations = {
      branch: this.project.toBranch(target),
      operations: ops.map((op) => this.project.toOperation(op)),
    };
    return { status: 200, body: response };
  }

  // ---- helpers -------------------------------------------------------------------------------

  /**
   * restoreIdentity "swap": the restored state is a new branch that takes the target's name and
   * compute (so its connection string is unchanged), and the target's old id now names the
   * backup. Physical databases keep their names (dataKey), references follow the ids. The
   * project's root branch id stays with the old id: the first backup is the root branch.
   */
  private swapIds(target: BranchModel, preserved: BranchModel): void {
    const oldId = target.id;
    const newId = preserved.id;
    target.dataKey = dataKeyOf(target);
    preserved.dataKey = dataKeyOf(preserved);
    const swap = (id: string | undefined) => (id === oldId ? newId : id === newId ? oldId : id);
    this.project.branches.delete(oldId);
    this.project.branches.delete(newId);
    target.id = newId;
    preserved.id = oldId;
    this.project.branches.set(target.id, target);
    this.project.branches.set(preserved.id, preserved);
    for (const branch of this.project.branches.values()) branch.parentId = swap(branch.parentId);
    for (const endpoint of this.project.endpoints.values()) endpoint.branchId = swap(endpoint.branchId)!;
    // History points stay with the id they were recorded under: the old timeline is the backup's.
  }

  branchOr404(id: string): BranchModel {
    const branch = this.project.branch(requireId(id, "branch_id"));
    if (!branch) throw new ApiError(404, "branch not found");
    return branch;
  }

  /** The operations' effect: databases accept connections, the branch and its computes are up. */
  private async open(branch: BranchModel, endpoints: EndpointModel[]): Promise<void> {
    if (!this.project.branches.has(branch.id)) return;
    for (const db of branch.databases) await this.ctx.physical.setConnectable(this.physicalOf(branch, db.name), true);
    const at = now();
    branch.state = "ready";
    branch.pendingState = undefined;
    branch.stateChangedAt = at;
    branch.updatedAt = at;
    for (const endpoint of endpoints) {
      endpoint.state = EndpointState.Active;
      endpoint.pendingState = undefined;
      endpoint.startedAt = at;
      endpoint.updatedAt = at;
    }
  }

  private async copyDatabases(branch: BranchModel, sourceOf: (database: string) => string): Promise<void> {
    const done: string[] = [];
    try {
      for (const db of branch.databases) {
        const target = this.physicalOf(branch, db.name);
        await this.ctx.physical.copyDatabase(sourceOf(db.name), target, db.owner);
        done.push(target);
      }
    } catch (error) {
      for (const name of done) await this.ctx.physical.dropDatabase(name);
      throw new ApiError(500, `neon emulator: copying the branch data failed: ${String(error)}`);
    }
  }

  private historyPoint(branch: BranchModel, at: Date, field: string): HistoryPoint {
    if (!this.ctx.history.inWindow(at)) {
      throw new ApiError(400, `${field}: must be within the project's history retention window and not in the future`);
    }
    const point = this.ctx.history.pointAt(branch.id, at);
    if (!point) {
      throw new ApiError(
        400,
        `${field}: no history at ${at.toISOString()} for branch ${branch.id} (neon emulator: history is recorded for root branches, see its README)`,
      );
    }
    return point;
  }

  private newEndpoint(branchId: string, spec: { type: EndpointType; suspendTimeoutSeconds?: number }): EndpointModel {
    const created = now();
    const endpoint: EndpointModel = {
      id: newEndpointId(),
      branchId,
      type: spec.type,
      state: EndpointState.Init,
      pendingState: EndpointState.Active,
      suspendTimeoutSeconds: spec.suspendTimeoutSeconds ?? 0,
      createdAt: created,
      updatedAt: created,
    };
    this.project.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  private validEndpointSpec(raw: unknown, index: number): { type: EndpointType; suspendTimeoutSeconds?: number } {
    const spec = asObject(raw, `endpoints[${index}]`) as Partial<BranchCreateRequestEndpointOptions>;
    if (spec.type !== EndpointType.ReadWrite && spec.type !== EndpointType.ReadOnly) {
      throw new ApiError(400, `endpoints[${index}].type: must be read_write or read_only`);
    }
    const suspend = spec.suspend_timeout_seconds;
    if (suspend !== undefined && (typeof suspend !== "number" || suspend < -1 || suspend > 604800)) {
      throw new ApiError(400, `endpoints[${index}].suspend_timeout_seconds: out of range`);
    }
    return suspend === undefined ? { type: spec.type } : { type: spec.type, suspendTimeoutSeconds: suspend };
  }

  private validName(value: unknown, field: string): string {
    if (typeof value !== "string" || value.length < 1 || value.length > 256) {
      throw new ApiError(400, `${field}: must be between 1 and 256 characters`);
    }
    return value;
  }

  private validExpiry(value: unknown): Date {
    const at = parseTimestamp(value, "expires_at");
    if (at.getTime() <= Date.now()) throw new ApiError(400, "expires_at: must be in the future");
    if (at.getTime() > Date.now() + MAX_EXPIRY_MS) {
      throw new ApiError(400, "expires_at: must not be more than 30 days in the future");
    }
    return at;
  }

  private validAnnotation(value: unknown): Record<string, string> {
    const object = asObject(value, "annotation_value");
    const entries = Object.entries(object);
    if (entries.length > 50 || entries.some(([, v]) => typeof v !== "string")) {
      throw new ApiError(400, "annotation_value: at most 50 string values");
    }
    return object as Record<string, string>;
  }

  private refuseWhileOperationsRun(): void {
    if (this.ctx.settings.lockDuringOperations && this.project.runningOperations().length > 0) {
      const retryAfter = this.ctx.settings.lockRetryAfterSeconds;
      throw new ApiError(
        423,
        "project already has running operations, scheduling of new ones is prohibited",
        "",
        retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) },
      );
    }
  }

  private refuseOverRootLimit(): void {
    const roots = [...this.project.branches.values()].filter((branch) => !branch.parentId).length;
    if (roots >= this.ctx.settings.rootBranchLimit) {
      throw new ApiError(422, "root branches limit exceeded", "ROOT_BRANCHES_LIMIT_EXCEEDED");
    }
  }

  private refuseOverLimit(): void {
    if (this.project.branches.size >= this.ctx.settings.branchLimit) {
      throw new ApiError(422, "branches limit exceeded", "BRANCHES_LIMIT_EXCEEDED");
    }
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, "base64url").toString()) as { offset: unknown };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new ApiError(400, "cursor: invalid value");
}
