// j. WAF event ingestion next to the rest of the panel (issue 18): while 4 nodes send event batches over
// HTTP to `next start`,
//   1. the server rendering of /vhosts (p50 / p95), against the same page on the idle server (target: p95
//      within 2× of idle);
//   2. a retention purge of one day of old events (PALISADE_BENCH_PURGE_EVENTS, default 1,000,000, all
//      older than the retention), run in this process as the panel's hourly purge runs it (pruneEvents):
//      how long each ingestion batch takes while the purge runs, against the batches just before it
//      (target: no ingestion request waits more than 100 ms on the purge). PALISADE_BENCH_PURGE_IN=one-process
//      (SQLite) or other-process measures one arrangement only (default both).
// The bench's nodes, vhosts and events are removed afterwards, like section g's.
import { databaseUrl, db } from "@/lib/db";
import { signalsReachOtherProcesses } from "@/lib/db/signal";
import { eventId, insertEventRows, matchRows, pathOf } from "@/lib/events/ingest";
import { clientKey } from "@/lib/events/client-key";
import { EVENT_RETENTION_DAYS, pruneEvents } from "@/lib/events/retention";
import type { BenchContext } from "./context";
import { closedLoop, sessionCookie, startNodeApi, type Server } from "./http";
import { bodies, handlerSender, httpSender, makeEvent, setUp, tearDown, type Fixture, type Send } from "./ingest";
import { table } from "./report";
import { loadAverage, loadText, ms, summarize, type Load } from "./stats";

const DAY_MS = 86_400_000;
const PURGE_EVENTS = Number(process.env.PALISADE_BENCH_PURGE_EVENTS ?? 1_000_000);
/** Which arrangements of the purge to measure: both (default), or only "one-process" (SQLite) / "other-process". */
const PURGE_IN = process.env.PALISADE_BENCH_PURGE_IN ?? "both";
if (!["both", "one-process", "other-process"].includes(PURGE_IN)) throw new Error(`PALISADE_BENCH_PURGE_IN must be both, one-process or other-process; got "${PURGE_IN}"`);
/** Seconds of ingestion measured before the purge starts (the baseline of the same row). */
const BASELINE_SECONDS = 15;

type Sample = { at: number; ms: number; accepted: number; status: number };

/** 4 nodes × 1 connection sending batches from `pool` (cycled: past its end, repeats are stored as duplicates) until stopped. */
function ingestInBackground(f: Fixture, send: Send, pool: Buffer[]) {
  let stopped = false;
  let next = 0;
  const samples: Sample[] = [];
  const loops = f.tokens.map(async (t) => {
    while (!stopped) {
      const s = performance.now();
      const r = await send(t, pool[next++ % pool.length]!);
      samples.push({ at: s, ms: performance.now() - s, accepted: r.accepted, status: r.status });
    }
  });
  return {
    samples,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return samples;
    },
  };
}

const between = (samples: Sample[], from: number, to: number) => samples.filter((s) => s.at >= from && s.at + s.ms <= to);
const rate = (samples: Sample[], seconds: number) => samples.reduce((n, s) => n + s.accepted, 0) / seconds;

