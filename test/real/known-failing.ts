// Cases of the real-project corpus that assert the right behaviour but fail on today's code (the
// fixes of issues 13 and 14 are being made elsewhere). Each project's KNOWN_FAILING table names
// them with the reason; they run as it.fails() under a describe named KNOWN_FAILING, so the suite
// stays green while they fail, and turns red the day one passes: then delete its entry.
import { describe, expect, it } from "vitest";

export type RealCase = () => Promise<void>;

export function registerCases(cases: Record<string, RealCase>, knownFailing: Record<string, string>, timeoutMs: number): void {
  for (const [name, run] of Object.entries(cases)) if (!(name in knownFailing)) it(name, run, timeoutMs);
  describe("KNOWN_FAILING: fails on today's code; fails here the day it passes (then remove it from the table)", () => {
    it("lists only cases that exist", () => {
      expect(Object.keys(knownFailing).filter((name) => !(name in cases))).toEqual([]);
    });
    for (const [name, reason] of Object.entries(knownFailing)) if (cases[name]) it.fails(`${name} (${reason})`, cases[name], timeoutMs);
  });
}
