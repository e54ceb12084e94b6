// The emulator's in-memory model of one Neon project. API objects are built from it with the
// generated api-client types, so a shape drift in a new client version fails to compile.
import { randomBytes, randomUUID } from "node:crypto";
import {
  EndpointPoolerMode,
  EndpointState,
  EndpointType,
  type AnnotationData,
  type Branch,
  type Database,
  type Endpoint,
  type Operation,
  type OperationAction,
  type OperationStatus,
  type Project,
  type Role,
} from "@neondatabase/api-client";
import { physicalName } from "./physical.js";

const ADJECTIVES = ["quiet", "bold", "misty", "small", "wild", "green", "calm", "young", "dry", "rough"];
const NOUNS = ["frost", "bird", "river", "leaf", "cloud", "dew", "moon", "grass", "wave", "stone"];

function pick<T>(list: readonly T[]): T {
  return list[randomBytes(1)[0]! % list.length]!;
}

function suffix(length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");
}

export const newBranchId = () => `br-${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix(8)}`;
export const newEndpointId = () => `ep-${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix(8)}`;
export const newProjectId = () => `${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix(8, "0123456789")}`;
export const newRequestId = () => randomUUID();

export const now = () => new Date();
/** Neon's timestamps: RFC 3339, UTC, to the second. */
export const stamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export type RoleState = { name: string; password: string; createdAt: Date };
export type DatabaseState = { id: number; name: string; owner: string; createdAt: Date };

export type EndpointModel = {
  id: string;
  branchId: string;
  type: EndpointType;
  state: EndpointState;
  pendingState?: EndpointState | undefined;
  suspendTimeoutSeconds: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date | undefined;
  suspendedAt?: Date | undefined;
};

export type BranchModel = {
  id: string;
  name: string;
  parentId?: string | undefined;
  parentTimestamp?: Date | undefined;
  state: "init" | "resetting" | "ready";
  pendingState?: "ready" | undefined;
  stateChangedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  lastResetAt?: Date | undefined;
  isDefault: boolean;
  isProtected: boolean;
  expiresAt?: Date | undefined;
  ttlIntervalSeconds?: number | undefined;
  initSource: "parent-data" | "schema-only";
  roles: RoleState[];
  databases: DatabaseState[];
  annotation?: Record<string, string> | undefined;
  annotationCreatedAt?: Date | undefined;
  /** Names the branch's physical databases; its id unless a restore swapped ids (see README). */
  dataKey?: string | undefined;
  /** Neon's `restricted_actions` (e.g. `restore`), with the reason. */
  restrictedActions?: Array<{ name: string; reason: string }> | undefined;
};

/** The key a branch's physical databases are named by. */
export const dataKeyOf = (branch: BranchModel): string => branch.dataKey ?? branch.id;

export type OperationModel = {
  id: string;
  branchId?: string | undefined;
  endpointId?: string | undefined;
  action: OperationAction;
  status: OperationStatus;
  error?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
  finishedAt?: Date | undefined;
};

/** The physical database of a branch's logical database: unique per branch, stable across restores. */
export function branchDatabaseName(branchId: string, database: string): string {
  return physicalName("neon", branchId, database);
}

export class ProjectState {
  readonly id = newProjectId();
  readonly name: string;
  readonly createdAt = now();
  updatedAt = now();
  readonly branches = new Map<string, BranchModel>();
  readonly endpoints = new Map<string, EndpointModel>();
  readonly operations: OperationModel[] = [];
  /** Ids of deleted branches: deleting one again answers 204, as Neon's spec documents. */
  readonly deletedBranchIds = new Set<string>();
  /** The first branch: Neon refuses to delete the project's root branch. */
  rootBranchId = "";
  private nextDatabaseId = 1000;

  constructor(
    name: string,
    readonly regionId: string,
    readonly historyRetentionSeconds: number,
  ) {
    this.name = name;
  }

  databaseId(): number {
    return this.nextDatabaseId++;
  }

  branch(id: string): BranchModel | undefined {
    return this.branches.get(id);
  }

  defaultBranch(): BranchModel {
    for (const branch of this.branches.values()) if (branch.isDefault) return branch;
    throw new Error("neon emulator: the project has no default branch");
  }

  branchByName(name: string): BranchModel | undefined {
    for (const branch of this.branches.values()) if (branch.name === name) return branch;
    return undefined;
  }

  children(branchId: string): BranchModel[] {
    return [...this.branches.values()].filter((branch) => branch.parentId === branchId);
  }

