// The limit on event batches storing at once in one process (PALISADE_EVENT_STORE_CONCURRENCY, lib/events/ingest.ts).
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventId, eventStoreConcurrency, inStoreSlot, matchRows, NUL_STAND_IN, storable } from "./ingest";

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

describe("an event's rows", () => {
  const match = (ruleId: number, tags: string[]) => ({ ruleId, message: "m", tags, severity: 2, paranoiaLevel: 1, variable: "ARGS:q", data: "x", value: "x" });
  const event = (matches: ReturnType<typeof match>[]) => ({
    transactionId: "t1", time: "2026-12-07T10:00:00Z", vhost: "shop.example.com", clientAddress: "203.0.113.7", method: "GET", uri: "/?q=x",
    status: 403, outcome: "blocked" as const, inboundScore: 5, outboundScore: 0, matches,
  });
  const at = new Date("2026-12-07T10:00:00Z");

  it("one match row per rule, in rule order, tags deduplicated with | made /, rules logged twice merged", () => {
    const rows = (m: ReturnType<typeof match>[]) => matchRows("e1", event(m), "v1", at).map((r) => [r[1], r[5], r[6]]);
    expect(rows([match(942100, ["attack-sqli", "a|b", "attack-sqli"]), match(949110, [])])).toEqual([
      [942100, true, "|attack-sqli|a/b|"],
      [949110, false, ""],
    ]);
    // Out of order and a rule twice: the same rows as if the node had logged them once each, in order.
    expect(rows([match(949110, []), match(942100, ["attack-sqli"]), match(942100, ["paranoia-level/1", "attack-sqli"])])).toEqual([
      [942100, true, "|attack-sqli|paranoia-level/1|"],
      [949110, false, ""],
    ]);
  });

  it("returns a clean event as it is and replaces NUL and lone surrogates in a copy, leaving the original alone", () => {
    const clean = event([match(942100, ["attack-sqli"])]);
    expect(storable(clean)).toBe(clean);
    const dirty = event([match(942100, ["attack-sqli"]), { ...match(920270, []), data: "a\u0000b", value: "\ud800" }]);
    const stored = storable(dirty);
    expect(stored).not.toBe(dirty);
    expect(stored.matches[1]).toMatchObject({ data: `a${NUL_STAND_IN}b`, value: "\ufffd" });
    expect(stored.matches[0]).toBe(dirty.matches[0]);
    expect(dirty.matches[1]!.data).toBe("a\u0000b");
  });

  it("derives the same id from the same node and transaction, as it always has (a version-8 UUID)", () => {
    const id = eventId("7f0c0a0e-8f1b-4c1e-9a7e-1d2a3b4c5d6e", "aBcD1234");
    // The value stored events already carry: a change here would store every retried event a second time.
    expect(id).toBe("1a3f3621-a741-8602-a310-a66e3ebf88ed");
    expect(eventId("7f0c0a0e-8f1b-4c1e-9a7e-1d2a3b4c5d6e", "aBcD1234")).toBe(id);
    expect(eventId("7f0c0a0e-8f1b-4c1e-9a7e-1d2a3b4c5d6e", "aBcD1235")).not.toBe(id);
  });
});
