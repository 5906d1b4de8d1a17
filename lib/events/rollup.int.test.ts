// The hourly rollup (lib/events/rollup.ts) against the raw tables, on both databases: the table equals a
// recount of the stored events after ingestion, duplicates, retries, concurrent batches sharing events
// and retention; and /events' tops and timeline read through it answer exactly what the raw statements
// answer, for random ranges (partial hours at both ends) and vhost / outcome filters.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { forgetRollup } from "@/lib/bench/ingest";
import { insertEvents } from "@/lib/testing/event-fixtures";
import type { EventFilter } from "./filters";
import { storeEvents, type StoredEvent } from "./ingest";
import { eventTimeline, eventTops, rollupTop } from "./queries";
import { pruneEvents } from "./retention";
import { ALL_VHOSTS, DAY_MS, dayOf, HOURLY_KINDS, hourOf, ROLLUP_TABLE, rollupPlan } from "./rollup";
import { lowerRollupMark, readRollupMark, readRollupMarks, rollupClosedHours } from "./rollup-job";
import { isScoringRule } from "./rules";
import type { WafEvent } from "./schema";

// Concurrent batches here race in the database as they would from several panel instances: each process stores
// one batch at a time by default (PALISADE_EVENT_STORE_CONCURRENCY, lib/events/ingest.ts), which would line them up.
beforeAll(() => {
  vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "16");
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const V1 = "a1111111-1111-4111-8111-111111111111";
const V2 = "a2222222-2222-4222-8222-222222222222";
const V3 = "a3333333-3333-4333-8333-333333333333";
const NODE = { id: "b0000000-0000-4000-8000-000000000001", appliedRevision: 3 };
const NODE2 = { id: "b0000000-0000-4000-8000-000000000002", appliedRevision: null };
/** 12 hours of events from START, ~330 an hour, heavy-headed clients, paths and rules. */
const START = Date.parse("2026-11-20T06:00:00Z");
const SPAN = 12 * 3_600_000;
const RECEIVED = new Date("2026-11-21T00:00:00Z");
const RULES = [942100, 942190, 941100, 941110, 930100, 930120, 932100, 920350, 920440, 913100, 921110, 920273, 942430, 941320, 920300, 949110, 980170];

/** A small deterministic generator (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeEvents(seed: number, count: number, prefix: string, start = START): StoredEvent[] {
  const r = rng(seed);
  const skew = (n: number, p: number) => Math.floor(Math.pow(r(), p) * n);
  const out: StoredEvent[] = [];
  for (let i = 0; i < count; i++) {
    const vhostId = [V1, V2, V3][skew(3, 1.5)]!;
    const ruleIds = new Set<number>();
    for (let k = 0, want = 1 + skew(3, 1.5); k < want; k++) ruleIds.add(RULES[skew(RULES.length, 2)]!);
    const event: WafEvent = {
      transactionId: `${prefix}-${i}`,
      time: new Date(start + Math.floor(r() * SPAN)).toISOString(),
      vhost: "rollup.test",
      // 12 busy addresses send about half; a long tail of 2,000 the rest.
      clientAddress: r() < 0.5 ? `45.148.10.${skew(12, 1)}` : `10.${skew(8, 1)}.${skew(250, 1)}.${1 + skew(3, 1)}`,
      method: "GET",
      uri: `/p${skew(40, 3)}?q=${i}`,
      status: 403,
      outcome: r() < 0.35 ? "blocked" : "detected",
      inboundScore: 5,
      outboundScore: 0,
      matches: [...ruleIds].map((ruleId) => ({ ruleId, message: `Rule ${ruleId}`, tags: ["attack-sqli"], severity: 2, paranoiaLevel: 1, variable: "ARGS:q", data: "x", value: "x" })),
    };
    out.push({ node: i % 7 === 0 ? NODE2 : NODE, event, vhostId, receivedAt: RECEIVED });
  }
  return out;
}

/** The rollup recounted from the raw tables, as "kind|vhost|key|hour|outcome" → n. */
async function recount(): Promise<Map<string, number>> {
  const events = await db.wafEvent.findMany({ select: { id: true, occurredAt: true, vhostId: true, outcome: true, clientAddress: true, path: true } });
  const ids = new Set(events.map((e) => e.id));
  const matches = await db.wafEventMatch.findMany({ where: { scoring: true }, select: { eventId: true, ruleId: true, occurredAt: true, vhostId: true, outcome: true } });
  const counts = new Map<string, number>();
  const add = (kind: string, vhostId: string | null, key: string, at: Date, outcome: string) => {
    for (const v of [vhostId ?? "", ALL_VHOSTS]) {
      const k = [kind, v, key, hourOf(at).toISOString(), outcome].join("|");
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  };
  for (const e of events) {
    add("total", e.vhostId, "", e.occurredAt, e.outcome);
    add("client", e.vhostId, e.clientAddress, e.occurredAt, e.outcome);
    add("path", e.vhostId, e.path, e.occurredAt, e.outcome);
  }
  for (const m of matches) if (ids.has(m.eventId)) add("rule", m.vhostId, String(m.ruleId), m.occurredAt, m.outcome);
  return counts;
}

/** The hours' rows of the rollup, as "kind|vhost|key|hour|outcome" → n. */
async function stored(): Promise<Map<string, number>> {
  const rows = await db.wafEventHourly.findMany({ where: { kind: { in: [...HOURLY_KINDS] } } });
  return new Map(rows.map((r) => [[r.kind, r.vhostId, r.key, r.hour.toISOString(), r.outcome].join("|"), r.n]));
}

/** The days' rows of the days /events may read (from daysFrom, ended by the mark), as "kind|vhost|key|day|outcome" → n. */
async function storedDays(): Promise<Map<string, number>> {
  const { through, daysFrom } = await readRollupMarks();
  if (!daysFrom) return new Map();
  const rows = await db.wafEventHourly.findMany({ where: { kind: { startsWith: "day:" }, hour: { gte: daysFrom, lte: new Date(through.getTime() - DAY_MS) } } });
  return new Map(rows.map((r) => [[r.kind, r.vhostId, r.key, r.hour.toISOString(), r.outcome].join("|"), r.n]));
}

/** Those days summed from the hours' rows `hours`. */
async function daysOf(hours: Map<string, number>): Promise<Map<string, number>> {
  const { through, daysFrom } = await readRollupMarks();
  const out = new Map<string, number>();
  if (!daysFrom) return out;
  for (const [k, n] of hours) {
    const [kind, vhost, key, hour, outcome] = k.split("|");
    const day = dayOf(new Date(hour!));
    if (day < daysFrom || day.getTime() + DAY_MS > through.getTime()) continue;
    const dk = [`day:${kind}`, vhost, key, day.toISOString(), outcome].join("|");
    out.set(dk, (out.get(dk) ?? 0) + n);
  }
  return out;
}

const sorted = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));

