import { describe, expect, it } from "vitest";
import { clientKey } from "@/lib/events/client-key";
import { isBookkeepingRule } from "@/lib/events/rules";
import { WafEventSchema } from "@/lib/events/schema";
import { rng } from "./data";
import { clientAddressOf, CLIENT_POOL, eventTime, makeWafEvent } from "./waf-events";

const DAY = 86_400_000;
const VHOSTS = ["a.example.test", "b.example.test", "c.example.test"];

function events(seed: number, count: number) {
  const r = rng(seed);
  const start = Date.UTC(2026, 10, 6);
  return Array.from({ length: count }, (_, i) => makeWafEvent(r, seed, i, eventTime(i, count, start, 30 * DAY, r()), VHOSTS, 4));
}

describe("the seed's WAF events", () => {
  it("are what a node agent ships: each passes the ingestion schema, 2–5 matched rules, ids unique per seed", () => {
    const list = events(3, 3000);
    for (const { vhostIndex, nodeIndex, ...e } of list) {
      expect(WafEventSchema.safeParse(e).success).toBe(true);
      expect(e.matches.length).toBeGreaterThanOrEqual(2);
      expect(e.matches.length).toBeLessThanOrEqual(5);
      expect(new Set(e.matches.map((m) => m.ruleId)).size).toBe(e.matches.length);
      expect(e.matches.some((m) => !isBookkeepingRule(m.ruleId))).toBe(true);
      // A block needs the threshold's score and says so with 949110; a detection never carries it.
      expect(e.matches.some((m) => m.ruleId === 949110)).toBe(e.outcome === "blocked");
      if (e.outcome === "blocked") expect(e.inboundScore).toBeGreaterThanOrEqual(5);
      expect(e.vhost).toBe(VHOSTS[vhostIndex]);
      expect(nodeIndex).toBeLessThan(4);
    }
    expect(new Set(list.map((e) => e.transactionId)).size).toBe(list.length);
    const blocked = list.filter((e) => e.outcome === "blocked").length;
    expect(blocked).toBeGreaterThan(list.length / 10);
    expect(blocked).toBeLessThan(list.length / 2);
    // Rules of every paranoia level, with their CRS tags.
    const levels = new Set(list.flatMap((e) => e.matches.map((m) => m.paranoiaLevel)).filter((l) => l !== null));
    expect([...levels].sort()).toEqual([1, 2, 3, 4]);
    const m = list.flatMap((e) => e.matches).find((x) => x.ruleId === 942100)!;
    expect(m.tags).toEqual(expect.arrayContaining(["attack-sqli", "paranoia-level/1", "OWASP_CRS"]));
  });

  it("are the same for the same seed (so a second run stores nothing twice), other for another", () => {
    expect(events(5, 200)).toEqual(events(5, 200));
    expect(events(6, 200).map((e) => e.clientAddress)).not.toEqual(events(5, 200).map((e) => e.clientAddress));
  });

  it("come from a few busy addresses and a long tail, every one a valid IPv4 or IPv6 address", () => {
    const list = events(9, 5000);
    const perClient = new Map<string, number>();
    for (const e of list) perClient.set(e.clientAddress, (perClient.get(e.clientAddress) ?? 0) + 1);
    const sorted = [...perClient.values()].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(list.length * 0.03);
    expect(perClient.size).toBeGreaterThan(500);
    for (let i = 0; i < CLIENT_POOL; i += 97) expect(clientKey(clientAddressOf(i))).not.toBeNull();
    expect(list.some((e) => e.clientAddress.includes(":"))).toBe(true);
  });

  it("are spread in order over the span, with a daily rhythm", () => {
    const start = Date.UTC(2026, 10, 6);
    const times = Array.from({ length: 30_000 }, (_, i) => eventTime(i, 30_000, start, 30 * DAY, 0.5).getTime());
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(times[0]!).toBeGreaterThanOrEqual(start);
    expect(times.at(-1)!).toBeLessThan(start + 30 * DAY);
    const perHour = new Array(24).fill(0) as number[];
    for (const t of times) {
      const h = new Date(t).getUTCHours();
      perHour[h] = (perHour[h] ?? 0) + 1;
    }
    expect(Math.max(...perHour) / Math.min(...perHour)).toBeGreaterThan(2);
  });
});
