// Filters, paging, search and the overview, on a fixture written identically on both databases.
// Search parity: every query below must return exactly the listed events on SQLite and on PostgreSQL
// (this file runs once per database), and also what a plain reference implementation of the documented
// rule finds (whole words, case-insensitive, all words required, a punctuated word is a phrase).
import { beforeAll, describe, expect, it } from "vitest";
import { db, dbKind, Prisma } from "@/lib/db";
import { parseAuditFilter, type AuditFilter } from "./filters";
import { auditFilterOptions, auditOverview, auditScope, auditSeqQuery, listAuditEvents } from "./queries";
import { parseSearchQuery } from "./search";
import { writeFixture, type FixtureEvent } from "@/lib/testing/audit-fixtures";

const V1 = "11111111-1111-4111-8111-111111111111";
const V2 = "22222222-2222-4222-8222-222222222222";
const ALICE = "alice@palisade.test";
const BOB = "bob@palisade.test";
const SEED = "system:seed";

const FIXTURE: FixtureEvent[] = [
  {
    key: "E1", at: "2026-03-01T09:00:00Z", actor: ALICE, action: "vhost.create", entityType: "VirtualHost", entityId: V1, vhostId: V1,
    summary: "Created virtual host shop.example.com → http://10.0.0.5:8080",
    after: { domain: "shop.example.com", backendUrl: "http://10.0.0.5:8080", aliases: ["www.shop.example.com"] },
  },
  {
    key: "E2", at: "2026-03-01T17:30:00Z", actor: BOB, action: "iplist.add", entityType: "IpList", entityId: `${V1}:DENY`, vhostId: V1,
    summary: "Added 2 deny entries to shop.example.com: 192.0.2.10/32, 198.51.100.0/24",
    after: { kind: "DENY", added: [{ cidr: "192.0.2.10/32", note: "Scanner from Zürich" }, { cidr: "198.51.100.0/24", note: null }] },
  },
  {
    key: "E3", at: "2026-03-02T08:00:00Z", actor: ALICE, action: "policy.update", entityType: "WafPolicy", entityId: "p1", vhostId: V1,
    summary: "Policy of shop.example.com: engineMode DETECTION_ONLY → BLOCKING, inboundThreshold 5 → 10",
    before: { engineMode: "DETECTION_ONLY", inboundThreshold: 5 },
    after: { engineMode: "BLOCKING", inboundThreshold: 10 },
  },
  {
    key: "E4", at: "2026-03-03T23:59:59.999Z", actor: SEED, action: "user.create", entityType: "User", entityId: "u-carol",
    summary: "Created user carol@palisade.test (AUDITOR)",
    after: { email: "carol@palisade.test", role: "AUDITOR" },
  },
  {
    key: "E5", at: "2026-03-05T00:00:00Z", actor: BOB, action: "vhost.update", entityType: "VirtualHost", entityId: V2, vhostId: V2,
    summary: "Updated api.example.org: backendUrl",
    before: { backendUrl: "http://10.0.0.7" },
    after: { backendUrl: "https://10.0.0.8:8443", note: "ÜBER café — naïve" },
  },
  {
    key: "E6", at: "2026-03-05T12:00:00Z", actor: BOB, action: "security.denied", entityType: "Action", entityId: "updateVhostAction",
    summary: "bob@palisade.test (EDITOR) was refused updateVhostAction: needs vhost.write",
    after: { action: "updateVhostAction", permission: "vhost.write" },
  },
  {
    key: "E7", at: "2026-03-07T10:00:00Z", actor: ALICE, action: "iplist.remove", entityType: "IpList", entityId: `${V1}:DENY`, vhostId: V1,
    summary: "Removed 192.0.2.10/32 from the deny list of shop.example.com",
    before: { kind: "DENY", cidr: "192.0.2.10/32", note: "Scanner from Zürich" },
  },
  {
    key: "E8", at: "2026-03-07T11:00:00Z", actor: ALICE, action: "rule.create", entityType: "CustomRule", entityId: "r1", vhostId: V2,
    summary: `Rule "=cmd|' /C calc'!A0" & NEAR(x y) * : AND OR NOT`,
    after: { secRule: `SecRule ARGS "@rx <script>" "id:100001,deny"` },
  },
];

let keyBySeq = new Map<number, string>();
const keys = (rows: { seq: number }[]) => rows.map((r) => keyBySeq.get(r.seq) ?? `#${r.seq}`);