/** The hours' rows equal a recount of the raw rows, and every readable day's rows the sum of its hours. */
async function expectRollupExact() {
  const want = await recount();
  expect(want.size).toBeGreaterThan(0);
  expect(sorted(await stored())).toEqual(sorted(want));
  expect(sorted(await storedDays())).toEqual(sorted(await daysOf(want)));
}

/** Tops and timeline through the rollup equal the raw statements' answers. */
async function expectSameAnswers(filter: EventFilter, now: Date) {
  const [tops, rawTops, line, rawLine] = await Promise.all([eventTops(filter, now), eventTops(filter, now, { rollup: false }), eventTimeline(filter, now), eventTimeline(filter, now, { rollup: false })]);
  expect(tops, JSON.stringify({ filter, now })).toEqual(rawTops);
  expect(line, JSON.stringify({ filter, now })).toEqual(rawLine);
  return tops;
}

const FILTERS: EventFilter[] = [{}, { vhost: V1 }, { outcome: "blocked" }, { vhost: V2, outcome: "detected" }];

describe(`hourly rollup (${process.env.TEST_DB})`, () => {
  const events = makeEvents(18, 4000, "r");

  beforeAll(async () => {
    for (let i = 0; i < events.length; i += 500) await storeEvents(events.slice(i, i + 500));
  });

  it("counts exactly what ingestion stored, and nothing twice on a retry, a repeated event or an overlapping batch", async () => {
    await expectRollupExact();
    const before = await stored();
    // The same batch again, a batch repeating one event, and a batch half old and half new.
    expect(await storeEvents(events.slice(0, 500))).toBe(0);
    expect(await storeEvents([events[3]!, events[3]!, events[4]!])).toBe(0);
    const extra = makeEvents(19, 200, "extra");
    expect(await storeEvents([...events.slice(500, 700), ...extra])).toBe(200);
    const after = await stored();
    expect(after).not.toEqual(before);
    await expectRollupExact();
    // A new event twice in one batch is stored and counted once.
    const twice = makeEvents(20, 1, "twice");
    expect(await storeEvents([twice[0]!, twice[0]!])).toBe(1);
    await expectRollupExact();
  });

  it("answers the tops and the timeline exactly as the raw rows do, for random ranges and filters", async () => {
    const r = rng(7);
    let pruned = 0;
    let full = 0;
    for (let i = 0; i < 40; i++) {
      // Ranges from minutes to the whole span, starting and ending anywhere (ms included), some past the data.
      const from = START - 3_600_000 + Math.floor(r() * (SPAN + 2 * 3_600_000));
      const to = from + Math.floor(r() * r() * (SPAN + 3_600_000)) + 1;
      const filter: EventFilter = { ...FILTERS[i % FILTERS.length], from: new Date(from), to: new Date(to) };
      const tops = await expectSameAnswers(filter, new Date(to + 1000));
      if (tops.clients.length >= 10) full++;
      const plan = rollupPlan(filter, { from: new Date(from), to: new Date(to) }, await readRollupMark());
      if (plan && (await rollupTop("client", filter, plan)).candidates !== null) pruned++;
    }
    // The threshold path (candidates only) ran, not only the sum over every key.
    expect(pruned).toBeGreaterThan(3);
    expect(full).toBeGreaterThan(15);
    // The presets, an hour-aligned range (no raw part), a range within one hour (no rollup) and a day timeline.
    const end = new Date(START + SPAN - 17 * 60_000 - 123);
    for (const f of FILTERS) {
      for (const range of ["1h", "24h", "7d", "30d"] as const) await expectSameAnswers({ ...f, range }, end);
      await expectSameAnswers({ ...f, from: new Date(START + 3_600_000), to: new Date(START + 5 * 3_600_000) }, end);
      await expectSameAnswers({ ...f, from: new Date(START + 3_600_000 + 5), to: new Date(START + 2 * 3_600_000 - 5) }, end);
    }
    // Upper-case vhost ids read the same rows (the filter lower-cases them).
    const plan = rollupPlan({ vhost: V1 }, { from: new Date(START), to: new Date(START + SPAN) }, await readRollupMark());
    expect(plan?.vhostId).toBe(V1);
    expect(rollupPlan({ rule: 942100 }, { from: new Date(START), to: new Date(START + SPAN) }, await readRollupMark())).toBeNull();
  });

  it("ranks the busy keys first, as the data was made", async () => {
    const tops = await expectSameAnswers({ from: new Date(START), to: new Date(START + SPAN) }, new Date(START + SPAN));
    expect(tops.clients.slice(0, 5).every((c) => c.key.startsWith("45.148.10."))).toBe(true);
    expect(tops.rules.every((t) => isScoringRule(t.key))).toBe(true);
    expect(tops.paths[0]!.key).toBe("/p0");
  });

  it("rebuilds the same rollup from the raw tables with the migration's own statement", async () => {
    const want = await stored();
    const dir = path.join(process.cwd(), "prisma", process.env.TEST_DB === "postgres" ? "postgres" : "sqlite", "migrations", "20261208100000_event_rollup");
    const sql = fs.readFileSync(path.join(dir, "migration.sql"), "utf8");
    const insert = sql.slice(sql.indexOf(`INSERT INTO "${ROLLUP_TABLE}"`)).trim().replace(/;$/, "");
    await db.$executeRawUnsafe(`DELETE FROM "${ROLLUP_TABLE}"`);
    await db.$executeRawUnsafe(insert);
    expect(sorted(await stored())).toEqual(sorted(want));
  });

  it("counts the test fixtures' events as ingestion does", async () => {
    await insertEvents([
      { at: new Date(START + 1000), vhostId: V3, client: "192.0.2.77", uri: "/fixture?x=1", matches: [{ ruleId: 942100 }, { ruleId: 949110 }] },
      { at: new Date(START + 2000), vhostId: null, outcome: "detected", matches: [{ ruleId: 941100 }] },
    ]);
    await expectRollupExact();
  });

  it("keeps the rollup exact through retention (the purge ends on a whole hour)", async () => {
    const now = new Date(START + 5 * 3_600_000 + 25 * 60_000 + 7 + 30 * 86_400_000);
    const r = await pruneEvents({ now, days: 30, batchRows: 500 });
    expect(r.before).toEqual(new Date(START + 5 * 3_600_000));
    expect(r.events).toBeGreaterThan(1000);
    expect(r.rollupRows).toBeGreaterThan(0);
    expect(await db.wafEvent.count({ where: { occurredAt: { lt: r.before } } })).toBe(0);
    expect(await db.wafEvent.count({ where: { occurredAt: { gte: r.before, lt: new Date(START + 6 * 3_600_000) } } })).toBeGreaterThan(0);
    await expectRollupExact();
    for (const f of FILTERS) await expectSameAnswers({ ...f, from: new Date(START - 3_600_000 + 1), to: new Date(START + 8 * 3_600_000 + 1) }, new Date(START + SPAN));
  });
});

