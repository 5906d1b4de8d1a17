// The /events reads on a fixture written identically on both databases: every filter, keyset paging in
// both directions, the timeline and the tops, one event explained.
import { beforeAll, describe, expect, it } from "vitest";
import { insertEvents, type FixtureWafEvent } from "@/lib/testing/event-fixtures";
import { backfillClientKeys } from "./backfill";
import { parseEventFilter, type EventFilter } from "./filters";
import { draftExclusionImpact, eventTimeline, eventTops, getEvent, listEvents } from "./queries";

const V1 = "11111111-1111-4111-8111-111111111111";
const V2 = "22222222-2222-4222-8222-222222222222";
const NOW = new Date("2026-12-06T12:00:00Z");
const sqli = { ruleId: 942100, tags: ["attack-sqli", "paranoia-level/1"], variable: "ARGS:q", data: "1' or 1=1" };
const xss = { ruleId: 941100, tags: ["attack-xss"], variable: "ARGS:comment", data: "<script>" };
const block = { ruleId: 949110, tags: ["anomaly-evaluation"] };

const FIXTURE: (FixtureWafEvent & { key: string })[] = [
  { key: "A", at: "2026-12-06T11:50:00Z", vhostId: V1, client: "192.0.2.10", uri: "/search?q=1", matches: [sqli, block] },
  { key: "B", at: "2026-12-06T11:40:00Z", vhostId: V1, client: "192.0.2.200", uri: "/Search/x", outcome: "detected", matches: [xss] },
  { key: "C", at: "2026-12-06T10:10:00Z", vhostId: V2, client: "198.51.100.7", uri: "/api/items", status: 406, matches: [sqli, xss, block] },
  { key: "D", at: "2026-12-06T10:10:00Z", vhostId: V2, client: "10.20.30.40", uri: "/search/deep", matches: [sqli, block] },
  { key: "E", at: "2026-12-05T13:00:00Z", vhostId: V1, client: "192.0.3.5", uri: "/login", outcome: "detected", matches: [{ ruleId: 920350, tags: ["protocol"] }] },
  { key: "F", at: "2026-12-01T12:00:00Z", vhostId: V1, client: "192.0.2.10", uri: "/old", matches: [sqli, block] },
];
const keyOf = new Map<string, string>();

beforeAll(async () => {
  const ids = await insertEvents(FIXTURE);
  FIXTURE.forEach((f, i) => keyOf.set(ids[i]!, f.key));
});

async function keys(filter: EventFilter, limit = 50) {
  const page = await listEvents({ filter, now: NOW, limit });
  return page.rows.map((r) => keyOf.get(r.id));
}
const f = (q: string) => parseEventFilter(new URLSearchParams(q)).filter;

