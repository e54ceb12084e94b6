// Helpers for tests that drive the emulator through the real @neondatabase/api-client.
import { createApiClient, type Api, type Operation } from "@neondatabase/api-client";
import pg from "pg";
import type { NeonEmulator } from "./index.js";

export function apiFor(neon: NeonEmulator, options: { apiKey?: string | null; timeout?: number } = {}): Api<unknown> {
  return createApiClient({
    apiKey: options.apiKey === undefined ? neon.apiKey : options.apiKey,
    baseURL: neon.baseURL,
    timeout: options.timeout ?? 30_000,
  });
}

/** Polls each operation until it is terminal; returns their final state. */
export async function waitForOperations(api: Api<unknown>, neon: NeonEmulator, ops: Operation[]): Promise<Operation[]> {
  const done: Operation[] = [];
  for (const op of ops) {
    let current = op;
    while (current.status === "scheduling" || current.status === "running" || current.status === "cancelling") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = (await api.getProjectOperation(neon.projectId, op.id)).data.operation;
    }
    done.push(current);
  }
  return done;
}

/** The HTTP status and GeneralError body of a failed call. */
export async function failure(call: Promise<unknown>): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    // axios is the client's own dependency, not ours: recognise its errors by shape.
    const response = (error as { isAxiosError?: boolean; response?: { status: number; data: unknown; headers: object } })
      .response;
    if ((error as { isAxiosError?: boolean }).isAxiosError && response) {
      return { status: response.status, body: response.data, headers: { ...response.headers } };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

export async function connectError(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return String((error as Error).message);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A session that the emulator may terminate (restore, delete): its errors are expected. */
export async function openSession(url: string): Promise<pg.Client & { terminated: () => boolean }> {
  const client = new pg.Client({ connectionString: url });
  let terminated = false;
  client.on("error", () => {
    terminated = true;
  });
  await client.connect();
  return Object.assign(client, { terminated: () => terminated });
}