async function search(filter: AuditFilter): Promise<string[]> {
  const all: string[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await listAuditEvents({ filter, before, limit: 3 });
    all.push(...keys(page.rows));
    if (page.nextBefore === null) return all;
    before = page.nextBefore;
  }
}

/** The documented rule, in plain JavaScript over the fixture's own text. */
function reference(q: string): string[] {
  const phrases = parseSearchQuery(q).map((p) => p.map((t) => t.toLowerCase()));
  return FIXTURE.filter((e) => {
    const text = [e.summary, e.before === undefined ? "" : JSON.stringify(e.before), e.after === undefined ? "" : JSON.stringify(e.after)].join(" ");
    const tokens = text.split(/[^\p{L}\p{N}\p{Co}]+/u).filter(Boolean).map((t) => t.toLowerCase());
    return phrases.every((p) => tokens.some((_, i) => p.every((t, j) => tokens[i + j] === t)));
  })
    .map((e) => e.key)
    .reverse();
}

beforeAll(async () => {
  await db.virtualHost.create({ data: { id: V1, domain: "shop.example.com", aliases: [], backendUrl: "http://10.0.0.5:8080" } });
  keyBySeq = await writeFixture(FIXTURE, [SEED]);
});

describe(`audit filters (${process.env.TEST_DB})`, () => {
  it("lists everything newest first without a filter", async () => {
    expect(await search({})).toEqual(["E8", "E7", "E6", "E5", "E4", "E3", "E2", "E1"]);
  });

  it("filters by actor: a user by id, an actor without a user by the recorded email", async () => {
    expect(await search({ actor: ALICE })).toEqual(["E8", "E7", "E3", "E1"]);
    expect(await search({ actor: SEED })).toEqual(["E4"]);
    expect(await search({ actor: "nobody@palisade.test" })).toEqual([]);
  });

  it("filters by action, entity type, entity and vhost", async () => {
    expect(await search({ action: "iplist.add" })).toEqual(["E2"]);
    expect(await search({ entity: "IpList" })).toEqual(["E7", "E2"]);
    expect(await search({ entity: "IpList", entityId: `${V1}:DENY` })).toEqual(["E7", "E2"]);
    expect(await search({ entity: "VirtualHost", entityId: V2 })).toEqual(["E5"]);
    expect(await search({ vhost: V1 })).toEqual(["E7", "E3", "E2", "E1"]);
  });

  it("filters by UTC days, both ends inclusive", async () => {
    expect(await search({ from: "2026-03-05" })).toEqual(["E8", "E7", "E6", "E5"]);
    expect(await search({ to: "2026-03-03" })).toEqual(["E4", "E3", "E2", "E1"]);
    expect(await search({ from: "2026-03-05", to: "2026-03-05" })).toEqual(["E6", "E5"]);
    expect(await search({ from: "2026-03-06", to: "2026-03-04" })).toEqual([]);
  });

  it("combines every filter with AND", async () => {
    expect(await search({ vhost: V1, actor: ALICE, q: "deny" })).toEqual(["E7"]);
    expect(await search({ from: "2026-03-02", q: "shop" })).toEqual(["E7", "E3"]);
    expect(await search({ entity: "IpList", actor: BOB, to: "2026-03-01" })).toEqual(["E2"]);
    expect(await search({ action: "vhost.update", vhost: V1 })).toEqual([]);
  });

  it("pages in both directions by keyset without overlap or gap", async () => {
    const p1 = await listAuditEvents({ filter: { vhost: V1 }, limit: 2 });
    expect(keys(p1.rows)).toEqual(["E7", "E3"]);
    expect(p1.newerAfter).toBeNull();
    const p2 = await listAuditEvents({ filter: { vhost: V1 }, limit: 2, before: p1.nextBefore! });
    expect(keys(p2.rows)).toEqual(["E2", "E1"]);
    expect(p2.nextBefore).toBeNull();
    const back = await listAuditEvents({ filter: { vhost: V1 }, limit: 2, after: p2.newerAfter! });
    expect(keys(back.rows)).toEqual(["E7", "E3"]);
    expect(back.newerAfter).toBeNull();
    expect(back.nextBefore).toBe(p1.nextBefore);
    // The list never carries the before/after JSON.
    expect(p1.rows[0]).not.toHaveProperty("after");
  });
  it("returns Prisma's own types and values for every row (the list reads raw rows)", async () => {
    const page = await listAuditEvents({ limit: 100 });
    const viaPrisma = await db.auditEvent.findMany({
      orderBy: { seq: "desc" },
      select: { id: true, seq: true, createdAt: true, actorEmail: true, action: true, entityType: true, entityId: true, vhostId: true, summary: true },
    });
    expect(page.rows).toEqual(viaPrisma);
    expect(page.rows[0]!.createdAt).toBeInstanceOf(Date);
    expect(typeof page.rows[0]!.seq).toBe("number");
  });

  it("reads the filter from the URL, dropping and naming what does not parse", () => {
    const { filter, problems } = parseAuditFilter(
      new URLSearchParams({ q: "  deny  ", actor: "Alice@Palisade.test", vhost: "not-a-uuid", from: "2026-02-30", to: "2026-03-07", action: "", entityId: "x" }),
    );
    expect(filter).toEqual({ q: "deny", actor: ALICE, to: "2026-03-07" });
    expect(problems).toHaveLength(3);
    expect(parseAuditFilter({ q: `"*:&|!()` }).problems).toEqual(["The search has no letters or digits to look for (search ignored)."]);
  });

  it("offers the actions and entity types that occur, and the users and vhosts", async () => {
    const o = await auditFilterOptions();
    expect(o.actions).toEqual(["iplist.add", "iplist.remove", "policy.update", "rule.create", "security.denied", "user.create", "vhost.create", "vhost.update"]);
    expect(o.entityTypes).toEqual(["Action", "CustomRule", "IpList", "User", "VirtualHost", "WafPolicy"]);
    expect(o.actors).toEqual([ALICE, BOB]);
    expect(o.vhosts).toEqual([{ id: V1, domain: "shop.example.com" }]);
  });
});

