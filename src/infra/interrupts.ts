// Ctrl-C and SIGTERM. The first signal asks the running command to stop safely (an AbortSignal
// it checks between steps). Any later signal means "stop now", but "now" still waits for the
// cleanups that protect production: ending Prisma's server sessions (a backend outlives its
// killed client and would apply its statement later), cancelling a database copy, letting a
// rollback's swap commit. Those are registered with onForcedExit while they matter; the process
// exits 128 + the signal's number once they are done (at most FORCED_EXIT_WAIT_MS).
const FORCED_EXIT_WAIT_MS = 10_000;

type Critical = { label: string; run: () => Promise<unknown> };

const critical = new Set<Critical>();
let controller: AbortController | undefined;
let exiting = false;

/** Registers a cleanup a forced exit must run first; returns its unregister function. */
export function onForcedExit(label: string, run: () => Promise<unknown>): () => void {
  const entry = { label, run };
  critical.add(entry);
  return () => critical.delete(entry);
}

/** Installs the handlers (once per process) and returns the signal that the first interrupt aborts. */
export function listenForInterrupts(onFirst?: (signal: NodeJS.Signals) => void, onForced?: (labels: string[]) => void): AbortSignal {
  if (controller) return controller.signal;
  const own = new AbortController();
  controller = own;
  const handler = (signal: NodeJS.Signals) => {
    if (!own.signal.aborted) {
      onFirst?.(signal);
      own.abort();
      return;
    }
    if (exiting) return; // already stopping: further signals change nothing
    exiting = true;
    const pending = [...critical];
    onForced?.(pending.map((entry) => entry.label));
    const code = 128 + (signal === "SIGTERM" ? 15 : 2);
    const timeout = new Promise((resolve) => setTimeout(resolve, FORCED_EXIT_WAIT_MS).unref());
    void Promise.race([Promise.allSettled(pending.map((entry) => entry.run())), timeout]).then(() => process.exit(code));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return own.signal;
}