/** One day of events that occurred before the retention period, stored the way ingestion stores them. */
async function seedOldDay(f: Fixture, count: number, now: Date): Promise<number> {
  const dayStart = now.getTime() - (EVENT_RETENTION_DAYS + 2) * DAY_MS;
  const receivedAt = new Date(dayStart);
  const CHUNK = 5000;
  for (let start = 0; start < count; start += CHUNK) {
    const events: unknown[][] = [];
    const matches: unknown[][] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const e = makeEvent(`old-${f.prefix}-${i}`, f.domains[i % f.domains.length]!, i);
      const nodeId = f.nodeIds[i % f.nodeIds.length]!;
      const vhostId = f.vhostIds[i % f.vhostIds.length]!;
      const id = eventId(nodeId, e.transactionId);
      const occurredAt = new Date(dayStart + Math.floor((i / count) * DAY_MS));
      events.push([id, nodeId, e.transactionId, vhostId, e.vhost, occurredAt, receivedAt, e.clientAddress, clientKey(e.clientAddress) ?? "", e.method, e.uri, pathOf(e.uri), e.status, e.outcome, e.inboundScore, e.outboundScore, null, e.matches]);
      matches.push(...matchRows(id, e, vhostId, occurredAt));
    }
    // As ingestion stores them (with the hourly rollup), in id order.
    const byId = (a: unknown[], b: unknown[]) => (String(a[0]) < String(b[0]) ? -1 : a[0] === b[0] ? Number(a[1]) - Number(b[1]) : 1);
    await insertEventRows(events.sort(byId), matches.sort(byId));
    if ((start / CHUNK) % 40 === 0) console.error(`  part j: ${start.toLocaleString("en")} old events stored …`);
  }
  return count;
}

