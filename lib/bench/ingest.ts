// g. WAF event ingestion: events per second stored through POST /api/v1/nodes/events, as the agent sends
// them (gzip batches of EVENT_BATCH_MAX_EVENTS events, 2–4 matched rules each, unique transaction ids).
// Measured two ways: over HTTP against `next start` of the production build (the issue's target), and
// through the route handler called in this process (no HTTP, no Next: what the handler and the database
// cost alone) — each labelled. Several nodes send at once, each one batch at a time per connection (the
// route lets a node have MAX_IN_FLIGHT_PER_NODE batches in flight). The bench's nodes, vhosts and events
// are removed afterwards, so the other parts see the database as it was.
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { gzipSync } from "node:zlib";
import { databaseUrl, db, dialect } from "@/lib/db";
import { signalsReachOtherProcesses } from "@/lib/db/signal";
import { ALL_VHOSTS, ROLLUP_COLUMNS, ROLLUP_TABLE } from "@/lib/events/rollup";
import { EVENT_BATCH_MAX_EVENTS, type WafEvent } from "@/lib/events/schema";
import { hashToken } from "@/lib/nodes/token";
import type { BenchContext } from "./context";
import { startNodeApi, type Server } from "./http";
import { table } from "./report";
import { cpuSince, loadAverage, loadText, ms, processCpu, summarize, type Load, type Timing } from "./stats";

const VHOSTS = 20;
const NODES = 4;
/** Seconds of sending per measurement (after a warm-up of a few batches per connection). */
const SECONDS = 20;

const RULES: [number, string, string[]][] = [
  [942100, "SQL Injection Attack Detected via libinjection", ["application-multi", "language-multi", "platform-multi", "attack-sqli", "paranoia-level/1", "OWASP_CRS"]],
  [941100, "XSS Attack Detected via libinjection", ["application-multi", "language-multi", "platform-multi", "attack-xss", "paranoia-level/1", "OWASP_CRS"]],
  [930120, "OS File Access Attempt", ["application-multi", "language-multi", "platform-multi", "attack-lfi", "paranoia-level/1", "OWASP_CRS"]],
  [920350, "Host header is a numeric IP address", ["application-multi", "language-multi", "platform-multi", "attack-protocol", "paranoia-level/1", "OWASP_CRS"]],
  [913100, "Found User-Agent associated with security scanner", ["application-multi", "language-multi", "platform-multi", "attack-reputation-scanner", "paranoia-level/1", "OWASP_CRS"]],
];

