// The HTTP side: routing under /api/v2, bearer auth, GeneralError bodies, injected faults, one
// exclusive section for mutations (Neon runs a project's operations one at a time), and the log
// of every request so tests can count API calls.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, ID_PATTERN, type HandlerResult, type RequestContext } from "./context.js";
import { faultBody, type Fault, type FaultInjector, type RouteName } from "./faults.js";
import { newRequestId } from "./state.js";

export type RequestLogEntry = {
  method: string;
  /** Path without the /api/v2 prefix, with the query string. */
  path: string;
  route: RouteName | undefined;
  /** The status sent; for a dropped response, the status that was not sent. */
  status: number;
  fault: string | undefined;
  dropped: boolean;
  at: Date;
};

export type Route = {
  name: RouteName;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  mutation: boolean;
  handle: (req: RequestContext) => HandlerResult | Promise<HandlerResult>;
};

type CompiledRoute = Route & { pattern: RegExp; keys: string[] };

const PREFIX = "/api/v2";

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.path.replace(/:(\w+)/g, (_, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { ...route, pattern: new RegExp(`^${source}$`), keys };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EmulatorServer {
  readonly log: RequestLogEntry[] = [];
  private readonly routes: CompiledRoute[];
  private readonly server: http.Server;
  private mutex: Promise<unknown> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    routes: Route[],
    private readonly options: {
      apiKey: string;
      projectId: string;
      faults: FaultInjector;
      onError: (error: unknown) => void;
      /** Starts a foreign operation (the "hold" fault). */
      onHold?: (ms: number, action?: string) => void;
    },
  ) {
    this.routes = routes.map(compile);
    this.server = http.createServer((req, res) => {
      const work = this.serve(req, res).catch(options.onError);
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${PREFIX}`;
  }

  /** Runs `fn` alone: mutations and operation effects never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.pending]);
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = (req.method ?? "GET").toUpperCase();
    const requestId = String(req.headers["x-request-id"] ?? newRequestId());
    const entry: RequestLogEntry = {
      method,
      path: url.pathname.slice(PREFIX.length) + url.search,
      route: undefined,
      status: 0,
      fault: undefined,
      dropped: false,
      at: new Date(),
    };
    this.log.push(entry);
    const rawBody = await readBody(req);
    let dropResponse = false;
    let result: HandlerResult;
    let headers: Record<string, string> = {};
    try {
      if (!url.pathname.startsWith(`${PREFIX}/`)) throw new ApiError(404, "not found");
      if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        throw new ApiError(401, "authentication required: provide a valid API key in the Authorization header");
      }
      const path = url.pathname.slice(PREFIX.length);
      const candidates = this.routes.filter((route) => route.pattern.test(path));
      const route = candidates.find((candidate) => candidate.method === method);
      if (!route) throw new ApiError(candidates.length > 0 ? 405 : 404, candidates.length > 0 ? "method not allowed" : "not found");
      entry.route = route.name;
      const match = route.pattern.exec(path)!;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(match[i + 1]!)));
      for (const key of ["project", "branch", "operation", "endpoint"]) {
        if (params[key] !== undefined && !ID_PATTERN.test(params[key])) {
          throw new ApiError(400, `${key}_id: does not match pattern ^[a-z0-9-]{1,60}$`);
        }
      }
      if (params.project !== this.options.projectId) throw new ApiError(404, "project not found");

      const fault = this.options.faults.take(route.name, method);
      entry.fault = fault?.type;
      const injected = (status: Extract<Fault, { type: "status" }>) => {
        const retryAfter: Record<string, string> =
          status.retryAfter === undefined ? {} : { "Retry-After": String(status.retryAfter) };
        const body = faultBody(status);
        return new ApiError(status.status, body.message, body.code, retryAfter);
      };
      if (fault?.type === "status" && !fault.afterApply) throw injected(fault);
      if (fault?.type === "delay") await sleep(fault.ms);
      if (fault?.type === "drop-response") dropResponse = true;
      if (fault?.type === "hold") this.options.onHold?.(fault.ms, fault.action);

      const context: RequestContext = {
        method,
        params,
        query: url.searchParams,
        body: parseBody(rawBody, req.headers["content-type"]),
        operationFailure: fault?.type === "fail-operation" ? fault : undefined,
      };
      result = route.mutation ? await this.exclusive(async () => route.handle(context)) : await route.handle(context);
      if (fault?.type === "status") throw injected(fault);
    } catch (error) {
      if (!(error instanceof ApiError)) this.options.onError(error);
      const apiError = error instanceof ApiError ? error : new ApiError(500, `neon emulator: ${String(error)}`);
      result = { status: apiError.status, body: apiError.toBody(requestId) };
      headers = apiError.headers;
    }
    entry.status = result.status;
    if (dropResponse) {
      // The request was applied; the client never hears about it.
      entry.dropped = true;
      req.socket.destroy();
      return;
    }
    const payload = result.status === 204 || result.body === undefined ? "" : JSON.stringify(result.body);
    res.writeHead(result.status, {
      ...headers,
      ...(payload ? { "Content-Type": "application/json" } : {}),
      "X-Neon-Ret-Request-Id": requestId,
    });
    res.end(payload);
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// Bodies may be absent, `{}`, or an empty form post (the client sends some POSTs that way).
function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.trim() === "") return undefined;
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ApiError(400, "request body is not valid JSON");
  }
}
