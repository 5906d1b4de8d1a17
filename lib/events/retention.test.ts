// The purge's pacing arithmetic (lib/events/retention.ts); the purge itself runs on both databases in
// ingest.int.test.ts.
import { describe, expect, it } from "vitest";
import { PURGE_DUTY, PURGE_MAX_PAUSE_MS, purgePauseMs } from "./retention";

describe("purgePauseMs", () => {
  it("pauses so that the purge is busy `duty` of the time", () => {
    expect(PURGE_DUTY).toBe(0.25);
    expect(purgePauseMs(40, 0.25)).toBe(120); // busy 40 of 160 ms
    expect(purgePauseMs(10, 0.5)).toBe(10);
    expect(purgePauseMs(30, 0.1)).toBeCloseTo(270);
    const busy = 37;
    expect(busy / (busy + purgePauseMs(busy, 0.25))).toBeCloseTo(0.25);
  });

  it("does not pause back to back (duty 1) or after no work, and caps a pause", () => {
    expect(purgePauseMs(40, 1)).toBe(0);
    expect(purgePauseMs(0, 0.25)).toBe(0);
    expect(purgePauseMs(Number.NaN, 0.25)).toBe(0);
    expect(purgePauseMs(10_000, 0.25)).toBe(PURGE_MAX_PAUSE_MS);
    expect(purgePauseMs(10_000, 0.25, 800)).toBe(800);
  });
});