export async function ingestLoadPart(ctx: BenchContext, server: Server) {
  const f = await setUp();
  const h = httpSender(server.baseUrl);
  const rows: (string | number)[][] = [];
  const purgeRows: (string | number)[][] = [];
  let stored = 0;
  try {
    // 1. /vhosts, idle and while ingesting.
    const admin = (await db.user.findFirst({ where: { email: "admin@palisade.local" } })) ?? (await db.user.findFirstOrThrow({ where: { role: "ADMIN", disabled: false } }));
    const cookie = await sessionCookie(server.secret, admin.email);
    const runs = Math.max(50, Math.floor(ctx.options.runs / 2));
    console.error("part j: /vhosts idle …");
    const idle = await closedLoop(`${server.baseUrl}/vhosts`, { cookie }, 1, runs, 100, 30);
    rows.push(["idle", `**${ms(idle.timing.median)}** / **${ms(idle.timing.p95)}**`, idle.requests, "—", "—", loadText(idle.load)]);
    console.error(`  ${rows.at(-1)!.join(" | ")}`);
    const pool = bodies(f, "load", 400);
    console.error("part j: /vhosts while 4 nodes ingest …");
    const bg = ingestInBackground(f, h.send, pool);
    await new Promise((r) => setTimeout(r, 3000));
    const from = performance.now();
    const busy = await closedLoop(`${server.baseUrl}/vhosts`, { cookie }, 1, runs, 0, 30);
    const to = performance.now();
    const samples = between(await bg.stop(), from, to);
    rows.push([
      "while 4 nodes × 1 connection ingest over HTTP",
      `**${ms(busy.timing.median)}** / **${ms(busy.timing.p95)}** (p95 ${(busy.timing.p95 / idle.timing.p95).toFixed(2)}× idle)`,
      busy.requests,
      `${rate(samples, (to - from) / 1000).toFixed(0)} events/s`,
      `${ms(summarize(samples.map((s) => s.ms)).median)} / ${ms(summarize(samples.map((s) => s.ms)).p95)}`,
      loadText(busy.load),
    ]);
    console.error(`  ${rows.at(-1)!.join(" | ")}`);

    // The same with the nodes' batches going to the node-API server (npm run node-api; on SQLite with
    // --events-only, on the panel's file): ingestion out of the panel's process, so only the machine's CPU
    // is shared, not the event loop; then with that server at --nice 10, so the panel's process is scheduled first.
    const eventsOnly = !signalsReachOtherProcesses();
    for (const nice of [0, 10]) {
      const nodeApi = await startNodeApi(ctx.options.appDir, databaseUrl(), nice, eventsOnly);
      if (!nodeApi) break;
      const apiSender = httpSender(nodeApi.baseUrl);
      try {
        console.error(`part j: /vhosts while 4 nodes ingest through the node-API server (nice ${nice}) …`);
        const bg2 = ingestInBackground(f, apiSender.send, bodies(f, `api${nice}`, 400));
        await new Promise((r) => setTimeout(r, 3000));
        const from2 = performance.now();
        const busy2 = await closedLoop(`${server.baseUrl}/vhosts`, { cookie }, 1, runs, 0, 30);
        const to2 = performance.now();
        const samples2 = between(await bg2.stop(), from2, to2);
        rows.push([
          `while 4 nodes × 1 connection ingest through the node-API server (\`npm run node-api${nice || eventsOnly ? " --" : ""}${nice ? ` --nice ${nice}` : ""}${eventsOnly ? " --events-only" : ""}\`)`,
          `**${ms(busy2.timing.median)}** / **${ms(busy2.timing.p95)}** (p95 ${(busy2.timing.p95 / idle.timing.p95).toFixed(2)}× idle)`,
          busy2.requests,
          `${rate(samples2, (to2 - from2) / 1000).toFixed(0)} events/s`,
          `${ms(summarize(samples2.map((s) => s.ms)).median)} / ${ms(summarize(samples2.map((s) => s.ms)).p95)}`,
          loadText(busy2.load),
        ]);
        console.error(`  ${rows.at(-1)!.join(" | ")}`);
      } finally {
        apiSender.close();
        await nodeApi.stop();
      }
    }

    // 2. Ingestion while a day of old events is purged: over HTTP to next start with the purge in this process
    // (another process, as the panel's hourly purge runs next to an events-only node-API server that stores);
    // on SQLite also with ingestion in this process, the route's own handler, so that the purge takes turns with
    // it in one process's event store queue (the panel, or the events-only node-API server, purging what it stores).
    let seedSeconds = 0;
    const purgeWhileIngesting = async (label: string, send: Send) => {
      const now = new Date();
      console.error(`part j (${label}): storing ${PURGE_EVENTS.toLocaleString("en")} events of one day older than the retention …`);
      const seedStarted = performance.now();
      await seedOldDay(f, PURGE_EVENTS, now);
      seedSeconds = (performance.now() - seedStarted) / 1000;
      const bg2 = ingestInBackground(f, send, bodies(f, `purge${purgeRows.length}`, 1000));
      const loadBefore = loadAverage();
      const baseFrom = performance.now();
      await new Promise((r) => setTimeout(r, BASELINE_SECONDS * 1000));
      const purgeFrom = performance.now();
      console.error(`part j (${label}): purging while ingesting …`);
      const purgeBatches: { from: number; to: number; rows: number }[] = [];
      const purged = await pruneEvents({ now, onBatch: (b) => purgeBatches.push(b) });
      const purgeTo = performance.now();
      const all = await bg2.stop();
      const load: Load = { before: loadBefore, after: loadAverage() };
      const base = between(all, baseFrom, purgeFrom);
      // Every batch that overlapped the purge, even partly.
      const during = all.filter((s) => s.at < purgeTo && s.at + s.ms > purgeFrom);
      // The purge's batch statements' time within each ingestion request: in one process (better-sqlite3 is
      // synchronous) the time that request was held by the purge; across processes, at most that.
      const heldBy = (s: Sample) => purgeBatches.reduce((n, b) => n + Math.max(0, Math.min(b.to, s.at + s.ms) - Math.max(b.from, s.at)), 0);
      const held = summarize(during.map(heldBy));
      const b = summarize(base.map((s) => s.ms));
      const p = summarize(during.map((s) => s.ms));
      const max = Math.max(...during.map((s) => s.ms));
      const statuses = (list: Sample[]) => Object.entries(list.reduce<Record<number, number>>((m, s) => ((m[s.status] = (m[s.status] ?? 0) + 1), m), {})).map(([k, v]) => `${v}× ${k}`).join(", ");
      const batchMs = summarize(purgeBatches.map((x) => x.to - x.from));
      const slowest = purgeBatches.map((x, i) => ({ i, ms: x.to - x.from, rows: x.rows })).sort((a, b) => b.ms - a.ms).slice(0, 8);
      console.error(`  part j (${label}): slowest purge batches (index of ${purgeBatches.length}, ms, rows): ${slowest.map((x) => `#${x.i} ${x.ms.toFixed(0)} ms ${x.rows}`).join(", ")}`);
      purgeRows.push([`${label}: before the purge`, `${BASELINE_SECONDS} s`, base.length, `${ms(b.median)} / ${ms(b.p95)} / ${ms(Math.max(...base.map((s) => s.ms)))}`, "—", `${rate(base, (purgeFrom - baseFrom) / 1000).toFixed(0)}`, statuses(base), "—"]);
      purgeRows.push([
        `${label}: during the purge (${purged.events.toLocaleString("en")} events, ${purged.matches.toLocaleString("en")} matches deleted in ${purgeBatches.length.toLocaleString("en")} batches of p50 / max ${ms(batchMs.median)} / ${ms(Math.max(...purgeBatches.map((x) => x.to - x.from)))} ms)`,
        `${((purgeTo - purgeFrom) / 1000).toFixed(1)} s`,
        during.length,
        `${ms(p.median)} / ${ms(p.p95)} / ${ms(max)}`,
        `**${ms(held.p95)}** / **${ms(Math.max(0, ...during.map(heldBy)))}**`,
        `${rate(between(all, purgeFrom, purgeTo), (purgeTo - purgeFrom) / 1000).toFixed(0)}`,
        statuses(during),
        loadText(load),
      ]);
    };
    if (PURGE_IN !== "one-process") await purgeWhileIngesting("over HTTP to next start, the purge in another process", h.send);
    if (!signalsReachOtherProcesses() && PURGE_IN !== "other-process") await purgeWhileIngesting("in one process with the purge (the route's handler)", await handlerSender());
    console.error(`  ${purgeRows.map((r) => r.join(" | ")).join("\n  ")}`);
    const body = [
      ctx.header(`4 nodes, 20 vhosts; gzip batches of 500 events (as section g) over HTTP to next start`),
      "",
      table(["/vhosts (server-rendered, signed in as ADMIN)", "p50 / p95 ms", "requests", "ingested meanwhile", "batch p50 / p95 ms", "load avg"], rows),
      "",
      `Target: /vhosts p95 while ingesting within 2× of idle. ${runs} sequential requests per row on one keep-alive connection (the idle row after 100 warm-up requests); the ingesting row starts 3 s after the 4 senders.`,
      "",
      table(["ingestion batches (4 nodes × 1 connection)", "time", "batches", "batch p50 / p95 / max ms", "purge batches within a request p95 / max ms", "events/s", "answers", "load avg"], purgeRows),
      "",
      `Target: no ingestion request waits more than 100 ms on the purge. The day of ${PURGE_EVENTS.toLocaleString("en")} old events (2–5 matches each) was stored first (${seedSeconds.toFixed(0)} s), then ingestion ran ${BASELINE_SECONDS} s alone and on through \`pruneEvents\` (lib/events/retention.ts: batches of 2,000 rows, 250 on SQLite, matches first, each batch its own statement; on SQLite each batch waits for the event batches of its own process to be stored) in the bench's process. "Purge batches within a request": how long the purge's batches (from the call of each batch's statement to its answer, any wait for the lock included) overlapped each ingestion request; in one process on SQLite the statement runs synchronously by itself (lib/db/dialect/sqlite.ts), so that is the time the request was held by the purge.`,
    ].join("\n");
    return [{ key: `${ctx.kind}:j`, title: `${ctx.dialect.name} · j. Ingestion next to page rendering and a retention purge`, body }];
  } finally {
    h.close();
    stored = await tearDown(f);
    console.error(`part j: removed ${stored.toLocaleString("en")} bench events`);
  }
}
