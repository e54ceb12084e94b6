/**
 * Promise.all that waits for every task before throwing: the first failure (in the order given)
 * is thrown only once all have settled, so no task is still running on something the caller's
 * cleanup is about to remove (a scratch database, a connection).
 */
export async function settleAll<T extends readonly unknown[] | []>(tasks: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const outcomes = await Promise.allSettled(tasks);
  for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