export function makeEvent(tid: string, domain: string, i: number): WafEvent {
  const n = 1 + (i % 3);
  const rules = Array.from({ length: n }, (_, k) => RULES[(i + k) % RULES.length]!);
  const blocked = i % 4 !== 0;
  const matches: WafEvent["matches"] = rules.map(([ruleId, message, tags]) => ({ ruleId, message, tags, severity: 2, paranoiaLevel: 1, variable: "ARGS:q", data: `' or 1=1-- ${i}`, value: `' or 1=1-- ${i}` }));
  if (blocked) matches.push({ ruleId: 949110, message: "Inbound Anomaly Score Exceeded (Total Score: 5)", tags: ["application-multi", "anomaly-evaluation"], severity: 2, paranoiaLevel: null, variable: null, data: null, value: null });
  return {
    transactionId: tid,
    // Within the last half minute, as the agent ships them (seconds after they happen): an event of an hour
    // the rollup has already counted is rare and takes ingestion's late path (lib/events/rollup-job.ts).
    time: new Date(Date.now() - (i % 30) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    vhost: domain,
    clientAddress: `198.51.100.${i % 250}`,
    method: i % 5 ? "GET" : "POST",
    uri: `/search/${i % 100}?q=%27%20or%201%3D1--&page=${i % 7}`,
    status: blocked ? 403 : 200,
    outcome: blocked ? "blocked" : "detected",
    inboundScore: 5 * n,
    outboundScore: 0,
    matches,
  };
}

export type Fixture = { prefix: string; domains: string[]; tokens: string[]; nodeIds: string[]; vhostIds: string[] };

export async function setUp(): Promise<Fixture> {
  const prefix = `bench-ingest-${randomBytes(3).toString("hex")}`;
  const now = new Date();
  const domains = Array.from({ length: VHOSTS }, (_, i) => `${prefix}-${i}.bench.test`);
  const vhostIds = domains.map(() => randomUUID());
  await dialect().bulkInsert(
    db,
    "VirtualHost",
    ["id", "domain", "aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled", "version", "updatedByEmail", "createdAt", "updatedAt"],
    domains.map((d, i) => [vhostIds[i], d, [], "http://127.0.0.1:9", "NONE", null, false, "TLS1_2", true, 1, null, now, now]),
  );
  const tokens = Array.from({ length: NODES }, () => `pn_${randomBytes(32).toString("base64url")}`);
  const nodeIds: string[] = [];
  for (const [i, t] of tokens.entries()) nodeIds.push((await db.wafNode.create({ data: { name: `${prefix}-node-${i}`, tokenHash: hashToken(t), tokenPrefix: t.slice(0, 8) } })).id);
  return { prefix, domains, tokens, nodeIds, vhostIds };
}

export async function tearDown(f: Fixture): Promise<number> {
  // Every bench event names one of the bench's vhosts: one statement removes their matches (deleting them by
  // event id, 500 at a time, took ten minutes after part j's million old events).
  await db.wafEventMatch.deleteMany({ where: { vhostId: { in: f.vhostIds } } });
  const { count: ids } = await db.wafEvent.deleteMany({ where: { nodeId: { in: f.nodeIds } } });
  await forgetRollup(f.vhostIds);
  await db.wafNode.deleteMany({ where: { id: { in: f.nodeIds } } });
  await db.virtualHost.deleteMany({ where: { id: { in: f.vhostIds } } });
  // The next row must not pay for this one's dead rows (autovacuum is not on everywhere, and takes its time).
  await dialect().vacuum(["WafEvent", "WafEventMatch", ROLLUP_TABLE]);
  return ids;
}

/**
 * Takes the events of these vhosts (all of them deleted) out of the hourly rollup (lib/events/rollup.ts):
 * their own rows go, and what they added to the all-vhosts rows is subtracted (rows left at 0 go too).
 */
export async function forgetRollup(vhostIds: string[]): Promise<void> {
  const own = await db.wafEventHourly.findMany({ where: { vhostId: { in: vhostIds } } });
  const sums = new Map<string, { row: [string, string, string, Date, string]; n: number }>();
  for (const r of own) {
    const k = `${r.kind}\u0000${r.key}\u0000${r.hour.toISOString()}\u0000${r.outcome}`;
    const s = sums.get(k) ?? { row: [r.kind, ALL_VHOSTS, r.key, r.hour, r.outcome], n: 0 };
    s.n -= r.n;
    sums.set(k, s);
  }
  const rows = [...sums].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, s]) => [...s.row, s.n]);
  await dialect().insertBatch([], () => [{ table: ROLLUP_TABLE, columns: ROLLUP_COLUMNS, conflict: ["kind", "vhostId", "key", "hour", "outcome"], add: "n", rows }]);
  await db.wafEventHourly.deleteMany({ where: { OR: [{ vhostId: { in: vhostIds } }, { vhostId: ALL_VHOSTS, n: { lte: 0 } }] } });
}

/** Gzip bodies of full batches, unique transaction ids, generated before the clock starts. */
export function bodies(f: Fixture, tag: string, count: number): Buffer[] {
  let i = 0;
  return Array.from({ length: count }, (_, b) =>
    gzipSync(Buffer.from(JSON.stringify({ events: Array.from({ length: EVENT_BATCH_MAX_EVENTS }, () => makeEvent(`${tag}-${b}-${i}`, f.domains[i % VHOSTS]!, i++)) }))),
  );
}

export type Send = (token: string, body: Buffer) => Promise<{ status: number; accepted: number }>;
type Result = { events: number; batches: number; seconds: number; perSecond: number; timing: Timing; statuses: Record<number, number>; load: Load; cpu: { panel: number; database: number } };
/** CPU ms used so far by the panel's process(es) and by the database server's processes for this database. */
type CpuReading = { panel: Map<number, number>; database: Map<number, number> };