describe(`the bench's clean-up (${process.env.TEST_DB})`, () => {
  it("takes a deleted vhost's events out of the rollup, its own rows and its share of the all-vhosts rows", async () => {
    const V4 = "a4444444-4444-4444-8444-444444444444";
    const more = makeEvents(41, 300, "gone").map((e) => ({ ...e, vhostId: V4 }));
    await storeEvents(more);
    const withV4 = await stored();
    await db.wafEventMatch.deleteMany({ where: { vhostId: V4 } });
    await db.wafEvent.deleteMany({ where: { vhostId: V4 } });
    await forgetRollup([V4]);
    await expectRollupExact();
    expect((await stored()).size).toBeLessThan(withV4.size);
  });
});

describe.runIf(process.env.TEST_DB === "postgres")("hourly rollup under concurrent batches (postgres)", () => {
  it("counts each event once when concurrent batches share events, without deadlock", async () => {
    const shared = makeEvents(31, 600, "conc");
    // Six batches at once, each a different overlapping slice, in different orders.
    const batches = [0, 100, 200, 300, 50, 150].map((start, i) => {
      const slice = shared.slice(start, start + 300);
      return i % 2 ? [...slice].reverse() : slice;
    });
    const accepted = await Promise.all(batches.map((b) => storeEvents(b)));
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(new Set(batches.flat().map((e) => e.event.transactionId)).size);
    await expectRollupExact();
    await expectSameAnswers({ from: new Date(START + 999), to: new Date(START + SPAN - 999) }, new Date(START + SPAN));
  });
});

