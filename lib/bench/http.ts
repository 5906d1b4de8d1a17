// d. The node pull API and e. server rendering, over HTTP on loopback against `next start` of a
// production build (never the shared checkout's: the bench starts its own server from --app-dir).
// No load tool is installed (autocannon is not in node_modules), so this is a small closed-loop client:
// N connections kept alive, each sending its next request when the previous answer is complete.
import { randomUUID } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { databaseUrl, db } from "@/lib/db";
import type { BenchContext } from "./context";
import { table } from "./report";
import { listVhosts } from "@/lib/vhosts/queries";
import { loadAverage, loadText, ms, processCpuMs, summarize, timeInterleaved, type Load, type Timing } from "./stats";

export type Server = { baseUrl: string; secret: string; stop(): Promise<void>; /** The server process (null for --base-url). */ pid?: number | null };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `next start` of the build in `appDir` on a free loopback port, with the bench's database (and `env` on top). */
export async function startServer(appDir: string, databaseUrl: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const secret = randomBytes(36).toString("base64");
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [path.join(appDir, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, NEXTAUTH_SECRET: secret, NEXTAUTH_URL: baseUrl, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on("data", (d) => (output = (output + d).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    try {
      const r = await get(`${baseUrl}/login`, {});
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { baseUrl, secret, stop, pid: child.pid ?? null };
}

/**
 * The node-API server (`npm run node-api`, lib/nodes/server.ts) started from `appDir` on the same database:
 * the node routes without Next's request pipeline (with `eventsOnly`, POST /api/v1/nodes/events alone, which
 * SQLite allows too). Null on a database it refuses (SQLite, unless `eventsOnly`).
 */
export async function startNodeApi(appDir: string, databaseUrl: string, nice = 0, eventsOnly = false, workers = 1): Promise<Server | null> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [path.join(appDir, "node_modules", "tsx", "dist", "cli.mjs"), path.join(appDir, "lib", "nodes", "server-cli.ts"), "--port", String(port), "--host", "127.0.0.1", "--nice", String(nice), ...(eventsOnly ? ["--events-only"] : []), ...(workers > 1 ? ["--workers", String(workers)] : [])], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on("data", (d) => (output = (output + d).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes("node API listening")) {
    if (child.exitCode !== null) return null;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm run node-api did not start within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl, secret: "", stop, pid: child.pid ?? null };
}

export type Answer = { status: number; bytes: number; headers: http.IncomingHttpHeaders; body?: string };

// One-off requests get a fresh connection: Node's global agent keeps sockets alive, and reusing one the
// server has just closed as idle (after a long step such as a publish) fails with "socket hang up".
const oneOff = new http.Agent({ keepAlive: false });

export function get(url: string, headers: Record<string, string>, agent?: http.Agent, keepBody = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: agent ?? oneOff }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers, ...(keepBody ? { body: Buffer.concat(chunks).toString("utf8") } : {}) }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

export type LoadResult = {
  timing: Timing;
  requests: number;
  seconds: number;
  perSecond: number;
  statuses: Record<number, number>;
  bytes: number;
  load: Load;
  /** The server's CPU time per request (ms), when its process is known (`serverPid`). */
  serverCpuMs: number | null;
};

/** `connections` keep-alive connections, each looping until `total` requests were sent or `maxSeconds` passed. */
export async function closedLoop(url: string, headers: Record<string, string>, connections: number, total: number, warmup: number, maxSeconds = 60, serverPid?: number | null): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  try {
    // The server's Prisma client and JIT need a couple of hundred requests to warm up (at most 20 s here).
    const warmUntil = performance.now() + 20_000;
    for (let i = 0; i < warmup && performance.now() < warmUntil; i++) await get(url, headers, agent);
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    let sent = 0;
    let bytes = 0;
    const before = loadAverage();
    const cpuBefore = processCpuMs(serverPid);
    const started = performance.now();
    const stopAt = started + maxSeconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (sent < total && performance.now() < stopAt) {
          sent++;
          const t = performance.now();
          const r = await get(url, headers, agent);
          latencies.push(performance.now() - t);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          bytes += r.bytes;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = processCpuMs(serverPid);
    const serverCpuMs = cpuBefore !== null && cpuAfter !== null && latencies.length > 0 ? (cpuAfter - cpuBefore) / latencies.length : null;
    return { timing: summarize(latencies), requests: latencies.length, seconds, perSecond: latencies.length / seconds, statuses, bytes, load: { before, after: loadAverage() }, serverCpuMs };
  } finally {
    agent.destroy();
  }
}

const statusText = (s: Record<number, number>) =>
  Object.entries(s)
    .map(([k, v]) => `${v}× ${k}`)
    .join(", ");

// ---------------------------------------------------------------------------------------------------
// e. Server rendering

/** A session cookie for `email`, made the way next-auth makes one at sign-in (same secret, same claims). */
export async function sessionCookie(secret: string, email: string): Promise<string> {
  const u = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true, email: true, name: true, sessionVersion: true } });
  // As lib/auth/options.ts signs a session in: a session id and the sign-in time (seconds) with the user's claims.
  const token = await encode({ token: { sub: u.id, email: u.email, name: u.name, uid: u.id, sv: u.sessionVersion, sid: randomUUID(), at: Math.floor(Date.now() / 1000) }, secret, maxAge: 8 * 60 * 60 });
  return `next-auth.session-token=${token}`;
}

export async function renderPart(ctx: BenchContext, server: Server) {
  const admin = (await db.user.findFirst({ where: { email: "admin@palisade.local" } })) ?? (await db.user.findFirstOrThrow({ where: { role: "ADMIN", disabled: false } }));
  const cookie = await sessionCookie(server.secret, admin.email);
  const [deep] = await ctx.raw.query<{ seq: number }>(`SELECT "seq" FROM "AuditEvent" ORDER BY "seq" DESC LIMIT 1 OFFSET 50000`);
  const lastPage = Math.max(1, Math.ceil(ctx.counts.vhosts / 25));
  const pages: [string, string, string][] = [
    ["/ (dashboard)", "/", "</html>"],
    ["/vhosts", "/vhosts", "Virtual hosts"],
    [`/vhosts?page=${lastPage} (last page)`, `/vhosts?page=${lastPage}`, "Virtual hosts"],
    ["/vhosts?q=shop (search)", "/vhosts?q=shop", "Virtual hosts"],
    ["/audit", "/audit", "Audit log"],
    ["/audit, 1,000 pages deep", `/audit?before=${deep?.seq ?? 1}`, "Audit log"],
    ["/audit?actor=…&q=deny", `/audit?actor=editor3%40palisade.bench&q=deny`, "Audit log"],
    ["/config (publish status of every vhost)", "/config", "</html>"],
  ];
  const runs = Math.max(20, Math.floor(ctx.options.runs / 2));
  const rows: (string | number)[][] = [];
  for (const [name, pathAndQuery, marker] of pages) {
    const probe = await get(server.baseUrl + pathAndQuery, { cookie }, undefined, true);
    if (probe.status >= 300 && probe.status < 400) throw new Error(`${pathAndQuery} redirected to ${probe.headers.location}: the session cookie was not accepted`);
    if (probe.status !== 200 || !probe.body?.includes(marker)) {
      rows.push([name, `**fails**: answers ${probe.status}`, "—", `1× ${probe.status}`, "—"]);
      continue;
    }
    const r = await closedLoop(server.baseUrl + pathAndQuery, { cookie }, 1, runs, 100);
    rows.push([name, `**${ms(r.timing.median)}** / ${ms(r.timing.p95)}`, `${(probe.bytes / 1024).toFixed(0)} kB`, statusText(r.statuses), loadText(r.load)]);
  }
  // The vhost list's own query, in this process.
  const queryRows: (string | number)[][] = [];
  for (const [name, p] of [
    ["/vhosts", { q: "", sort: "domain", dir: "asc", page: 1 }],
    [`/vhosts?page=${lastPage}`, { q: "", sort: "domain", dir: "asc", page: lastPage }],
  ] as const) {
    const { timings, load } = await timeInterleaved([() => listVhosts(p)], runs, 100);
    queryRows.push([name, `**${ms(timings[0]!.median)}** / ${ms(timings[0]!.p95)}`, loadText(load)]);
  }
  // The list page's "unpublished" marks (the page's vhosts only) and the config page's publish status (every
  // vhost), in this process: the first call reads the latest revision's file hashes (kept per revision), the
  // first publishStatus compiles every vhost (kept while the stored state is the same), the next ones do neither.
  const unpublishedRows: (string | number)[][] = [];
  {
    const { publishStatus, unpublishedAmong, unpublishedVhostIds } = await import("@/lib/config/status");
    const ids = (await listVhosts({ q: "", sort: "domain", dir: "asc", page: 1 })).rows.map((r) => r.id);
    const once = async <T>(f: () => Promise<T>) => {
      const started = performance.now();
      const value = await f();
      return { value, ms: performance.now() - started };
    };
    const marks = await once(() => unpublishedAmong(ids));
    const status = await once(() => publishStatus());
    const all = await unpublishedVhostIds();
    if (JSON.stringify([...marks.value].sort()) !== JSON.stringify(ids.filter((i) => all.has(i)).sort())) throw new Error("unpublishedAmong differs from unpublishedVhostIds on the first page");
    const { timings, load } = await timeInterleaved([() => unpublishedAmong(ids), () => publishStatus()], 5, 1);
    const pending = status.value.vhosts.filter((v) => v.state !== "published" && v.state !== "disabled").length;
    unpublishedRows.push(["/vhosts: `unpublishedAmong(first page's 25 ids)`", `${ms(marks.ms)} (reads the revision's file hashes)`, `**${ms(timings[0]!.median)}** / ${ms(timings[0]!.p95)}`, loadText(load)]);
    unpublishedRows.push([
      `/config: \`publishStatus()\`, ${status.value.vhosts.length.toLocaleString("en")} vhosts (${pending.toLocaleString("en")} unpublished)`,
      `${ms(status.ms)} (compiles every vhost once)`,
      `**${ms(timings[1]!.median)}** / ${ms(timings[1]!.p95)}`,
      loadText(load),
    ]);
  }
  const body = [
    ctx.header(`next start (production build in ${ctx.options.appDir}) on loopback, signed in as ${admin.role}`),
    "",
    table(["page (full HTML document, server-rendered)", "p50 / p95 ms", "HTML", "answers", "load avg"], rows),
    "",
    `${runs} sequential requests per page after up to 100 warm-up requests (at most 20 s), one keep-alive connection; time to the last byte.`,
    "",
    table(["the vhost list's query (in process)", "`listVhosts` p50 / p95 ms", "load avg"], queryRows),
    "",
    "`listVhosts` reads the page's 25 vhosts with their policies, and counts their deny entries, exclusions and enabled rules (the hover summary) " +
      "with three indexed `groupBy` queries on those ids, run together.",
    "",
    table(["publish status (in process)", "first call ms", "next calls p50 / p95 ms", "load avg"], unpublishedRows),
    "",
    "The vhost list marks the unpublished vhosts of its page: those 25 are loaded and compiled alone, and their files' hashes compared with the latest " +
      "revision's, which are read once per revision and kept (revisions never change). The config page shows every vhost's state: it loads every vhost " +
      "and compiles them only when their input (hashed) or the settings changed since the last view; the same marks (checked before timing).",
  ].join("\n");
  return [{ key: `${ctx.kind}:e`, title: `${ctx.dialect.name} · e. Server rendering at full scale`, body }];
}

// ---------------------------------------------------------------------------------------------------
// d. Node pull API

async function nodeToken(): Promise<string> {
  const { registerNode } = await import("@/lib/nodes/service");
  const ctx = { actor: { id: null, email: "system:bench" } };
  const { token } = await registerNode(ctx, { name: `bench-${randomBytes(4).toString("hex")}` });
  return token;
}

export async function ensurePublished(): Promise<{ number: number; contentHash: string; note: string }> {
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
  if (latest) return { ...latest, note: `the latest revision (#${latest.number})` };
  const { publishConfig } = await import("@/lib/config/service");
  const started = performance.now();
  const out = await publishConfig(
    { actor: { id: null, email: "system:bench" } },
    { basedOn: null, checker: async () => ({ checked: false, reason: "skipped by the benchmark" }) },
  );
  if (out.status !== "published") throw new Error(`publish: ${out.status}`);
  return { number: out.revision.number, contentHash: out.revision.contentHash, note: `revision #${out.revision.number}, published by the bench in ${((performance.now() - started) / 1000).toFixed(1)} s (engine check skipped)` };
}

export async function nodeApiPart(ctx: BenchContext, server: Server) {
  let revision: Awaited<ReturnType<typeof ensurePublished>>;
  try {
    revision = await ensurePublished();
  } catch (err) {
    const why = ((err as Error).message ?? "").split("\n").map((l) => l.trim()).filter(Boolean).at(-1) ?? "failed";
    const body = [ctx.header(), "", `**Not measurable: publishing fails on this database** (“${why}”), so no node can pull a configuration. See part c.`].join("\n");
    return [{ key: `${ctx.kind}:d`, title: `${ctx.dialect.name} · d. Node pull API`, body }];
  }
  const token = await nodeToken();
  const url = `${server.baseUrl}/api/v1/nodes/config`;
  // JSON with Accept-Encoding: gzip (next start compresses each answer), and as the node agent asks for it: the
  // revision as one gzip file, compressed once per revision by the panel (Accept: application/gzip).
  const auth = { authorization: `Bearer ${token}`, "accept-encoding": "gzip" };
  const asAgent = { ...auth, accept: "application/gzip, application/json;q=0.5" };
  const full = await get(url, auth, undefined, false);
  if (full.status !== 200) throw new Error(`GET /api/v1/nodes/config answered ${full.status}`);
  const etag = String(full.headers.etag);
  const notModified = await get(url, { ...auth, "if-none-match": etag });
  if (notModified.status !== 304) throw new Error(`GET with If-None-Match answered ${notModified.status}, not 304`);

  // The handler in this process: the first 200 for a revision reads and serialises its bundle, the next ones
  // answer from memory with the same bytes (checked); a 304 reads the revision's number and hash only.
  const { getNodeConfig } = await import("@/lib/nodes/api");
  const req = (h: Record<string, string>) => new Request("http://panel.local/api/v1/nodes/config", { headers: { authorization: auth.authorization, ...h } });
  const read = async (r: Response) => ({ status: r.status, etag: r.headers.get("etag"), body: await r.text() });
  const firstStarted = performance.now();
  const first = await read(await getNodeConfig(req({})));
  const firstMs = performance.now() - firstStarted;
  const second = await read(await getNodeConfig(req({})));
  if (first.status !== 200 || second.body !== first.body || first.etag !== etag) throw new Error(`the handler's 200 answers differ (${first.status}, ${second.status})`);
  if ((JSON.parse(first.body) as { revision: number }).revision !== revision.number) throw new Error("the handler answers another revision than the latest");
  const jsonBytes = Buffer.byteLength(first.body);
  const handlerRows: (string | number)[][] = [["200, the first for this revision (reads and serialises the bundle)", `**${ms(firstMs)}**`, 1, ""]];
  for (const [name, h, n] of [
    ["200, the next ones (the body kept in memory)", {}, 10],
    ["304", { "if-none-match": etag }, 20],
  ] as [string, Record<string, string>, number][]) {
    const { timings, load } = await timeInterleaved([async () => read(await getNodeConfig(req(h)))], n, 1);
    handlerRows.push([name, `**${ms(timings[0]!.median)}** / ${ms(timings[0]!.p95)}`, n, loadText(load)]);
  }

  const connections = 8;
  const runs304 = Math.max(200, ctx.options.runs * 5);
  const r304 = await closedLoop(url, { ...asAgent, "if-none-match": etag }, connections, runs304, 50, 30, server.pid);
  const runs200 = Math.max(16, Math.floor(ctx.options.runs / 10));
  const r200 = await closedLoop(url, auth, 2, runs200, 2, 30, server.pid);
  const r200File = await closedLoop(url, asAgent, 2, runs200, 2, 30, server.pid);
  const row = (name: string, c: number, r: LoadResult) => [
    name,
    c,
    r.requests,
    `**${ms(r.timing.median)}** / ${ms(r.timing.p95)}`,
    `**${r.perSecond.toFixed(0)}**`,
    r.serverCpuMs === null ? "n/a" : `${r.serverCpuMs.toFixed(2)} ms → **${Math.round(1000 / r.serverCpuMs)}**/s`,
    `${(r.bytes / r.requests / 1024).toFixed(0)} kB`,
    statusText(r.statuses),
    loadText(r.load),
  ];
  // The same requests to the node-API server (npm run node-api): the same handlers without Next.
  const nodeApi = await startNodeApi(ctx.options.appDir, databaseUrl());
  let apiRows: (string | number)[][] = [];
  if (nodeApi) {
    try {
      const apiUrl = `${nodeApi.baseUrl}/api/v1/nodes/config`;
      const a304 = await closedLoop(apiUrl, { ...asAgent, "if-none-match": etag }, connections, Math.max(runs304, 5000), 200, 30, nodeApi.pid);
      const a200 = await closedLoop(apiUrl, asAgent, 2, runs200 * 5, 10, 30, nodeApi.pid);
      apiRows = [row("node-API server (`npm run node-api`): 304", connections, a304), row("node-API server: 200 as the agent asks (`application/gzip`)", 2, a200)];
    } finally {
      await nodeApi.stop();
    }
  }
  const body = [
    ctx.header(`next start on loopback; ${revision.note}: ${(jsonBytes / 2 ** 20).toFixed(1)} MB of JSON, ${(full.bytes / 2 ** 20).toFixed(1)} MB gzipped on the wire`),
    "",
    table(
      ["GET /api/v1/nodes/config", "connections", "requests", "latency p50 / p95 ms", "req/s", "server CPU per request → req/s per free core", "body", "answers", "load avg"],
      [
        row("304 (If-None-Match: current ETag)", connections, r304),
        row("200 (full bundle, JSON gzipped by next start per answer)", 2, r200),
        row("200 (full bundle as the agent asks: `application/gzip`, compressed once)", 2, r200File),
        ...apiRows,
      ],
    ),
    "",
    "Closed loop: each connection sends its next request when the previous answer has been read completely (keep-alive, Node's http client); " +
      `at most ${runs304} requests (304) and ${runs200} (200), and at most 30 s each, after a warm-up of up to 50 and 2 requests. Body = bytes on the wire (Accept-Encoding: gzip; the agent's rows also Accept: application/gzip). ` +
      "Server CPU = user + system time of the `next start` process (and its children, /proc) during the loop ÷ requests: what one request costs the instance, " +
      "which the load of other work on the machine changes much less than req/s; 1000 ÷ it is the rate one otherwise idle core would sustain.",
    "",
    table(["the handler in process (lib/nodes/api.ts getNodeConfig)", "median / p95 ms", "runs", "load avg"], handlerRows),
    "",
    "A 304 — what nodes polling an unchanged configuration get nearly every time — needs no database read while the panel heard of no publish " +
      "(the latest revision's head and the token's node are kept in memory, dropped by the publish's or revocation's NOTIFY; lib/config/latest-head.ts). " +
      "A revision's 200 body is built once, when the first node asks for it, and kept in memory for the next nodes (the latest revision only; " +
      "revisions never change). Next 16 drops a route handler's own Content-Encoding and gzips JSON per answer; the agent asks for the revision as " +
      "one gzip file (`application/gzip`, compressed once per revision and kept), which next start sends as it is. " +
      "The node-API server rows: the same handlers (lib/nodes/api.ts) served by `npm run node-api` (lib/nodes/server.ts, srvx on Node's http) " +
      "instead of next start — what Next's routing and per-request machinery cost shows as the difference; a load balancer sends /api/v1/nodes/ there.",
  ].join("\n");
  return [{ key: `${ctx.kind}:d`, title: `${ctx.dialect.name} · d. Node pull API`, body }];
}
