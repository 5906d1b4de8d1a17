import { describe, expect, it } from "vitest";
import { THRESHOLD_MAX, THRESHOLD_MIN } from "@/lib/policies/policy-fields";
import { perLane, rateText, splitClients, summarizeRun, writerThresholds, type LaneSample } from "./lanes";

const lane = (label: string, patch: Partial<LaneSample> = {}): LaneSample => ({ label, latencies: [], ok: 0, conflicts: 0, errors: {}, cpuMs: null, ...patch });

describe("splitClients", () => {
  it("splits evenly, the first instances taking the remainder, and loses no client", () => {
    expect(splitClients(8, 2)).toEqual([4, 4]);
    expect(splitClients(9, 2)).toEqual([5, 4]);
    expect(splitClients(8, 1)).toEqual([8]);
    expect(splitClients(2, 3)).toEqual([1, 1, 0]);
    for (let c = 0; c <= 20; c++)
      for (let n = 1; n <= 5; n++) {
        const s = splitClients(c, n);
        expect(s).toHaveLength(n);
        expect(s.reduce((a, b) => a + b, 0)).toBe(c);
        expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
      }
  });

  it("refuses what cannot be split", () => {
    expect(() => splitClients(4, 0)).toThrow();
    expect(() => splitClients(-1, 2)).toThrow();
    expect(() => splitClients(2.5, 2)).toThrow();
  });
});

describe("writerThresholds", () => {
  it("gives every writer two valid values no other writer uses", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const [a, b] = writerThresholds(i);
      expect(a).not.toBe(b);
      for (const v of [a, b]) {
        expect(v).toBeGreaterThanOrEqual(THRESHOLD_MIN);
        expect(v).toBeLessThanOrEqual(THRESHOLD_MAX);
        expect(seen.has(v)).toBe(false);
        seen.add(v);
      }
    }
    expect(() => writerThresholds(-1)).toThrow();
    expect(() => writerThresholds(THRESHOLD_MAX)).toThrow();
  });
});

describe("summarizeRun", () => {
  it("adds the lanes up and divides by the run's length", () => {
    const run = summarizeRun(
      [
        lane("A", { latencies: [10, 20, 30, 40], ok: 4, conflicts: 1, cpuMs: 50 }),
        lane("B", { latencies: [5, 5], ok: 2, errors: { "503": 1, "500": 1 }, cpuMs: 8 }),
      ],
      2,
      18,
    );
    expect(run.total).toMatchObject({ requests: 9, ok: 6, conflicts: 1, errors: 2, perSecond: 3 });
    expect(run.total.timing?.median).toBe(10);
    expect(run.lanes[0]).toMatchObject({ label: "A", requests: 5, perSecond: 2, cpuPerRequest: 10 });
    expect(run.lanes[0]!.timing?.median).toBe(20);
    expect(run.lanes[1]).toMatchObject({ label: "B", requests: 4, errors: 2, perSecond: 1, cpuPerRequest: 2 });
    expect(run.clientCpuPerRequest).toBe(2);
  });

  it("says n/a rather than inventing a CPU figure or a latency", () => {
    const run = summarizeRun([lane("A", { cpuMs: null }), lane("B", { cpuMs: 12 })], 1);
    expect(run.lanes.map((l) => l.cpuPerRequest)).toEqual([null, null]);
    expect(run.total.timing).toBeNull();
    expect(run.clientCpuPerRequest).toBeNull();
    expect(() => summarizeRun([lane("A")], 0)).toThrow();
  });

  it("shows one value per instance, or the value alone for one instance", () => {
    const two = summarizeRun([lane("A", { ok: 30, latencies: [1] }), lane("B", { ok: 10, latencies: [1] })], 10);
    expect(perLane(two, (l) => l.perSecond.toFixed(0))).toBe("A 3 · B 1");
    const one = summarizeRun([lane("A", { ok: 30, latencies: [1] })], 10);
    expect(perLane(one, (l) => l.perSecond.toFixed(0))).toBe("3");
    expect([rateText(0.4), rateText(9.96), rateText(10), rateText(148.4)]).toEqual(["0.4", "10", "10", "148"]);
  });
});