describe(`the rollup job: closed hours counted off the ingestion path (${process.env.TEST_DB})`, () => {
  // Two days after the other tests' data: the mark is moved back to here, as the scale seed does.
  const START2 = START + 2 * 86_400_000;
  const H = 3_600_000;

  it("leaves the hours from the mark on to the raw rows, counts each closed hour once, and adds a late event in its batch", async () => {
    await lowerRollupMark(new Date(START2 + 1234));
    expect(await readRollupMark()).toEqual(new Date(START2));
    const fresh = makeEvents(51, 1500, "job", START2);
    for (let i = 0; i < fresh.length; i += 500) await storeEvents(fresh.slice(i, i + 500));
    // Not counted by the batches: their hours are at or after the mark.
    expect(await db.wafEventHourly.count({ where: { hour: { gte: new Date(START2) } } })).toBe(0);
    // Read raw meanwhile, with the same answers.
    expect(rollupPlan({}, { from: new Date(START2 + 1), to: new Date(START2 + SPAN) }, await readRollupMark())).toBeNull();
    for (const f of FILTERS) await expectSameAnswers({ ...f, from: new Date(START2 + 17), to: new Date(START2 + SPAN - 17) }, new Date(START2 + SPAN));

    // The job at 06:01 of the data counts nothing (the hour before has not passed its grace), at 06:03 six hours.
    expect((await rollupClosedHours({ now: new Date(START2 + 6 * H + 60_000) })).hours).toBe(5);
    const six = await rollupClosedHours({ now: new Date(START2 + 6 * H + 3 * 60_000) });
    expect(six).toMatchObject({ hours: 1, through: new Date(START2 + 6 * H) });
    expect(six.rows).toBeGreaterThan(0);
    expect((await rollupClosedHours({ now: new Date(START2 + 6 * H + 3 * 60_000) })).hours).toBe(0);
    const r = rng(9);
    for (let i = 0; i < 16; i++) {
      const from = START2 - H + Math.floor(r() * (SPAN + 2 * H));
      const filter: EventFilter = { ...FILTERS[i % FILTERS.length], from: new Date(from), to: new Date(from + Math.floor(r() * SPAN) + 1) };
      await expectSameAnswers(filter, new Date(START2 + SPAN + H));
    }
    const plan = rollupPlan({}, { from: new Date(START2 + 30), to: new Date(START2 + SPAN) }, await readRollupMark());
    expect(plan?.wholeTo).toEqual(new Date(START2 + 6 * H));
    expect(plan?.rawParts.at(-1)).toEqual({ from: new Date(START2 + 6 * H), to: new Date(START2 + SPAN) });

    // A late event of a counted hour goes into the rollup with its batch; one of an uncounted hour does not.
    const late = makeEvents(52, 40, "late", START2).map((e, i) => ({ ...e, event: { ...e.event, time: new Date(START2 + (i % 2 ? 2 : 9) * H + i * 1000).toISOString() } }));
    expect(await storeEvents(late)).toBe(40);
    await rollupClosedHours({ now: new Date(START2 + SPAN + H) });
    expect(await readRollupMark()).toEqual(new Date(START2 + SPAN + H - H));
    await expectRollupExact();
    // Recounting an hour again (the mark moved back) gives the same rows.
    const before = await stored();
    await lowerRollupMark(new Date(START2 + 3 * H));
    expect((await rollupClosedHours({ now: new Date(START2 + SPAN + H) })).hours).toBe(9);
    expect(sorted(await stored())).toEqual(sorted(before));
  });

  it("misses and doubles nothing when batches race the job", async () => {
    // Three rounds (a race may not happen every time), each a day further on.
    for (let round = 0; round < 3; round++) {
      const START3 = START2 + (1 + round) * 86_400_000;
      await lowerRollupMark(new Date(START3));
      await rollupClosedHours({ now: new Date(START3), graceMs: 0 });
      expect(await readRollupMark()).toEqual(new Date(START3));
      const shared = makeEvents(61 + round, 1200, `race${round}`, START3).map((e, i) => ({ ...e, event: { ...e.event, time: new Date(START3 + Math.floor((i / 1200) * 4 * H) + 500).toISOString() } }));
      // One large batch of every event, and overlapping small ones, started one after another while the job,
      // started while the large batch is being inserted, counts hour after hour.
      const batches = [shared, ...Array.from({ length: 15 }, (_, i) => (i % 2 ? shared.slice(i * 75, i * 75 + 150).reverse() : shared.slice(i * 75, i * 75 + 150)))];
      const job = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        let hours = 0;
        for (let h = 1; h <= 5; h++) hours += (await rollupClosedHours({ now: new Date(START3 + h * H), graceMs: 0 })).hours;
        return hours;
      })();
      const accepted = await Promise.all(
        batches.map(async (b, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 6));
          return storeEvents(b);
        }),
      );
      expect(accepted.reduce((a, b) => a + b, 0)).toBe(1200);
      expect(await job).toBe(5);
      expect(await storeEvents(shared.slice(1050))).toBe(0);
      await rollupClosedHours({ now: new Date(START3 + 6 * H) });
      await expectRollupExact();
      await expectSameAnswers({ from: new Date(START3 + 999), to: new Date(START3 + 5 * H - 999) }, new Date(START3 + 5 * H));
    }
  });
});