describe(`listEvents (${process.env.TEST_DB})`, () => {
  it("lists the last 24 hours by default, newest first, ties ordered by id", async () => {
    const got = await keys({});
    expect(got.slice(0, 2)).toEqual(["A", "B"]);
    expect(got.slice(2, 4).sort()).toEqual(["C", "D"]);
    expect(got).toHaveLength(5);
    expect(await keys(f("range=7d"))).toHaveLength(6);
    expect(await keys(f("range=1h"))).toEqual(["A", "B"]);
    expect(await keys(f("from=2026-12-01T00:00&to=2026-12-02"))).toEqual(["F"]);
  });

  it("filters by vhost, outcome, status, rule, tag, path prefix and client address or range", async () => {
    expect(await keys(f(`vhost=${V2}`))).toEqual(expect.arrayContaining(["C", "D"]));
    expect(await keys(f(`vhost=${V2}`))).toHaveLength(2);
    expect(await keys(f("outcome=detected"))).toEqual(["B", "E"]);
    expect(await keys(f("status=406"))).toEqual(["C"]);
    expect((await keys(f("rule=942100"))).sort()).toEqual(["A", "C", "D"]);
    expect((await keys(f("rule=941100&vhost=" + V2)))).toEqual(["C"]);
    expect((await keys(f("tag=attack-xss"))).sort()).toEqual(["B", "C"]);
    expect(await keys(f("tag=attack_xss"))).toEqual([]); // "_" is no wildcard
    expect((await keys(f("path=/search"))).sort()).toEqual(["A", "D"]); // case-sensitive: not /Search
    expect(await keys(f("client=192.0.2.10"))).toEqual(["A"]);
    expect(await keys(f("client=192.0.2.0/24"))).toEqual(["A", "B"]);
    expect(await keys(f("client=192.0.2.128/25"))).toEqual(["B"]);
    expect(await keys(f("client=192.0.0.0/22"))).toEqual(["A", "B", "E"]);
    expect(await keys(f("client=10.0.0.0/8"))).toEqual(["D"]);
    expect(await keys(f("client=0.0.0.0/0"))).toHaveLength(5);
  });

  it("filters IPv6 clients by address or range, however the address was written, and fills in keys of older rows", async () => {
    const V6 = "66666666-6666-4666-8666-666666666666";
    const v6 = [
      { at: "2026-11-10T11:00:00Z", vhostId: V6, client: "2001:db8::1", matches: [sqli] },
      { at: "2026-11-10T11:01:00Z", vhostId: V6, client: "2001:DB8:0:0:ffff:0:0:9", matches: [sqli] },
      { at: "2026-11-10T11:02:00Z", vhostId: V6, client: "2001:db9::1", matches: [sqli] },
      { at: "2026-11-10T11:03:00Z", vhostId: V6, client: "::ffff:192.0.2.99", matches: [sqli] },
      // As stored before the clientKey column: db:migrate fills its key in.
      { at: "2026-11-10T11:04:00Z", vhostId: V6, client: "2001:db8:1::5", matches: [sqli], withoutClientKey: true },
      { at: "2026-11-10T11:05:00Z", vhostId: V6, client: "not-an-address", matches: [sqli], withoutClientKey: true },
    ];
    const ids = await insertEvents(v6);
    const name = new Map(ids.map((id, i) => [id, v6[i]!.client]));
    const clients = async (q: string) => (await listEvents({ filter: f(`vhost=${V6}&from=2026-11-10T00:00&to=2026-11-11&${q}`), now: NOW, limit: 50 })).rows.map((r) => name.get(r.id)).sort();
    expect(await clients("client=2001:db8::/32")).toEqual(["2001:DB8:0:0:ffff:0:0:9", "2001:db8::1"]);
    expect(await backfillClientKeys()).toBe(2);
    expect(await backfillClientKeys()).toBe(0);
    expect(await clients("client=2001:db8::/32")).toEqual(["2001:DB8:0:0:ffff:0:0:9", "2001:db8:1::5", "2001:db8::1"]);
    expect(await clients("client=2001:db8::/48")).toEqual(["2001:DB8:0:0:ffff:0:0:9", "2001:db8::1"]);
    expect(await clients("client=2001:db8:0:0:ffff::9")).toEqual(["2001:DB8:0:0:ffff:0:0:9"]);
    expect(await clients("client=2001:db8::/127")).toEqual(["2001:db8::1"]);
    expect(await clients("client=192.0.2.99")).toEqual(["::ffff:192.0.2.99"]);
    expect(await clients("client=::/0")).toHaveLength(4);
  });

  it("pages by keyset in both directions without losing or repeating an event", async () => {
    const all = await keys(f("range=30d"));
    const first = await listEvents({ filter: f("range=30d"), now: NOW, limit: 2 });
    expect(first.newer).toBeNull();
    const seen = first.rows.map((r) => keyOf.get(r.id));
    let page = first;
    while (page.older) {
      page = await listEvents({ filter: f("range=30d"), now: NOW, limit: 2, before: page.older });
      seen.push(...page.rows.map((r) => keyOf.get(r.id)));
    }
    expect(seen).toEqual(all);
    const second = await listEvents({ filter: f("range=30d"), now: NOW, limit: 2, before: first.older! });
    const back = await listEvents({ filter: f("range=30d"), now: NOW, limit: 2, after: second.newer! });
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(back.newer).toBeNull();
  });

  it("names each row's scoring rules, not the bookkeeping ones", async () => {
    const page = await listEvents({ filter: f("status=406"), now: NOW });
    expect(page.rows[0]!.scoringRules).toEqual([941100, 942100]);
  });
});