// Each query with the events both databases must return (newest first).
const SEARCHES: [string, string[]][] = [
  ["shop.example.com", ["E7", "E3", "E2", "E1"]],
  ["deny", ["E8", "E7", "E2"]],
  ["DENY", ["E8", "E7", "E2"]],
  ["192.0.2.10", ["E7", "E2"]],
  ["192.0.2.10/32", ["E7", "E2"]],
  ["198.51.100.0/24", ["E2"]],
  ["10.0.0", ["E5", "E1"]],
  ["10.0.0.5", ["E1"]],
  ["ZÜRICH", ["E7", "E2"]],
  ["zürich scanner", ["E7", "E2"]],
  ["zurich", []],
  ["café", ["E5"]],
  ["CAFÉ naïve", ["E5"]],
  ["über", ["E5"]],
  ["blocking detection_only", ["E3"]],
  ["engineMode", ["E3"]],
  ["enginemode", ["E3"]],
  ["engine", []],
  ["carol@palisade.test", ["E4"]],
  ["palisade", ["E6", "E4"]],
  ["refused needs", ["E6"]],
  ["shop deny", ["E7", "E2"]],
  ["deny shop", ["E7", "E2"]],
  ["example.com shop", ["E7", "E3", "E2", "E1"]],
  ["com.example", []],
  ["script", ["E8"]],
  ["100001", ["E8"]],
  ["api.example.org", ["E5"]],
  ["8443", ["E5"]],
  ["www.shop.example.com", ["E1"]],
  // Hostile input: operators, quotes and keywords of either query language are plain separators/words.
  [`"=cmd|'`, ["E8"]],
  [`NEAR(x y)`, ["E8"]],
  [`AND OR NOT`, ["E8"]],
  [`x & y | !z`, []],
  [`(shop)`, ["E7", "E3", "E2", "E1"]],
  [`shop:*`, ["E7", "E3", "E2", "E1"]],
  [`'shop' <-> "deny"`, ["E7", "E2"]],
  [`deny\\`, ["E8", "E7", "E2"]],
  [`"unterminated shop`, []],
  [`shop"`, ["E7", "E3", "E2", "E1"]],
  [`-deny +rx ^x @rx`, ["E8"]],
  [`id:100001`, ["E8"]],
  [`{"kind":"DENY"}`, ["E7", "E2"]],
  [`nonexistentword`, []],
];