describe(`the days' rows: 7 and 30 days read a row per day (${process.env.TEST_DB})`, () => {
  // After the job tests' data: three whole days and hours either side, from the mark on.
  const DAY0 = Date.parse("2026-11-27T00:00:00Z");
  const H = 3_600_000;
  const spread = (events: StoredEvent[], from: number, span: number, seed: number) => {
    const r = rng(seed);
    return events.map((e) => ({ ...e, event: { ...e.event, time: new Date(from + Math.floor(r() * span)).toISOString() } }));
  };

  it("sums each counted day from its hours, answers multi-day ranges as the raw rows do, and stays exact through late events, retention and a recount", async () => {
    await lowerRollupMark(new Date(DAY0 - 5 * H));
    const days = spread(makeEvents(71, 3000, "days", DAY0), DAY0 - 5 * H, 3 * 86_400_000 + 12 * H, 72);
    for (let i = 0; i < days.length; i += 500) await storeEvents(days.slice(i, i + 500));
    const end = DAY0 + 3 * 86_400_000 + 7 * H;
    await rollupClosedHours({ now: new Date(end + 10 * 60_000) });
    const marks = await readRollupMarks();
    expect(marks.through).toEqual(new Date(end));
    expect(marks.daysFrom).not.toBeNull();
    expect(await db.wafEventHourly.count({ where: { kind: "day:total", hour: new Date(DAY0 + 86_400_000) } })).toBeGreaterThan(0);
    await expectRollupExact();

    // A range over the three days reads them from the days' rows, the hours at its ends from the hours'.
    const range = { from: new Date(DAY0 - 3 * H + 17), to: new Date(DAY0 + 3 * 86_400_000 + 5 * H - 17) };
    const plan = rollupPlan({}, range, marks)!;
    expect(plan.days).toEqual([0, 1, 2].map((d) => new Date(DAY0 + d * 86_400_000)));
    expect(plan.hours).toHaveLength(2 + 4);
    expect(plan.rawParts).toHaveLength(2);
    // A timeline per hour never reads the days' rows.
    expect(rollupPlan({}, range, marks, { days: false })!.days).toEqual([]);
    const now = new Date(end + 10 * 60_000);
    let pruned = 0;
    for (const f of FILTERS) {
      await expectSameAnswers({ ...f, ...range }, now);
      for (const preset of ["7d", "30d"] as const) await expectSameAnswers({ ...f, range: preset }, now);
      if ((await rollupTop("client", { ...f, ...range }, rollupPlan({ ...f, ...range }, range, marks)!)).candidates !== null) pruned++;
    }
    // The days make the threshold prune again (a key's share of one of 2 × 9 pieces, not of 2 × 81).
    expect(pruned).toBeGreaterThan(0);
    const r = rng(73);
    for (let i = 0; i < 12; i++) {
      const from = DAY0 - 6 * H + Math.floor(r() * 2 * 86_400_000);
      const filter: EventFilter = { ...FILTERS[i % FILTERS.length], from: new Date(from), to: new Date(from + Math.floor(r() * 2 * 86_400_000) + 1) };
      await expectSameAnswers(filter, now);
    }

    // A late event of a summed day goes into the day's rows with its batch.
    const dayBefore = await db.wafEventHourly.findFirst({ where: { kind: "day:total", vhostId: ALL_VHOSTS, hour: new Date(DAY0 + 86_400_000), outcome: "blocked" } });
    const late = spread(makeEvents(74, 30, "dayslate", DAY0), DAY0 + 86_400_000 + 3 * H, H, 75).map((e) => ({ ...e, event: { ...e.event, outcome: "blocked" as const } }));
    expect(await storeEvents(late)).toBe(30);
    const dayAfter = await db.wafEventHourly.findFirst({ where: { kind: "day:total", vhostId: ALL_VHOSTS, hour: new Date(DAY0 + 86_400_000), outcome: "blocked" } });
    expect(dayAfter!.n).toBe(dayBefore!.n + 30);
    await expectRollupExact();
    await expectSameAnswers({ ...range }, now);

    // Retention cutting into the first day: that day's rows stop being read before any of its events go.
    const cut = await pruneEvents({ now: new Date(DAY0 + 10 * H + 25 * 60_000 + 30 * 86_400_000), days: 30, batchRows: 400 });
    expect(cut.before).toEqual(new Date(DAY0 + 10 * H));
    expect((await readRollupMarks()).daysFrom).toEqual(new Date(DAY0 + 86_400_000));
    expect(rollupPlan({}, range, await readRollupMarks())!.days).toEqual([1, 2].map((d) => new Date(DAY0 + d * 86_400_000)));
    await expectRollupExact();
    for (const f of FILTERS) await expectSameAnswers({ ...f, ...range }, now);

    // The mark moved back into the second day: the days from there on are summed again, to the same rows.
    const before = await storedDays();
    await lowerRollupMark(new Date(DAY0 + 86_400_000 + 5 * H));
    expect(await readRollupMarks()).toEqual({ through: new Date(DAY0 + 86_400_000 + 5 * H), daysFrom: new Date(DAY0 + 86_400_000) });
    expect(rollupPlan({}, range, await readRollupMarks())!.days).toEqual([]);
    await expectSameAnswers({ ...range }, now);
    await rollupClosedHours({ now: new Date(end + 10 * 60_000) });
    expect(sorted(await storedDays())).toEqual(sorted(before));
    await expectRollupExact();
  }, 120_000); // a long scenario (3,000 events over four days, dozens of comparisons): 15–30 s on a slow 2-core machine
});
