// Project and operation reads.
import type { OperationResponse, OperationsResponse, PaginationResponse, ProjectResponse } from "@neondatabase/api-client";
import { ApiError, type EmulatorContext, type HandlerResult, type RequestContext } from "./context.js";

export function getProject(ctx: EmulatorContext): HandlerResult {
  const owner = { email: "emulator@neon.invalid", name: "neon-emulator", branches_limit: ctx.settings.branchLimit, subscription_type: ctx.settings.plan as never };
  const body: ProjectResponse = { project: ctx.project.toProject(ctx.host, owner) };
  return { status: 200, body };
}

export function getOperation(ctx: EmulatorContext, req: RequestContext): HandlerResult {
  const op = ctx.project.operations.find((candidate) => candidate.id === req.params.operation);
  if (!op) throw new ApiError(404, "operation not found");
  const body: OperationResponse = { operation: ctx.project.toOperation(op) };
  return { status: 200, body };
}

/** Newest first; the cursor is the offset of the next page (Neon's `pagination.cursor`). */
export function listOperations(ctx: EmulatorContext, req: RequestContext): HandlerResult {
  const limitText = req.query.get("limit");
  const limit = limitText === null ? 10 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ApiError(400, "limit: must be between 1 and 1000");
  const cursor = req.query.get("cursor");
  const offset = cursor === null ? 0 : Number(cursor);
  if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, "cursor: invalid value");
  const all = [...ctx.project.operations].reverse();
  const page = all.slice(offset, offset + limit);
  const body: OperationsResponse & PaginationResponse = {
    operations: page.map((op) => ctx.project.toOperation(op)),
  };
  if (offset + limit < all.length) body.pagination = { cursor: String(offset + limit) };
  return { status: 200, body };
}
