import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FailureLimiter } from "./rate-limit";

// The limiter reads the clock (Date.now) and its store forgets keys by timers: both are faked here.
beforeEach(() => void vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] }));
afterEach(() => void vi.useRealTimers());
const at = (ms: number) => vi.setSystemTime(ms);
const advance = (ms: number) => vi.advanceTimersByTime(ms);

describe("FailureLimiter", () => {
  it("blocks a key after `limit` failures in the window and says for how long", async () => {
    at(1_000_000);
    const l = new FailureLimiter({ limit: 3, windowMs: 60_000 });
    await l.fail("a");
    advance(10_000);
    await l.fail("a");
    expect(await l.retryAfter("a")).toBeNull();
    advance(10_000);
    await l.fail("a");
    // Oldest failure at t0 leaves the window at t0 + 60 s; now is t0 + 20 s.
    expect(await l.retryAfter("a")).toBe(40);
    expect(await l.retryAfter("b")).toBeNull();
    advance(40_000);
    expect(await l.retryAfter("a")).toBeNull();
  });

  it("old failures stop counting", async () => {
    at(0);
    const l = new FailureLimiter({ limit: 2, windowMs: 1000 });
    await l.fail("a");
    advance(1500);
    await l.fail("a");
    expect(await l.retryAfter("a")).toBeNull();
    advance(100);
    await l.fail("a");
    expect(await l.retryAfter("a")).toBe(1);
  });

  it("keeps its memory bounded", async () => {
    at(0);
    const l = new FailureLimiter({ limit: 2, windowMs: 1000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) {
      advance(1);
      await l.fail(`ip-${i}`);
    }
    expect(l.size).toBeLessThanOrEqual(100);
    // The most recent keys are the ones kept.
    await l.fail("ip-999");
    expect(await l.retryAfter("ip-999")).not.toBeNull();
    // A forgotten key really is forgotten by the store, not only by the count.
    await l.fail("ip-0");
    expect(await l.retryAfter("ip-0")).toBeNull();
  });
});