describe(`full-text search (${process.env.TEST_DB})`, () => {
  it.each(SEARCHES)("%s", async (q, expected) => {
    expect(await search({ q })).toEqual(expected);
    expect(expected).toEqual(reference(q));
  });

  it("ignores a query without letters or digits instead of failing", async () => {
    for (const q of [`*`, `"`, `'`, `:*`, `&|!()`, `<->`, `\\`]) expect(await search({ q })).toHaveLength(FIXTURE.length);
  });

  it("keeps the index in step when an event is changed or deleted behind the panel's back", async () => {
    const seq = [...keyBySeq].find(([, k]) => k === "E6")![0];
    await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${"tampered summary"} WHERE "seq" = ${seq}`;
    expect(await search({ q: "tampered" })).toEqual(["E6"]);
    expect(await search({ q: "refused" })).toEqual([]);
    const row = await db.auditEvent.findUniqueOrThrow({ where: { seq } });
    await db.$executeRaw`DELETE FROM "AuditEvent" WHERE "seq" = ${seq}`;
    expect(await search({ q: "tampered" })).toEqual([]);
    await db.auditEvent.create({ data: { ...row, summary: FIXTURE[5]!.summary, before: undefined, after: row.after as object } });
    expect(await search({ q: "refused" })).toEqual(["E6"]);
  });
});

describe(`query plans use the indexes (${process.env.TEST_DB})`, () => {
  async function plan(filter: AuditFilter): Promise<string> {
    const scope = await auditScope(filter);
    const query = auditSeqQuery(scope, { below: 1000 }, 51);
    if (dbKind() === "postgres") {
      // The fixture is tiny, so forbid sequential scans to see which index the planner can use.
      return db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
        const rows = await tx.$queryRaw<{ "QUERY PLAN": string }[]>(Prisma.sql`EXPLAIN ${query}`);
        return rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    }
    const rows = await db.$queryRaw<{ detail: string }[]>(Prisma.sql`EXPLAIN QUERY PLAN ${query}`);
    return rows.map((r) => r.detail).join("\n");
  }

  it("pages an action, a vhost, an actor and an entity by their (…, seq) indexes", async () => {
    expect(await plan({ action: "iplist.add" })).toContain("AuditEvent_action_seq_idx");
    expect(await plan({ vhost: V1 })).toContain("AuditEvent_vhostId_seq_idx");
    expect(await plan({ actor: ALICE })).toContain("AuditEvent_actorId_seq_idx");
    expect(await plan({ entity: "IpList", entityId: `${V1}:DENY` })).toContain("AuditEvent_entityType_entityId_seq_idx");
  });

  it("searches through the full-text index", async () => {
    const p = await plan({ q: "deny shop" });
    expect(p).toContain(dbKind() === "postgres" ? "AuditEvent_search_idx" : "VIRTUAL TABLE INDEX");
  });
});

describe(`activity overview (${process.env.TEST_DB})`, () => {
  it("counts events per UTC day, zeros included, and ranks actors and vhosts", async () => {
    const o = await auditOverview({ from: "2026-03-01", to: "2026-03-07" });
    expect(o.days).toEqual([
      { day: "2026-03-01", count: 2 },
      { day: "2026-03-02", count: 1 },
      { day: "2026-03-03", count: 1 },
      { day: "2026-03-04", count: 0 },
      { day: "2026-03-05", count: 2 },
      { day: "2026-03-06", count: 0 },
      { day: "2026-03-07", count: 2 },
    ]);
    expect(o.total).toBe(8);
    expect(o.topActors).toEqual([
      { actorEmail: ALICE, count: 4 },
      { actorEmail: BOB, count: 3 },
      { actorEmail: SEED, count: 1 },
    ]);
    expect(o.topVhosts).toEqual([
      { vhostId: V1, domain: "shop.example.com", count: 4 },
      { vhostId: V2, domain: null, count: 2 },
    ]);
  });

  it("applies the rest of the filter, and defaults to the last 30 days", async () => {
    const o = await auditOverview({ from: "2026-03-01", to: "2026-03-07", q: "deny" });
    expect(o.total).toBe(3);
    expect(o.topActors).toEqual([
      { actorEmail: ALICE, count: 2 },
      { actorEmail: BOB, count: 1 },
    ]);
    const d = await auditOverview({}, new Date("2026-03-10T12:00:00Z"));
    expect(d).toMatchObject({ from: "2026-02-09", to: "2026-03-10", defaultRange: true, total: 8 });
    expect(d.days).toHaveLength(30);
  });
});