async function measure(f: Fixture, send: Send, connectionsPerNode: number, pool: Buffer[], readCpu: () => Promise<CpuReading>): Promise<Result> {
  let next = 0;
  const take = () => pool[next++ % pool.length]!; // past the pool, batches repeat: stored as duplicates (not counted)
  // Warm-up: the server's JIT, Prisma's client and the connection pool (events stored, not counted).
  await Promise.all(f.tokens.map(async (t) => { for (let k = 0; k < 3; k++) await send(t, take()); }));
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let events = 0;
  const before = loadAverage();
  const cpu0 = await readCpu();
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  await Promise.all(
    f.tokens.flatMap((t) =>
      Array.from({ length: connectionsPerNode }, async () => {
        while (performance.now() < stopAt && next < pool.length) {
          const s = performance.now();
          const r = await send(t, take());
          latencies.push(performance.now() - s);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          events += r.accepted;
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = await readCpu();
  const cpu = { panel: cpuSince(cpu0.panel, cpu1.panel), database: cpuSince(cpu0.database, cpu1.database) };
  return { events, batches: latencies.length, seconds, perSecond: events / seconds, timing: summarize(latencies), statuses, load: { before, after: loadAverage() }, cpu };
}

export function httpSender(baseUrl: string): { send: Send; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL("/api/v1/nodes/events", baseUrl);
  const once = (token: string, body: Buffer) =>
    new Promise<{ status: number; accepted: number }>((resolve, reject) => {
      const req = http.request(url, { method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let accepted = 0;
          try {
            accepted = Number((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { accepted?: number }).accepted ?? 0);
          } catch {
            // an error page: nothing accepted
          }
          resolve({ status: res.statusCode ?? 0, accepted });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  // A kept-alive socket the server has just closed as idle fails at once: that batch is sent again.
  const send: Send = (token, body) => once(token, body).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ECONNRESET" || /socket hang up/.test(err.message)) return once(token, body);
    throw err;
  });
  return { send, close: () => agent.destroy() };
}

export async function handlerSender(): Promise<Send> {
  const { postNodeEvents } = await import("@/lib/events/api");
  return async (token, body) => {
    const res = await postNodeEvents(new Request("http://panel.local/api/v1/nodes/events", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip" }, body: new Uint8Array(body) }));
    const j = (await res.json()) as { accepted?: number };
    return { status: res.status, accepted: Number(j.accepted ?? 0) };
  };
}

const statusText = (s: Record<number, number>) => Object.entries(s).map(([k, v]) => `${v}× ${k}`).join(", ");

export async function ingestPart(ctx: BenchContext, server: Server | null) {
  const f = await setUp();
  const rows: (string | number)[][] = [];
  // CPU per stored batch (the panel's process and the database server's): what the machine's load does not change much.
  const cpuText = (r: Result) => {
    const perBatch = (x: number) => (r.events ? (x / r.events) * EVENT_BATCH_MAX_EVENTS : 0);
    const total = perBatch(r.cpu.panel + r.cpu.database);
    return [`${perBatch(r.cpu.panel).toFixed(0)} + ${perBatch(r.cpu.database).toFixed(0)}`, total ? `${((EVENT_BATCH_MAX_EVENTS / total) * 1000).toFixed(0)}` : "—"];
  };
  const row = (how: string, c: number, r: Result) => [how, `${NODES} × ${c}`, r.batches, r.events.toLocaleString("en"), `**${r.perSecond.toFixed(0)}**`, `${ms(r.timing.median)} / ${ms(r.timing.p95)}`, ...cpuText(r), statusText(r.statuses), loadText(r.load)];
  const databaseCpu = async () => processCpu(await ctx.raw.serverPids());
  const serverCpu = async (): Promise<CpuReading> => ({ panel: processCpu(server?.pid ? [server.pid] : []), database: await databaseCpu() });
  const ownCpu = async (): Promise<CpuReading> => {
    const u = process.cpuUsage();
    return { panel: new Map([[process.pid, (u.user + u.system) / 1000]]), database: await databaseCpu() };
  };
  // Enough batches for SECONDS at 30,000 events/s, never more than 1,200 (memory: ~40 kB each).
  const poolSize = Math.min(1200, Math.ceil((30_000 * SECONDS) / EVENT_BATCH_MAX_EVENTS) + NODES * 3);
  let notes = "";
  let stored = 0;
  try {
    if (server) {
      for (const c of [1, 2]) {
        console.error(`part g: HTTP, ${NODES} nodes × ${c} connections …`);
        const h = httpSender(server.baseUrl);
        try {
          rows.push(row("HTTP, `next start` (another process)", c, await measure(f, h.send, c, bodies(f, `http${c}`, poolSize), serverCpu)));
          console.error(`  ${rows.at(-1)!.join(" | ")}`);
        } finally {
          h.close();
        }
      }
    } else notes = "No `next start` could be started: the HTTP rows are missing.";
    // The same batches to the node-API server (npm run node-api; on SQLite with --events-only): the handler without Next.
    // On PostgreSQL also with --workers 2: two processes on the one port, one per core (SQLite refuses it).
    const eventsOnly = !signalsReachOtherProcesses();
    for (const workers of ctx.dialect.singleWriter ? [1] : [1, 2]) {
      const nodeApi = await startNodeApi(ctx.options.appDir, databaseUrl(), 0, eventsOnly, workers);
      if (!nodeApi) continue;
      const flags = [eventsOnly ? "--events-only" : "", workers > 1 ? `--workers ${workers}` : ""].filter(Boolean).join(" ");
      try {
        const apiCpu = async (): Promise<CpuReading> => ({ panel: processCpu(nodeApi.pid ? [nodeApi.pid] : []), database: await databaseCpu() });
        for (const c of [1, 2]) {
          console.error(`part g: HTTP to the node-API server (${workers} worker(s)), ${NODES} nodes × ${c} connections …`);
          const h = httpSender(nodeApi.baseUrl);
          try {
            rows.push(row(`HTTP, node-API server (\`npm run node-api${flags ? ` -- ${flags}` : ""}\`)`, c, await measure(f, h.send, c, bodies(f, `api${workers}w${c}`, poolSize), apiCpu)));
            console.error(`  ${rows.at(-1)!.join(" | ")}`);
          } finally {
            h.close();
          }
        }
      } finally {
        await nodeApi.stop();
      }
    }
    const send = await handlerSender();
    for (const c of [1, 2]) {
      console.error(`part g: in-process handler, ${NODES} nodes × ${c} …`);
      rows.push(row("route handler in this process (no HTTP)", c, await measure(f, send, c, bodies(f, `proc${c}`, poolSize), ownCpu)));
      console.error(`  ${rows.at(-1)!.join(" | ")}`);
    }
  } finally {
    stored = await tearDown(f);
  }
  const target = ctx.dialect.singleWriter ? 5_000 : 20_000;
  const body = [
    ctx.header(`${NODES} nodes, ${VHOSTS} vhosts; gzip batches of ${EVENT_BATCH_MAX_EVENTS} events with 2–5 rule matches each; ${SECONDS} s per row`),
    "",
    table(["POST /api/v1/nodes/events", "nodes × connections", "batches", "events stored", "events/s", "batch p50 / p95 ms", "CPU ms per batch: panel + database", "events per CPU-second", "answers", "load avg"], rows),
    "",
    `Target on ${ctx.dialect.name}: ≥ ${target.toLocaleString("en")} events/s through HTTP. Events/s counts events newly stored (\`accepted\`) over the row's wall time; ` +
      `the batches were built and compressed before the clock started; each connection sends its next batch when the answer to the previous one is read. ` +
      `CPU: user + system time of the panel's process (with its children; this process for the in-process rows) and of the database's server processes for this database (none for SQLite, which runs in the panel's process), from /proc, per stored batch of ${EVENT_BATCH_MAX_EVENTS}; ` +
      `events per CPU-second is what one free core would sustain — on ${os.cpus().length} cores at best that many times over (PostgreSQL's backends and Node's main thread run in parallel; SQLite's writes do not). ` +
      `${stored.toLocaleString("en")} events stored in all, removed afterwards with the bench's nodes and vhosts. ${notes}`,
  ].join("\n");
  return [{ key: `${ctx.kind}:g`, title: `${ctx.dialect.name} · g. WAF event ingestion`, body }];
}
