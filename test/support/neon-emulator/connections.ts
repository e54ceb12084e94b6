// Endpoints, databases, roles, passwords and connection URIs of a branch. A URI reaches the real
// database that holds the branch's data: host and port of the test server (or of the
// pass-through "pooler"), the branch's physical database name, and a real role and password.
import net from "node:net";
import type {
  ConnectionDetails,
  ConnectionURIResponse,
  DatabasesResponse,
  EndpointsResponse,
  RolePasswordResponse,
  RolesResponse,
} from "@neondatabase/api-client";
import { ApiError, queryFlag, requireId, type EmulatorContext, type HandlerResult, type RequestContext } from "./context.js";
import { branchDatabaseName, dataKeyOf, type BranchModel } from "./state.js";

export function connectionUri(ctx: EmulatorContext, branch: BranchModel, database: string, role: string, pooled = false): string {
  const roleState = branch.roles.find((candidate) => candidate.name === role);
  if (!roleState) throw new ApiError(404, "role not found");
  const host = pooled ? ctx.poolerHost : ctx.host;
  const params = ctx.settings.connectionParams ? `?${ctx.settings.connectionParams}` : "";
  const user = encodeURIComponent(roleState.name);
  const password = encodeURIComponent(roleState.password);
  return `postgresql://${user}:${password}@${host}/${encodeURIComponent(branchDatabaseName(dataKeyOf(branch), database))}${params}`;
}

/** `connection_uris` of a create response: only with an endpoint, one role and one database. */
export function connectionUris(ctx: EmulatorContext, branch: BranchModel): ConnectionDetails[] | undefined {
  const [role] = branch.roles;
  const [database] = branch.databases;
  if (!ctx.project.readWriteEndpoint(branch.id) || !role || !database) return undefined;
  if (branch.roles.length !== 1 || branch.databases.length !== 1) return undefined;
  return [
    {
      connection_uri: connectionUri(ctx, branch, database.name, role.name),
      connection_parameters: {
        database: branchDatabaseName(dataKeyOf(branch), database.name),
        password: role.password,
        role: role.name,
        host: ctx.host,
        pooler_host: ctx.poolerHost,
      },
    },
  ];
}

function branchOr404(ctx: EmulatorContext, id: string): BranchModel {
  const branch = ctx.project.branch(requireId(id, "branch_id"));
  if (!branch) throw new ApiError(404, "branch not found");
  return branch;
}

export async function listBranchEndpoints(ctx: EmulatorContext, req: RequestContext): Promise<HandlerResult> {
  const branch = branchOr404(ctx, req.params.branch!);
  const body: EndpointsResponse = {
    endpoints: ctx.project.endpointsOf(branch.id).map((endpoint) => ctx.project.toEndpoint(endpoint, ctx.host)),
  };
  return { status: 200, body };
}

export async function listProjectEndpoints(ctx: EmulatorContext): Promise<HandlerResult> {
  const body: EndpointsResponse = {
    endpoints: [...ctx.project.endpoints.values()].map((endpoint) => ctx.project.toEndpoint(endpoint, ctx.host)),
  };
  return { status: 200, body };
}

export async function listDatabases(ctx: EmulatorContext, req: RequestContext): Promise<HandlerResult> {
  const branch = branchOr404(ctx, req.params.branch!);
  const body: DatabasesResponse = { databases: branch.databases.map((db) => ctx.project.toDatabase(branch, db)) };
  return { status: 200, body };
}

export async function listRoles(ctx: EmulatorContext, req: RequestContext): Promise<HandlerResult> {
  const branch = branchOr404(ctx, req.params.branch!);
  const body: RolesResponse = { roles: branch.roles.map((role) => ctx.project.toRole(branch, role)) };
  return { status: 200, body };
}

export async function revealPassword(ctx: EmulatorContext, req: RequestContext): Promise<HandlerResult> {
  const branch = branchOr404(ctx, req.params.branch!);
  const role = branch.roles.find((candidate) => candidate.name === req.params.role);
  if (!role) throw new ApiError(404, "role not found");
  const body: RolePasswordResponse = { password: role.password };
  return { status: 200, body };
}

export async function getConnectionUri(ctx: EmulatorContext, req: RequestContext): Promise<HandlerResult> {
  const database = req.query.get("database_name");
  const role = req.query.get("role_name");
  if (!database) throw new ApiError(400, "database_name: is required");
  if (!role) throw new ApiError(400, "role_name: is required");
  const branchId = req.query.get("branch_id");
  const endpointId = req.query.get("endpoint_id");
  let branch = branchId ? branchOr404(ctx, branchId) : ctx.project.defaultBranch();
  if (endpointId) {
    const endpoint = ctx.project.endpoints.get(requireId(endpointId, "endpoint_id"));
    if (!endpoint || (branchId && endpoint.branchId !== branch.id)) throw new ApiError(404, "endpoint not found");
    branch = branchOr404(ctx, endpoint.branchId);
  } else if (!ctx.project.readWriteEndpoint(branch.id)) {
    throw new ApiError(404, "read_write endpoint not found");
  }
  if (!branch.databases.some((db) => db.name === database)) throw new ApiError(404, "database not found");
  const body: ConnectionURIResponse = { uri: connectionUri(ctx, branch, database, role, queryFlag(req.query, "pooled")) };
  return { status: 200, body };
}

/**
 * The "pooler": a plain TCP pass-through to the server, so pooled URIs differ from direct ones
 * (other port, as Neon's differ by host) and still connect. It does not emulate PgBouncer's
 * transaction mode.
 */
export async function startPooler(target: { host: string; port: number }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
