// `npm run seed:scale -- --waf-events N` on both databases: the events land as ingestion stores them, spread
// over 30 days, with their rule matches, and the /events queries (lib/events/queries.ts) read them; a second
// run of the same seed stores nothing twice, and an interrupted one is completed.
import { describe, expect, it } from "vitest";
import { db, Prisma } from "@/lib/db";
import { eventId } from "@/lib/events/ingest";
import { eventTimeline, eventTops, listEvents } from "@/lib/events/queries";
import { parseCidr } from "@/lib/policies/cidr";
import { seedScale } from "./seed-scale";

const url = process.env.DATABASE_URL!;
const NOW = new Date("2026-12-06T12:00:00.000Z");
const DAY = 86_400_000;
const N = 2000;
const opts = { url, vhosts: 0, events: 0, wafEvents: N, wafBatch: 300, seed: 7, quiet: true, now: NOW };

async function counts() {
  return { events: await db.wafEvent.count(), matches: await db.wafEventMatch.count() };
}

describe(`seed:scale --waf-events (${process.env.TEST_DB})`, () => {
  it("fills the events over the last 30 days, each with 2–5 rule matches, as ingestion stores them", async () => {
    const r = await seedScale({ ...opts, vhosts: 6 });
    expect(r.waf).toMatchObject({ inserted: N, skipped: 0 });
    const c = await counts();
    expect(c.events).toBe(N);
    expect(c.matches).toBe(r.waf.matches);
    expect(c.matches).toBeGreaterThan(2 * N);

    // Every event has its match rows (2 to 5 distinct rules), and its id is ingestion's (node, transaction id).
    const [per] = await db.$queryRaw<{ lo: number | bigint; hi: number | bigint; events: number | bigint }[]>(
      Prisma.sql`SELECT MIN(n) AS lo, MAX(n) AS hi, COUNT(*) AS events FROM (SELECT COUNT(*) AS n FROM "WafEventMatch" GROUP BY "eventId") x`,
    );
    expect({ lo: Number(per!.lo), hi: Number(per!.hi), events: Number(per!.events) }).toEqual({ lo: 2, hi: 5, events: N });
    const sample = await db.wafEvent.findMany({ take: 50, select: { id: true, nodeId: true, transactionId: true, matches: true, clientKey: true, uri: true, path: true } });
    for (const e of sample) {
      expect(e.id).toBe(eventId(e.nodeId, e.transactionId));
      expect(Array.isArray(e.matches) ? e.matches.length : 0).toBeGreaterThanOrEqual(2);
      expect(e.clientKey).toMatch(/^(4[0-9a-f]{8}|6[0-9a-f]{32})$/);
      expect(e.uri.startsWith(e.path)).toBe(true);
    }
    expect(new Set((await db.wafEvent.findMany({ select: { nodeId: true }, distinct: ["nodeId"] })).map((e) => e.nodeId)).size).toBe(4);
    expect((await db.wafEvent.findMany({ select: { vhostId: true }, distinct: ["vhostId"] })).length).toBeGreaterThanOrEqual(3);

    // Spread over the 30 days up to now: every day has events.
    const span = await db.wafEvent.aggregate({ _min: { occurredAt: true }, _max: { occurredAt: true } });
    expect(span._min.occurredAt!.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 30 * DAY);
    expect(span._max.occurredAt!.getTime()).toBeLessThan(NOW.getTime());
    expect(span._max.occurredAt!.getTime() - span._min.occurredAt!.getTime()).toBeGreaterThan(29 * DAY);
    const timeline = await eventTimeline({ range: "30d" }, NOW);
    expect(timeline.unit).toBe("day");
    expect(timeline.buckets.filter((b) => b.blocked + b.detected > 0).length).toBeGreaterThanOrEqual(30);
    const blocked = timeline.buckets.reduce((s, b) => s + b.blocked, 0);
    const detected = timeline.buckets.reduce((s, b) => s + b.detected, 0);
    expect(blocked + detected).toBe(N);
    // Mostly detected, some blocked.
    expect(blocked).toBeGreaterThan(N / 10);
    expect(detected).toBeGreaterThan(blocked);
    // The seed fills the hourly rollup as ingestion does: the tops and the timeline read through it are the raw rows' own.
    for (const range of ["24h", "7d", "30d"] as const) {
      expect(await eventTops({ range }, NOW)).toEqual(await eventTops({ range }, NOW, { rollup: false }));
      expect(await eventTimeline({ range }, NOW)).toEqual(await eventTimeline({ range }, NOW, { rollup: false }));
    }
  });

  it("is read by the /events queries: keyset pages through all of them, tops, rule and CIDR filters", async () => {
    const seen = new Set<string>();
    let before: { at: Date; id: string } | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await listEvents({ filter: { range: "30d" }, before, now: NOW });
      for (const row of page.rows) {
        expect(row.scoringRules.length).toBeGreaterThanOrEqual(1);
        seen.add(row.id);
      }
      if (!page.older) break;
      before = page.older;
    }
    expect(seen.size).toBe(N);

    const tops = await eventTops({ range: "30d" }, NOW);
    expect(tops.rules.length).toBe(10);
    expect(tops.paths.length).toBe(10);
    // A heavy head: the busiest client address sent far more than an even share (2,000 over 60,000 addresses).
    expect(tops.clients[0]!.count).toBeGreaterThanOrEqual(40);
    const busiest = tops.rules[0]!;
    const byRule = await listEvents({ filter: { range: "30d", rule: busiest.key }, now: NOW, limit: 500 });
    expect(byRule.rows.length).toBe(Math.min(500, busiest.count));
    expect(byRule.rows.every((row) => row.scoringRules.includes(busiest.key))).toBe(true);
    // Keyset pages of a rule filter (walked down the rule's match rows) cover every one of its events once, newest first.
    const ruleIds: string[] = [];
    let cursor: { at: Date; id: string } | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await listEvents({ filter: { range: "30d", rule: busiest.key }, before: cursor, now: NOW, limit: 40 });
      ruleIds.push(...page.rows.map((row) => row.id));
      if (!page.older) break;
      cursor = page.older;
    }
    expect(new Set(ruleIds).size).toBe(busiest.count);
    expect(ruleIds.slice(0, 500)).toEqual(byRule.rows.map((row) => row.id));
    const back = await listEvents({ filter: { range: "30d", rule: busiest.key }, after: { at: byRule.rows[45]!.occurredAt, id: byRule.rows[45]!.id }, now: NOW, limit: 5 });
    expect(back.rows.map((row) => row.id)).toEqual(byRule.rows.slice(40, 45).map((row) => row.id));

    const scanners = parseCidr("45.148.10.0/24");
    if (!scanners.ok) throw new Error(scanners.error);
    const byClient = await listEvents({ filter: { range: "30d", client: scanners.value }, now: NOW, limit: 500 });
    expect(byClient.rows.length).toBeGreaterThan(0);
    expect(byClient.rows.every((row) => row.clientAddress.startsWith("45.148.10."))).toBe(true);
    const [scannerCount] = await db.$queryRaw<{ n: number | bigint }[]>(Prisma.sql`SELECT COUNT(*) AS n FROM "WafEvent" WHERE "clientAddress" LIKE '45.148.10.%'`);
    expect(byClient.rows.length).toBe(Math.min(500, Number(scannerCount!.n)));
  });

  it("stores nothing twice when run again with the same seed, and completes an interrupted run", async () => {
    const before = await counts();
    const again = await seedScale(opts);
    expect(again.waf).toMatchObject({ inserted: 0, skipped: N, matches: 0 });
    expect(await counts()).toEqual(before);

    // As if the first run had stopped after 1,500 events: the newest 500 (and their matches) are gone.
    await db.$executeRaw(Prisma.sql`DELETE FROM "WafEventMatch" WHERE "eventId" IN (SELECT "id" FROM "WafEvent" ORDER BY "occurredAt" DESC LIMIT 500)`);
    await db.$executeRaw(Prisma.sql`DELETE FROM "WafEvent" WHERE "id" IN (SELECT "id" FROM "WafEvent" ORDER BY "occurredAt" DESC LIMIT 500)`);
    expect((await counts()).events).toBe(N - 500);
    const resumed = await seedScale(opts);
    expect(resumed.waf.inserted).toBe(500);
    expect(await counts()).toEqual(before);
  });
});