describe(`timeline and tops (${process.env.TEST_DB})`, () => {
  it("counts blocked and detected per hour, every hour present", async () => {
    const t = await eventTimeline({}, NOW);
    expect(t.unit).toBe("hour");
    expect(t.buckets).toHaveLength(24);
    expect(t.buckets.find((b) => b.bucket === "2026-12-06T11")).toEqual({ bucket: "2026-12-06T11", blocked: 1, detected: 1 });
    expect(t.buckets.find((b) => b.bucket === "2026-12-06T10")).toEqual({ bucket: "2026-12-06T10", blocked: 2, detected: 0 });
    const month = await eventTimeline(f("range=30d"), NOW);
    expect(month.unit).toBe("day");
    expect(month.buckets.find((b) => b.bucket === "2026-12-01")).toEqual({ bucket: "2026-12-01", blocked: 1, detected: 0 });
  });

  it("ranks scoring rules, client addresses and paths of the range and filter", async () => {
    const tops = await eventTops({}, NOW);
    expect(tops.rules).toEqual([{ key: 942100, count: 3 }, { key: 941100, count: 2 }, { key: 920350, count: 1 }]);
    expect(tops.clients[0]).toEqual({ key: "10.20.30.40", count: 1 });
    expect(tops.clients).toHaveLength(5);
    expect(tops.paths.map((p) => p.key)).toContain("/search");
    const v1 = await eventTops(f(`vhost=${V1}&range=30d`), NOW);
    expect(v1.clients[0]).toEqual({ key: "192.0.2.10", count: 2 });
    expect(v1.rules).toEqual([{ key: 942100, count: 2 }, { key: 920350, count: 1 }, { key: 941100, count: 1 }]);
  });
});

describe(`getEvent (${process.env.TEST_DB})`, () => {
  it("sets the scoring rules apart from the bookkeeping ones", async () => {
    const id = [...keyOf].find(([, k]) => k === "C")![0];
    const e = await getEvent(id);
    expect(e!.scoring.map((m) => m.ruleId)).toEqual([942100, 941100]);
    expect(e!.bookkeeping.map((m) => m.ruleId)).toEqual([949110]);
    expect(e!.scoring[0]!.variable).toBe("ARGS:q");
    expect(await getEvent("not-a-uuid")).toBeNull();
    expect(await getEvent("33333333-3333-4333-8333-333333333333")).toBeNull();
  });
});

describe(`draftExclusionImpact (${process.env.TEST_DB})`, () => {
  it("counts the vhost's events of the last 7 days the draft would also let through, and those that scored on other rules too", async () => {
    const narrow = await draftExclusionImpact(V1, { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:q", pathPrefix: "/search" }, NOW);
    expect(narrow).toEqual({ touched: 1, letThrough: 1, alsoOtherRules: 0, otherRules: [], capped: false }); // A (F is older than 7 days)
    const everywhere = await draftExclusionImpact(V2, { kind: "REMOVE_BY_ID", ruleId: 942100 }, NOW);
    expect(everywhere).toEqual({ touched: 2, letThrough: 1, alsoOtherRules: 1, otherRules: [{ ruleId: 941100, count: 1 }], capped: false }); // D; C also scored on 941100
    const byTag = await draftExclusionImpact(V1, { kind: "REMOVE_BY_TAG", tag: "attack-xss" }, NOW);
    expect(byTag.letThrough).toBe(1); // B
  });
});
