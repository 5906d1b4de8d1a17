import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./rate-limit";

describe("FailureLimiter", () => {
  it("blocks a key after `limit` failures in the window and says for how long", () => {
    let now = 1_000_000;
    const l = new FailureLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    l.fail("a");
    now += 10_000;
    l.fail("a");
    expect(l.retryAfter("a")).toBeNull();
    now += 10_000;
    l.fail("a");
    // Oldest failure at t0 leaves the window at t0 + 60 s; now is t0 + 20 s.
    expect(l.retryAfter("a")).toBe(40);
    expect(l.retryAfter("b")).toBeNull();
    now += 40_000;
    expect(l.retryAfter("a")).toBeNull();
  });

  it("slides: old failures stop counting", () => {
    let now = 0;
    const l = new FailureLimiter({ limit: 2, windowMs: 1000, now: () => now });
    l.fail("a");
    now = 1500;
    l.fail("a");
    expect(l.retryAfter("a")).toBeNull();
    now = 1600;
    l.fail("a");
    expect(l.retryAfter("a")).toBe(1);
  });

  it("keeps its memory bounded", () => {
    let now = 0;
    const l = new FailureLimiter({ limit: 2, windowMs: 1000, maxKeys: 100, now: () => now });
    for (let i = 0; i < 1000; i++) {
      now++;
      l.fail(`ip-${i}`);
    }
    expect(l.size).toBeLessThanOrEqual(100);
    // The most recent keys are the ones kept.
    l.fail("ip-999");
    expect(l.retryAfter("ip-999")).not.toBeNull();
  });
});
