// The limit on event batches storing at once in one process (PALISADE_EVENT_STORE_CONCURRENCY, lib/events/ingest.ts).
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventStoreConcurrency, inStoreSlot } from "./ingest";

/** Starts `n` stores at once, each waiting for its turn to be released; returns the most that ran together and the order they started in. */
async function overlapping(n: number) {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const done = Array.from({ length: n }, (_, i) =>
    inStoreSlot(async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      return i;
    }),
  );
  // Release whatever has started, until every store has run.
  for (let released = 0; released < n; ) {
    await new Promise((r) => setTimeout(r, 5));
    while (releases.length) {
      releases.shift()!();
      released++;
    }
  }
  expect(await Promise.all(done)).toEqual(Array.from({ length: n }, (_, i) => i));
  return { most, started };
}

afterEach(() => vi.unstubAllEnvs());

describe("event batches storing at once in one process", () => {
  it("takes one batch at a time by default, in arrival order", async () => {
    vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "");
    const { most, started } = await overlapping(5);
    expect(most).toBe(1);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("lets PALISADE_EVENT_STORE_CONCURRENCY batches store together", async () => {
    vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "3");
    expect((await overlapping(7)).most).toBe(3);
  });

  it("passes a failed store's error to its batch and goes on with the next", async () => {
    vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "1");
    const failed = inStoreSlot(() => Promise.reject(new Error("connection lost")));
    const next = inStoreSlot(async () => "stored");
    await expect(failed).rejects.toThrow("connection lost");
    await expect(next).resolves.toBe("stored");
  });

  it("refuses a setting that is not a whole number from 1 to 64, saying so", () => {
    expect(eventStoreConcurrency({})).toBe(1);
    expect(eventStoreConcurrency({ PALISADE_EVENT_STORE_CONCURRENCY: " 4 " })).toBe(4);
    for (const bad of ["0", "65", "1.5", "-1", "two"]) {
      expect(() => eventStoreConcurrency({ PALISADE_EVENT_STORE_CONCURRENCY: bad })).toThrow(`PALISADE_EVENT_STORE_CONCURRENCY must be a whole number from 1 to 64; got "${bad}"`);
    }
  });
});