  endpointsOf(branchId: string): EndpointModel[] {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.branchId === branchId);
  }

  readWriteEndpoint(branchId: string): EndpointModel | undefined {
    return this.endpointsOf(branchId).find((endpoint) => endpoint.type === EndpointType.ReadWrite);
  }

  runningOperations(): OperationModel[] {
    return this.operations.filter((op) => op.status === "scheduling" || op.status === "running" || op.status === "cancelling");
  }

  // ---- API views -----------------------------------------------------------------------------

  toProject(host: string, owner?: Project["owner"]): Project {
    const created = stamp(this.createdAt);
    return {
      ...(owner ? { owner } : {}),
      id: this.id,
      name: this.name,
      platform_id: "aws",
      region_id: this.regionId,
      provisioner: "k8s-neonvm",
      pg_version: 18,
      proxy_host: host,
      branch_logical_size_limit: 0,
      branch_logical_size_limit_bytes: -1,
      store_passwords: true,
      creation_source: "neon-emulator",
      history_retention_seconds: this.historyRetentionSeconds,
      created_at: created,
      updated_at: stamp(this.updatedAt),
      consumption_period_start: created,
      consumption_period_end: "0001-01-01T00:00:00Z",
      owner_id: "neon-emulator",
      data_storage_bytes_hour: 0,
      data_transfer_bytes: 0,
      written_data_bytes: 0,
      compute_time_seconds: 0,
      active_time_seconds: 0,
      cpu_used_sec: 0,
      settings: { allowed_ips: { ips: [], protected_branches_only: false } },
    };
  }

  toBranch(branch: BranchModel): Branch {
    const view: Branch = {
      id: branch.id,
      project_id: this.id,
      name: branch.name,
      current_state: branch.state,
      state_changed_at: stamp(branch.stateChangedAt),
      creation_source: "neon-emulator",
      primary: branch.isDefault,
      default: branch.isDefault,
      protected: branch.isProtected,
      cpu_used_sec: 0,
      compute_time_seconds: 0,
      active_time_seconds: 0,
      written_data_bytes: 0,
      data_transfer_bytes: 0,
      created_at: stamp(branch.createdAt),
      updated_at: stamp(branch.updatedAt),
      init_source: branch.initSource,
      created_by: { name: "neon-emulator" },
    };
    if (branch.parentId) {
      view.parent_id = branch.parentId;
      view.parent_lsn = "0/1000000";
      if (branch.parentTimestamp) view.parent_timestamp = stamp(branch.parentTimestamp);
    }
    if (branch.pendingState) view.pending_state = branch.pendingState;
    if (branch.expiresAt) view.expires_at = stamp(branch.expiresAt);
    if (branch.ttlIntervalSeconds !== undefined) view.ttl_interval_seconds = branch.ttlIntervalSeconds;
    if (branch.lastResetAt) view.last_reset_at = stamp(branch.lastResetAt);
    if (branch.restrictedActions?.length) view.restricted_actions = branch.restrictedActions.map((action) => ({ ...action }));
    return view;
  }

  toAnnotation(branch: BranchModel): AnnotationData {
    const annotation: AnnotationData = {
      object: { type: "console/branch", id: branch.id },
      value: branch.annotation ?? {},
    };
    if (branch.annotationCreatedAt) {
      annotation.created_at = stamp(branch.annotationCreatedAt);
      annotation.updated_at = stamp(branch.annotationCreatedAt);
    }
    return annotation;
  }

  toEndpoint(endpoint: EndpointModel, host: string): Endpoint {
    const view: Endpoint = {
      host,
      id: endpoint.id,
      project_id: this.id,
      branch_id: endpoint.branchId,
      autoscaling_limit_min_cu: 0.25,
      autoscaling_limit_max_cu: 0.25,
      region_id: this.regionId,
      type: endpoint.type,
      current_state: endpoint.state,
      settings: { pg_settings: {} },
      pooler_enabled: false,
      pooler_mode: EndpointPoolerMode.Transaction,
      disabled: false,
      passwordless_access: true,
      creation_source: "neon-emulator",
      created_at: stamp(endpoint.createdAt),
      updated_at: stamp(endpoint.updatedAt),
      proxy_host: host,
      suspend_timeout_seconds: endpoint.suspendTimeoutSeconds,
      provisioner: "k8s-neonvm",
    };
    if (endpoint.pendingState) view.pending_state = endpoint.pendingState;
    if (endpoint.startedAt) view.started_at = stamp(endpoint.startedAt);
    if (endpoint.suspendedAt) view.suspended_at = stamp(endpoint.suspendedAt);
    return view;
  }

  toRole(branch: BranchModel, role: RoleState): Role {
    return {
      branch_id: branch.id,
      name: role.name,
      protected: false,
      authentication_method: "password",
      created_at: stamp(role.createdAt),
      updated_at: stamp(role.createdAt),
    };
  }

  toDatabase(branch: BranchModel, database: DatabaseState): Database {
    return {
      id: database.id,
      branch_id: branch.id,
      name: database.name,
      owner_name: database.owner,
      created_at: stamp(database.createdAt),
      updated_at: stamp(database.createdAt),
    };
  }

  toOperation(op: OperationModel): Operation {
    const view: Operation = {
      id: op.id,
      project_id: this.id,
      action: op.action,
      status: op.status,
      failures_count: op.status === "failed" || op.status === "error" ? 1 : 0,
      created_at: stamp(op.createdAt),
      updated_at: stamp(op.updatedAt),
      total_duration_ms: (op.finishedAt ?? now()).getTime() - op.createdAt.getTime(),
    };
    if (op.branchId) view.branch_id = op.branchId;
    if (op.endpointId) view.endpoint_id = op.endpointId;
    if (op.error) view.error = op.error;
    return view;
  }
}

export { EndpointState, EndpointType };
