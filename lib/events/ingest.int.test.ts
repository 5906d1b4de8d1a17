// WAF event ingestion through the route's own POST handler (a Request in, a Response out, no server) on a
// real database (SQLite and PostgreSQL): exactly-once storage under retries and concurrent identical
// batches, bad entries beside good ones, the body limits (gzip bomb included), the token, and retention.
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/v1/nodes/events/route";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/client-address";
import { admin, makeVhost } from "@/lib/testing/config-fixtures";
import { db } from "@/lib/db";
import { registerNode } from "@/lib/nodes/service";
import { MAX_BODY_BYTES } from "./api";
import { eventId, inStoreSlot, storingBatches } from "./ingest";
import { eventPurgeDuty, eventPurgeEnabled, eventRetentionDays, pruneEvents, pruneEventsOnce } from "./retention";
import { EVENT_BATCH_MAX_EVENTS, EVENT_FIELD_LIMITS, type WafEvent } from "./schema";

// Concurrent batches here race in the database as they would from several panel instances: each process stores
// one batch at a time by default (PALISADE_EVENT_STORE_CONCURRENCY, lib/events/ingest.ts), which would line them up.
beforeAll(() => {
  vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "16");
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const URL_ = "http://panel.test/api/v1/nodes/events";
let token = "";
let nodeId = "";
let vhostId = "";

beforeAll(async () => {
  installPeerAddressStamp();
  const r = await registerNode(admin, { name: "events-node" });
  token = r.token;
  nodeId = r.node.id;
  await db.wafNode.update({ where: { id: nodeId }, data: { appliedRevision: 7 } });
  vhostId = (await makeVhost("shop.test")).id;
});

function event(transactionId: string, patch: Partial<WafEvent> = {}): WafEvent {
  return {
    transactionId,
    time: "2026-12-06T08:04:22Z",
    vhost: "shop.test",
    clientAddress: "203.0.113.9",
    method: "GET",
    uri: "/products?id=1'%20OR%20'1'='1",
    status: 403,
    outcome: "blocked",
    inboundScore: 5,
    outboundScore: 0,
    matches: [
      { ruleId: 942100, message: "SQL Injection Attack Detected via libinjection", tags: ["attack-sqli", "paranoia-level/1"], severity: 2, paranoiaLevel: 1, variable: "ARGS:id", data: "s&sos", value: "1' OR '1'='1" },
      { ruleId: 949110, message: "Inbound Anomaly Score Exceeded", tags: [], severity: 2, paranoiaLevel: null, variable: null, data: null, value: null },
    ],
    ...patch,
  };
}

type Answer = { accepted: number; duplicates: number; rejected: { index: number; transactionId?: string; error: string }[] };

function post(body: unknown, options: { gzip?: boolean; token?: string; raw?: Buffer | string } = {}) {
  const headers = new Headers({ [PEER_HEADER]: "192.0.2.50", "content-type": "application/json", authorization: `Bearer ${options.token ?? token}` });
  let payload: Buffer | string = options.raw ?? JSON.stringify(body);
  if (options.gzip) {
    headers.set("content-encoding", "gzip");
    if (!options.raw) payload = gzipSync(Buffer.from(payload));
  }
  return POST(new Request(URL_, { method: "POST", headers, body: typeof payload === "string" ? payload : new Uint8Array(payload) }));
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const countOf = async (prefix: string) => db.wafEvent.count({ where: { transactionId: { startsWith: `${prefix}-` } } });

describe(`POST /api/v1/nodes/events (${process.env.TEST_DB})`, () => {
  it("stores a gzip batch: the event with its path, revision, vhost, and one match row per rule (scoring, tags)", async () => {
    const res = await post({ events: [event("one-1")] }, { gzip: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const id = eventId(nodeId, "one-1");
    const row = await db.wafEvent.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      nodeId, transactionId: "one-1", vhostId, vhost: "shop.test", occurredAt: new Date("2026-12-06T08:04:22Z"), clientAddress: "203.0.113.9", clientKey: "4cb007109",
      method: "GET", uri: "/products?id=1'%20OR%20'1'='1", path: "/products", status: 403, outcome: "blocked", inboundScore: 5, outboundScore: 0, revision: 7,
    });
    expect(row.matches).toEqual(event("one-1").matches);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const matches = await db.wafEventMatch.findMany({ where: { eventId: id }, orderBy: { ruleId: "asc" } });
    expect(matches).toEqual([
      { eventId: id, ruleId: 942100, occurredAt: row.occurredAt, vhostId, outcome: "blocked", scoring: true, tags: "|attack-sqli|paranoia-level/1|" },
      { eventId: id, ruleId: 949110, occurredAt: row.occurredAt, vhostId, outcome: "blocked", scoring: false, tags: "" },
    ]);
    // The node's contact is recorded; no audit row for node data.
    expect((await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).lastSeenAt).not.toBeNull();
    expect(await db.auditEvent.count({ where: { action: { contains: "event" } } })).toBe(0);
  });

  it("stores each event once through retries and concurrent identical batches, plain and gzip alike", async () => {
    const batch = { events: ids("dup", 50).map((t) => event(t)) };
    expect(await (await post(batch)).json()).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    // The same batch again (a retry after a lost answer), plain and compressed.
    expect(await (await post(batch, { gzip: true })).json()).toEqual({ accepted: 0, duplicates: 50, rejected: [] });
    // A larger batch overlapping it, sent twice at once (the node may have 2 batches in flight).
    const wider = { events: ids("dup", 120).reverse().map((t) => event(t)) };
    const answers = (await Promise.all([post(wider), post(wider, { gzip: true })]).then((rs) => Promise.all(rs.map((r) => r.json())))) as Answer[];
    expect(answers.map((a) => a.accepted + a.duplicates)).toEqual([120, 120]);
    expect(answers[0]!.accepted + answers[1]!.accepted).toBe(70);
    expect(await countOf("dup")).toBe(120);
    expect(await db.wafEventMatch.count({ where: { eventId: { in: ids("dup", 120).map((t) => eventId(nodeId, t)) } } })).toBe(240);
    // A duplicate inside one batch counts once.
    expect(await (await post({ events: [event("twice-1"), event("twice-1")] })).json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
  });

  it("refuses bad entries one by one (index, transaction id, reason) and stores the good ones beside them", async () => {
    const events: unknown[] = [
      event("mix-0"),
      { ...event("mix-1"), status: "403" },
      event("mix-2", { vhost: "unknown.example" }),
      "not an event",
      event("mix-4", { uri: "/".repeat(EVENT_FIELD_LIMITS.uri + 1) }),
      event("mix-5", { matches: [] }),
      event("mix-6", { time: "yesterday" }),
      event("mix-7", { vhost: "SHOP.test" }),
    ];
    const res = await post({ events }, { gzip: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.accepted).toBe(2);
    expect(body.duplicates).toBe(0);
    expect(body.rejected.map((r) => [r.index, r.transactionId])).toEqual([[1, "mix-1"], [2, "mix-2"], [3, undefined], [4, "mix-4"], [5, "mix-5"], [6, "mix-6"]]);
    expect(body.rejected[0]!.error).toMatch(/status/);
    expect(body.rejected[1]!.error).toMatch(/Unknown vhost "unknown\.example"/);
    expect(body.rejected[3]!.error).toMatch(/uri/);
    expect(body.rejected[4]!.error).toMatch(/matches/);
    expect((await db.wafEvent.findMany({ where: { transactionId: { startsWith: "mix-" } }, orderBy: { transactionId: "asc" } })).map((e) => e.transactionId)).toEqual(["mix-0", "mix-7"]);
  });

  it("stores an event holding NUL characters (a null-byte attack) with ␀ in their place (a lone surrogate as U+FFFD), beside the rest of its batch", async () => {
    const nul = event("nul-1", { uri: "/download?file=report.pdf%00.php\u0000" });
    nul.matches[0] = { ...nul.matches[0]!, data: "report.pdf\u0000.php", value: "a\u0000b\ud800" };
    const res = await post({ events: [event("nul-0"), nul] }, { gzip: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const stored = await db.wafEvent.findUniqueOrThrow({ where: { id: eventId(nodeId, "nul-1") } });
    expect(stored.uri).toBe("/download?file=report.pdf%00.php\u2400");
    expect(stored.path).toBe("/download");
    const matches = stored.matches as { data: string | null; value: string | null }[];
    expect(matches[0]).toMatchObject({ data: "report.pdf\u2400.php", value: "a\u2400b\ufffd" });
    expect(JSON.stringify(stored)).not.toContain("\\u0000");
  });

  it("answers 413 for too many events or a body over the limit, and for a gzip bomb without inflating it", async () => {
    const many = await post({ events: ids("many", EVENT_BATCH_MAX_EVENTS + 1).map((t) => event(t)) }, { gzip: true });
    expect(many.status).toBe(413);
    expect(((await many.json()) as { error: string }).error).toMatch(new RegExp(`at most ${EVENT_BATCH_MAX_EVENTS}`));
    expect(await countOf("many")).toBe(0);

    const plainBig = await post(null, { raw: " ".repeat(MAX_BODY_BYTES + 1) });
    expect(plainBig.status).toBe(413);

    // 200 MB of zeros compress to about 200 KB: stopped at MAX_BODY_BYTES of output.
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    const before = process.memoryUsage().arrayBuffers;
    const res = await post(null, { gzip: true, raw: bomb });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/inflated body is larger/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 * 1024);
  });

  it("answers 400 for what is not a batch: not JSON, not gzip, wrong shape, an unknown encoding", async () => {
    const status = async (r: Promise<Response>) => (await r).status;
    expect(await status(post(null, { raw: "{not json" }))).toBe(400);
    expect(await status(post(null, { gzip: true, raw: "plain text, not gzip" }))).toBe(400);
    expect(await status(post([event("shape-1")]))).toBe(400);
    expect(await status(post({ events: {} }))).toBe(400);
    expect(await status(post({ events: [] }))).toBe(400);
    const headers = new Headers({ [PEER_HEADER]: "192.0.2.50", authorization: `Bearer ${token}`, "content-encoding": "br" });
    expect((await POST(new Request(URL_, { method: "POST", headers, body: "{}" }))).status).toBe(400);
  });

  it("answers 401 to a wrong token and stores nothing", async () => {
    const res = await post({ events: [event("tok-1")] }, { token: "pn_wrongwrongwrongwrongwrongwrong" });
    expect(res.status).toBe(401);
    expect(await countOf("tok")).toBe(0);
  });

  it("answers 429 with Retry-After when the node has too many batches in flight", async () => {
    const big = { events: ids("busy", EVENT_BATCH_MAX_EVENTS).map((t) => event(t)) };
    const answers = await Promise.all([post(big), post(big), post(big), post(big)]);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.headers.get("retry-after")).toBe("1");
    expect(await countOf("busy")).toBe(EVENT_BATCH_MAX_EVENTS);
    // Afterwards the node is free again.
    expect((await post({ events: [event("busy-after-1")] })).status).toBe(200);
  });
});

describe(`pruneEvents (${process.env.TEST_DB})`, () => {
  const day = 24 * 3600 * 1000;
  it("deletes only the events and matches older than the retention, in batches", async () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const at = (ms: number) => new Date(now.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    const old = ids("old", 30).map((t, i) => event(t, { time: at(31 * day + i * 1000) }));
    const edge = event("keep-edge", { time: at(30 * day - 1000) });
    const fresh = ids("keep", 5).map((t, i) => event(t, { time: at(i * 3600_000) }));
    expect(((await (await post({ events: [...old, edge, ...fresh] })).json()) as Answer).accepted).toBe(36);
    const total = await db.wafEvent.count();
    const totalMatches = await db.wafEventMatch.count();

    const r = await pruneEvents({ now, days: 30, batchRows: 7 });
    // The other tests' events occurred on 2026-12-06, within the retention: only the 30 old ones go.
    // 30 events over two hours (11:59:31–12:00:00): 2 hours × total, client, path, rule 942100 × (vhost, all vhosts),
    // the same of their day (a day the rollup had summed: the events came late), and the same of the kept edge
    // event's day (cut by the purge: a day's rows go with its first purged hour, rollup-job.ts daysFrom).
    expect(r).toMatchObject({ before: new Date(now.getTime() - 30 * day), events: 30, matches: 60, rollupRows: 16 + 8 + 8, interrupted: false });
    expect(await countOf("old")).toBe(0);
    expect(await db.wafEventMatch.count({ where: { eventId: { in: ids("old", 30).map((t) => eventId(nodeId, t)) } } })).toBe(0);
    expect(await db.wafEvent.count({ where: { transactionId: { in: ["keep-edge", ...ids("keep", 5)] } } })).toBe(6);
    expect(await db.wafEventMatch.count({ where: { eventId: { in: ["keep-edge", ...ids("keep", 5)].map((t) => eventId(nodeId, t)) } } })).toBe(12);
    expect(await db.wafEvent.count()).toBe(total - r.events);
    expect(await db.wafEventMatch.count()).toBe(totalMatches - r.matches);
    expect(await pruneEvents({ now, days: 30 })).toMatchObject({ events: 0, matches: 0 });
  });

  it("pauses after each batch in proportion to the batch's time, matches before events, the write lock free meanwhile", async () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const before = new Date(now.getTime() - 30 * day);
    const at = (ms: number) => new Date(before.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(((await (await post({ events: ids("paced", 9).map((t, i) => event(t, { time: at(1000 + i * 1000) })) })).json()) as Answer).accepted).toBe(9);
    const oldEvents = () => db.wafEvent.count({ where: { occurredAt: { lt: before } } });
    const oldMatches = () => db.wafEventMatch.count({ where: { occurredAt: { lt: before } } });
    expect([await oldEvents(), await oldMatches()]).toEqual([9, 18]);
    const kept = [await db.wafEvent.count(), await db.wafEventMatch.count()];

    // A fake clock on which every batch takes 10 ms; the pauses are recorded with what is left at each.
    let t = 0;
    const pauses: { ms: number; events: number; matches: number; lockFree: boolean }[] = [];
    const other = process.env.TEST_DB === "postgres" ? null : new Database(process.env.DATABASE_URL!.replace(/^file:/, ""));
    try {
      other?.pragma("busy_timeout = 0");
      const r = await pruneEvents({
        now, days: 30, batchRows: 4, duty: 0.25,
        clock: () => (t += 10),
        sleep: async (ms) => {
          // Another connection takes SQLite's write lock at once (busy timeout 0): no batch holds it.
          let lockFree = true;
          if (other) {
            try {
              other.prepare("BEGIN IMMEDIATE").run();
              other.prepare("COMMIT").run();
            } catch {
              lockFree = false;
            }
          }
          pauses.push({ ms, events: await oldEvents(), matches: await oldMatches(), lockFree });
        },
      });
      expect(r).toMatchObject({ events: 9, matches: 18, interrupted: false });
      // 18 matches: 4 full batches (a pause after each), the short one, a pause before the events; 9 events: 2
      // full batches, the short one, a pause before the rollup's hours (then one after each full batch of those).
      expect(pauses.slice(0, 8).map((p) => [p.matches, p.events])).toEqual([[14, 9], [10, 9], [6, 9], [2, 9], [0, 9], [0, 5], [0, 1], [0, 0]]);
      expect(r.rollupRows).toBeGreaterThan(0);
      expect(pauses).toHaveLength(8 + Math.floor(r.rollupRows / 4));
      // Busy 10 ms each, busy 25 % of the time: 30 ms of pause after each.
      expect(pauses.every((p) => p.ms === 30)).toBe(true);
      expect(pauses.every((p) => p.lockFree)).toBe(true);
      expect(r).toMatchObject({ pauses: pauses.length, pausedMs: 30 * pauses.length });
    } finally {
      other?.close();
    }
    expect([await oldEvents(), await oldMatches()]).toEqual([0, 0]);
    expect([await db.wafEvent.count(), await db.wafEventMatch.count()]).toEqual([kept[0]! - 9, kept[1]! - 18]);
  });

  it("paces with real timers, stops between batches when interrupted and finishes on the next run", async () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const before = new Date(now.getTime() - 30 * day);
    const at = (ms: number) => new Date(before.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(((await (await post({ events: ids("stopped", 6).map((t, i) => event(t, { time: at(1000 + i * 1000) })) })).json()) as Answer).accepted).toBe(6);
    const oldMatches = () => db.wafEventMatch.count({ where: { occurredAt: { lt: before } } });

    // Real timers: the purge takes at least the pauses it reports.
    const started = performance.now();
    const ctl = new AbortController();
    let paused = 0;
    const r = await pruneEvents({
      now, days: 30, batchRows: 4, duty: 0.5, signal: ctl.signal,
      clock: () => performance.now(),
      sleep: async (ms, signal) => {
        paused++;
        await new Promise((resolve) => setTimeout(resolve, ms));
        if (paused === 2) ctl.abort(); // the operator stops it during the second pause
        expect(signal).toBe(ctl.signal);
      },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(r.pausedMs);
    // Stopped after two batches of matches: no event deleted yet (matches go first: no match is ever left without its event).
    expect(r).toMatchObject({ matches: 8, events: 0, pauses: 2, interrupted: true });
    expect(await oldMatches()).toBe(4);
    expect(await db.wafEvent.count({ where: { occurredAt: { lt: before } } })).toBe(6);
    // An aborted signal stops the purge before any batch.
    const aborted = await pruneEvents({ now, days: 30, signal: AbortSignal.abort() });
    expect(aborted).toMatchObject({ matches: 0, events: 0, interrupted: true });
    // The next run (duty 1: back to back, no pause) deletes the rest.
    expect(await pruneEvents({ now, days: 30, batchRows: 4, duty: 1 })).toMatchObject({ matches: 4, events: 6, pauses: 0, pausedMs: 0, interrupted: false });
  });

  it("runs one purge at a time in a process, and reads a validated retention setting", async () => {
    const a = pruneEventsOnce();
    expect(pruneEventsOnce()).toBe(a);
    await a;
    const b = pruneEventsOnce();
    expect(b).not.toBe(a);
    await b;
    expect(eventRetentionDays({})).toBe(30);
    expect(eventRetentionDays({ PALISADE_EVENT_RETENTION_DAYS: " 7 " })).toBe(7);
    for (const bad of ["0", "-1", "1.5", "thirty", "3651"]) expect(() => eventRetentionDays({ PALISADE_EVENT_RETENTION_DAYS: bad })).toThrow(/PALISADE_EVENT_RETENTION_DAYS/);
    expect(eventPurgeDuty({})).toBe(0.25);
    expect(eventPurgeDuty({ PALISADE_EVENT_PURGE_DUTY: "0.5" })).toBe(0.5);
    expect(eventPurgeDuty({ PALISADE_EVENT_PURGE_DUTY: "1" })).toBe(1);
    for (const bad of ["0", "-0.2", "1.5", "half", "0.001"]) expect(() => eventPurgeDuty({ PALISADE_EVENT_PURGE_DUTY: bad })).toThrow(/PALISADE_EVENT_PURGE_DUTY/);
    expect([eventPurgeEnabled({}), eventPurgeEnabled({ PALISADE_EVENT_PURGE: " ON " }), eventPurgeEnabled({ PALISADE_EVENT_PURGE: "off" })]).toEqual([true, true, false]);
    for (const bad of ["no", "0", "false", "disabled"]) expect(() => eventPurgeEnabled({ PALISADE_EVENT_PURGE: bad })).toThrow(/PALISADE_EVENT_PURGE must be "on" or "off"/);
  });

  it("on SQLite takes each batch's turn after this process's event batches (storing or waiting), on PostgreSQL does not wait for them", async () => {
    vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "1"); // the default: one batch stores at a time
    try {
      const now = new Date("2026-12-06T12:00:00Z");
      const before = new Date(now.getTime() - 30 * day);
      const at = (ms: number) => new Date(before.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
      expect(((await (await post({ events: ids("turns", 3).map((t, i) => event(t, { time: at(1000 + i * 1000) })) })).json()) as Answer).accepted).toBe(3);
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // Stand-ins for two ingestion batches: A stores from the start for 400 ms; B arrives 60 ms in, while the
      // purge waits for A, and stores after A for 150 ms.
      const ends: Record<string, number> = {};
      const a = inStoreSlot(async () => { await sleep(400); ends.a = performance.now(); });
      const b = sleep(60).then(() => inStoreSlot(async () => { await sleep(150); ends.b = performance.now(); }));
      const batches: { from: number; to: number; rows: number }[] = [];
      const r = await pruneEvents({ now, days: 30, batchRows: 2, duty: 1, onBatch: (x) => batches.push(x) });
      await Promise.all([a, b]);
      expect(r).toMatchObject({ events: 3, matches: 6 });
      expect(batches.length).toBeGreaterThanOrEqual(5); // 6 matches and 3 events, 2 rows a batch, and the rollup's hours
      expect(storingBatches()).toBe(0);
      if (process.env.TEST_DB === "postgres") {
        // No single writer: the purge's first batch runs while A stores.
        expect(batches[0]!.from).toBeLessThan(ends.a!);
      } else {
        // The first batch waited for A and for B, which arrived while it waited; no batch overlaps either.
        expect(batches[0]!.from).toBeGreaterThanOrEqual(ends.b!);
        expect(ends.b! - ends.a!).toBeGreaterThanOrEqual(140); // B stored after A (a 150 ms timer may fire a little early)
      }
    } finally {
      vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "16");
    }
  });

  it("on SQLite does not wait for a busy ingestion queue longer than yieldMaxMs before it takes its turn", async () => {
    vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "1");
    try {
      const now = new Date("2026-12-06T12:00:00Z");
      const before = new Date(now.getTime() - 30 * day);
      const at = (ms: number) => new Date(before.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
      expect(((await (await post({ events: ids("starved", 2).map((t, i) => event(t, { time: at(1000 + i * 1000) })) })).json()) as Answer).accepted).toBe(2);
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // Ingestion that never pauses for 1.5 s: 30 ms batches, three of them storing or waiting at all times.
      const t0 = performance.now();
      let stop = false;
      const flood = (async () => {
        const pending: Promise<void>[] = [];
        while (!stop && performance.now() - t0 < 1500) {
          while (storingBatches() < 3) pending.push(inStoreSlot(() => sleep(30).then(() => undefined)));
          await sleep(5);
        }
        await Promise.all(pending);
      })();
      await sleep(20);
      const batches: { from: number; to: number; rows: number }[] = [];
      const r = await pruneEvents({ now, days: 30, batchRows: 100, duty: 1, yieldMaxMs: 200, onBatch: (x) => batches.push(x) });
      stop = true;
      await flood;
      expect(r).toMatchObject({ events: 2, matches: 4 });
      // It yielded for 200 ms, then queued behind the batches waiting at that moment: done long before the flood.
      expect(batches[0]!.from - t0).toBeLessThan(1000);
      if (process.env.TEST_DB !== "postgres") expect(batches[0]!.from - t0).toBeGreaterThanOrEqual(200);
    } finally {
      vi.stubEnv("PALISADE_EVENT_STORE_CONCURRENCY", "16");
    }
  });
});
