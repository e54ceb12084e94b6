// TEST-ONLY preload, loaded into the Prisma CLI through NODE_OPTIONS by test/support/cli.ts.
//
// Prisma 6.19's WebAssembly schema engine arms a 10 s setTimeout (its advisory-lock timeout) and
// never clears it, so after `migrate deploy` has finished its work the process idles 10 s before
// exiting. Unreferencing timers of 10 s or more lets the process exit when its work is done
// (a deploy then takes about 1.4 s instead of 11 s). It changes no result: the engine's work is
// awaited; only an idle wait is skipped. Never shipped to users: dbship runs their Prisma as is.
const original = globalThis.setTimeout;
globalThis.setTimeout = function patchedSetTimeout(callback, ms, ...args) {
  const timer = original(callback, ms, ...args);
  if (typeof ms === "number" && ms >= 10_000 && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
