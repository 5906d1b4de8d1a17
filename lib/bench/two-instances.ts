// k. Two panel instances on one PostgreSQL database (issue 21): two `next start` processes of the same
// production build (--app-dir), started and stopped here, measured against one instance alone, back to back:
//   1. the node pull API's 304 path over HTTP: part d's closed loop (8 keep-alive connections) on A alone,
//      then split 4 + 4 across A and B; req/s in total and per instance, latency, each instance's CPU per request;
//   2. audited writes over the REST API (PUT /api/v1/vhosts/{id}/policy with If-Match, one API token per client):
//      N clients on A, N on each of A and B, 2N on A, and N on each all saving one vhost (conflicts); writes/s,
//      latency, 412 conflicts (retried), and after each run the chain check of `npm run audit:verify`
//      (lib/audit/verify.ts) plus "one audit event per write" (the chain head moved by the number of 200s).
// Fixtures (a user, its tokens, one vhost per client, a node) are made through the services and removed at the end.
// PostgreSQL only: on SQLite the panel is one process (one writer, in-process signals).
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AuditContext } from "@/lib/audit/audited";
import { describeChainReport, verifyChain } from "@/lib/audit/verify";
import { db } from "@/lib/db";
import type { BenchContext } from "./context";
import { ensurePublished, get, startServer, type Server } from "./http";
import { cpuText, latencyText, perLane, rateText, splitClients, summarizeRun, writerThresholds, type LaneSample, type RunSummary } from "./lanes";
import { table } from "./report";
import { cpuSince, loadAverage, loadText, processCpu, processCpuMs, type Load } from "./stats";

/** Part d's closed loop: 8 connections in all. */
const CONNECTIONS_304 = 8;
/** Concurrent writers per instance. */
const WRITERS = 4;
const ROUNDS = 3;
/** The instances get this API_RATE_LIMIT so a token's 600 requests a minute do not cap the writers. */
const RATE_LIMIT = "1000000";
const SYSTEM: AuditContext = { actor: { id: null, email: "system:bench" }, meta: { userAgent: "palisade-bench" } };

type Outcome = { kind: "ok" } | { kind: "conflict" } | { kind: "error"; what: string };
type Op = () => Promise<Outcome>;
type Lane = { label: string; pid: number | null | undefined; clients: Op[] };
type Run = { summary: RunSummary; load: Load; /** CPU of the database's server processes serving this database during the run, ms (null: not on this machine). */ dbCpuMs: number | null; /** Failed requests by kind, all lanes. */ errorKinds: Record<string, number> };

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/**
 * Every client of every lane repeats its op until `seconds` have passed (closed loop). Read around the run:
 * each instance's CPU, the bench's own, and that of the database's backends `dbPids` names (PostgreSQL on this machine).
 */
async function runLanes(lanes: Lane[], seconds: number, dbPids?: () => Promise<number[]>): Promise<Run> {
  const samples: LaneSample[] = lanes.map((l) => ({ label: l.label, latencies: [], ok: 0, conflicts: 0, errors: {}, cpuMs: null }));
  const dbBefore = dbPids ? processCpu(await dbPids()) : null;
  const before = loadAverage();
  const cpuBefore = lanes.map((l) => processCpuMs(l.pid));
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  await Promise.all(
    lanes.flatMap((lane, k) =>
      lane.clients.map(async (op) => {
        const s = samples[k]!;
        while (performance.now() < stopAt) {
          const t = performance.now();
          let out: Outcome;
          try {
            out = await op();
          } catch (err) {
            out = { kind: "error", what: (err as Error).message.split("\n")[0]!.slice(0, 80) };
          }
          if (out.kind === "ok") {
            s.ok++;
            s.latencies.push(performance.now() - t);
          } else if (out.kind === "conflict") s.conflicts++;
          else {
            s.errors[out.what] = (s.errors[out.what] ?? 0) + 1;
            await sleep(50); // a refused connection would otherwise spin
          }
        }
      }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  lanes.forEach((l, k) => {
    const after = processCpuMs(l.pid);
    samples[k]!.cpuMs = cpuBefore[k] !== null && cpuBefore[k] !== undefined && after !== null ? after - cpuBefore[k]! : null;
  });
  const load = { before, after: loadAverage() };
  let dbCpuMs: number | null = null;
  if (dbBefore && dbBefore.size > 0) {
    const dbAfter = processCpu([...new Set([...dbBefore.keys(), ...(await dbPids!())])]);
    if (dbAfter.size > 0) dbCpuMs = cpuSince(dbBefore, dbAfter);
  }
  const errorKinds: Record<string, number> = {};
  for (const sample of samples) for (const [what, n] of Object.entries(sample.errors)) errorKinds[what] = (errorKinds[what] ?? 0) + n;
  return { summary: summarizeRun(samples, elapsed, (client.user + client.system) / 1000), load, dbCpuMs, errorKinds };
}

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

function send(method: string, url: string, headers: Record<string, string>, body: string | null, agent: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body === null ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

const versionOf = (etag: string | string[] | undefined) => {
  const m = /^(?:W\/)?"(\d+)"$/.exec(String(etag ?? ""));
  return m ? Number(m[1]) : null;
};

/**
 * One client saving one vhost's policy over and over: each PUT names the version it last saw (If-Match) and
 * an inbound threshold other than the stored one (`current`: the policy as it was when the run began).
 */
function policyWriter(baseUrl: string, token: string, agent: http.Agent, vhostId: string, current: { version: number; inboundThreshold: number }, writer: number): Op {
  const values = writerThresholds(writer);
  let next = values[0] === current.inboundThreshold ? 1 : 0;
  let known = current.version;
  const url = `${baseUrl}/api/v1/vhosts/${vhostId}/policy`;
  return async () => {
    const sent = known;
    const body = { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 2, inboundThreshold: values[next]!, outboundThreshold: 4 };
    const r = await send("PUT", url, { authorization: `Bearer ${token}`, "content-type": "application/json", "if-match": `"${sent}"` }, JSON.stringify(body), agent);
    const v = versionOf(r.headers.etag);
    if (r.status === 200) {
      if (v === null) return { kind: "error", what: "200 without an ETag" };
      known = v;
      if (v !== sent + 1) return { kind: "error", what: `200 at version ${v} for If-Match ${sent} (no write)` };
      next = 1 - next;
      return { kind: "ok" };
    }
    if (r.status === 412 && v !== null) {
      known = v; // retried by the next call, at the version the 412 names
      return { kind: "conflict" };
    }
    return { kind: "error", what: `${r.status} ${r.body.slice(0, 60)}` };
  };
}

type Fixtures = { run: string; userId: string | null; tokens: { id: string; token: string }[]; vhosts: { id: string }[]; nodeId: string | null; nodeToken: string | null };

/** Fills `f` as it goes, so that what was made before a failure is still removed. */
async function makeFixtures(f: Fixtures, clients: number): Promise<void> {
  const { createUser } = await import("@/lib/users/service");
  const { createApiToken } = await import("@/lib/tokens/service");
  const { createVhost } = await import("@/lib/vhosts/service");
  const { registerNode } = await import("@/lib/nodes/service");
  const { CreateVhostSchema, EMPTY_VHOST_FORM } = await import("@/lib/vhosts/schema");
  const { run } = f;
  const user = await createUser(SYSTEM, { email: `bench-${run}@palisade.bench`, name: `Bench ${run}`, role: "EDITOR", password: randomBytes(18).toString("base64url") });
  f.userId = user.id;
  for (let i = 0; i < clients; i++) {
    const { token, row } = await createApiToken(SYSTEM, { name: `bench ${run} writer ${i}`, scope: "write", expiresInDays: 1, userId: user.id });
    f.tokens.push({ id: row.id, token });
    const v = await createVhost(SYSTEM, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain: `w${i}.${run}.bench.test`, backendUrl: "http://10.0.0.5:8080" }));
    f.vhosts.push({ id: v.id });
  }
  const node = await registerNode(SYSTEM, { name: `bench-${run}` });
  f.nodeId = node.node.id;
  f.nodeToken = node.token;
}

/** Through the services (audited: the log keeps their whole life), then the rows the services only retire. */
async function removeFixtures(f: Fixtures): Promise<string[]> {
  const { deleteVhost } = await import("@/lib/vhosts/service");
  const { revokeApiToken } = await import("@/lib/tokens/service");
  const { setUserDisabled } = await import("@/lib/users/service");
  const { revokeNode } = await import("@/lib/nodes/service");
  const problems: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message.split("\n")[0]}`);
    }
  };
  for (const v of f.vhosts) {
    await attempt("vhost", async () => {
      const row = await db.virtualHost.findUnique({ where: { id: v.id }, select: { version: true } });
      if (row) await deleteVhost(SYSTEM, { id: v.id, version: row.version });
    });
  }
  for (const t of f.tokens) await attempt("token", () => revokeApiToken(SYSTEM, { id: t.id, asUserId: null }));
  if (f.userId) await attempt("user", () => setUserDisabled(SYSTEM, { id: f.userId!, disabled: true }));
  if (f.nodeId) await attempt("node", () => revokeNode(SYSTEM, { id: f.nodeId! }));
  // As the ingestion bench removes its fixtures: the rows go, their audit events stay.
  await attempt("rows", async () => {
    if (f.userId) {
      await db.apiToken.deleteMany({ where: { userId: f.userId } });
      await db.user.deleteMany({ where: { id: f.userId } });
    }
    if (f.nodeId) await db.wafNode.deleteMany({ where: { id: f.nodeId } });
  });
  return problems;
}

async function chainHead(ctx: BenchContext): Promise<number> {
  const [head] = await ctx.raw.query<{ lastSeq: number }>(`SELECT "lastSeq" FROM "AuditChainHead" WHERE id = 1`);
  return Number(head?.lastSeq ?? 0);
}

const kindsText = (r: Run) =>
  Object.entries(r.errorKinds)
    .map(([what, n]) => `${n}× \`${what}\``)
    .join(", ");

const errorText = (run: RunSummary) => {
  const n = run.total.errors;
  return n === 0 ? "none" : `**${n}**`;
};

export async function twoInstancesPart(ctx: BenchContext) {
  const title = `${ctx.dialect.name} · k. Two panel instances: the 304 path and audited writes`;
  if (ctx.dialect.singleWriter) {
    console.error("part k is PostgreSQL-only (two panel instances share one PostgreSQL database); nothing written for SQLite");
    return [];
  }
  const seconds = Math.min(30, Math.max(5, Math.round(ctx.options.runs / 20)));
  const revision = await ensurePublished();
  const f: Fixtures = { run: `k${randomBytes(3).toString("hex")}`, userId: null, tokens: [], vhosts: [], nodeId: null, nodeToken: null };
  const servers: Server[] = [];
  const errors: string[] = [];
  const agents: http.Agent[] = [];
  const agent = (sockets: number) => {
    const a = new http.Agent({ keepAlive: true, maxSockets: sockets });
    agents.push(a);
    return a;
  };
  try {
    await makeFixtures(f, 2 * WRITERS);
    console.error(`part k: starting two next start instances of ${ctx.options.appDir} …`);
    for (let i = 0; i < 2; i++) servers.push(await startServer(ctx.options.appDir, ctx.url, { API_RATE_LIMIT: RATE_LIMIT, NEXT_TELEMETRY_DISABLED: "1" }));
    const [A, B] = servers as [Server, Server];
    const named = [
      { label: "A", server: A },
      { label: "B", server: B },
    ];

    // The database's backends for this database (the instances' pools and this process's), not the bench's own query connection.
    const dbPids = async () =>
      (await ctx.raw.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).map((r) => Number(r.pid));
    const dbCpu = (r: Run) => (r.dbCpuMs === null || r.summary.total.requests === 0 ? "n/a" : `${(r.dbCpuMs / r.summary.total.requests).toFixed(2)} ms`);

    // 1. The 304 path.
    const url = (s: Server) => `${s.baseUrl}/api/v1/nodes/config`;
    const auth = { authorization: `Bearer ${f.nodeToken}`, "accept-encoding": "gzip" };
    const full = await get(url(A), auth);
    if (full.status !== 200) throw new Error(`GET /api/v1/nodes/config on A answered ${full.status}`);
    const etag = String(full.headers.etag);
    for (const { label, server } of named) {
      const r = await get(url(server), { ...auth, "if-none-match": etag });
      if (r.status !== 304) throw new Error(`instance ${label} answered ${r.status} to the current ETag, not 304`);
    }
    const poller = (s: Server, a: http.Agent): Op => async () => {
      const r = await get(url(s), { ...auth, "if-none-match": etag }, a);
      return r.status === 304 ? { kind: "ok" } : { kind: "error", what: `${r.status}` };
    };
    const pollLanes = (which: typeof named) => {
      const split = splitClients(CONNECTIONS_304, which.length);
      return which.map(({ label, server }, k) => {
        const a = agent(split[k]!);
        return { label, pid: server.pid, clients: Array.from({ length: split[k]! }, () => poller(server, a)) };
      });
    };
    console.error("part k: 304 warm-up on both instances …");
    await runLanes(pollLanes(named), 5);
    const pollRows: (string | number)[][] = [];
    const pollRatios: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const one = await runLanes(pollLanes(named.slice(0, 1)), seconds, dbPids);
      const two = await runLanes(pollLanes(named), seconds, dbPids);
      pollRatios.push(`${(two.summary.total.perSecond / one.summary.total.perSecond).toFixed(2)}×`);
      for (const [name, r, split] of [
        ["A alone", one, `${CONNECTIONS_304}`],
        ["A + B", two, splitClients(CONNECTIONS_304, 2).join(" + ")],
      ] as const) {
        const s = r.summary;
        pollRows.push([
          round,
          name,
          split,
          s.total.requests.toLocaleString("en"),
          `**${rateText(s.total.perSecond)}**`,
          perLane(s, (l) => rateText(l.perSecond)),
          perLane(s, (l) => latencyText(l.timing)),
          perLane(s, (l) => cpuText(l.cpuPerRequest)),
          dbCpu(r),
          cpuText(s.clientCpuPerRequest),
          errorText(s),
          loadText(r.load),
        ]);
        if (s.total.errors) errors.push(`304 round ${round} ${name}: ${kindsText(r)}`);
      }
    }

    // 2. Audited writes over the REST API.
    const policies = async () =>
      new Map(
        (await db.wafPolicy.findMany({ where: { vhostId: { in: f.vhosts.map((v) => v.id) } }, select: { vhostId: true, version: true, inboundThreshold: true } })).map((p) => [p.vhostId, p]),
      );
    /** `perInstance` writers on each instance of `which`; writer i uses token i and (unless `shared`) vhost i. */
    const writeLanes = async (which: typeof named, perInstance: number, shared: boolean): Promise<Lane[]> => {
      const stored = await policies();
      let writer = 0;
      return which.map(({ label, server }) => {
        const a = agent(perInstance);
        const clients = Array.from({ length: perInstance }, () => {
          const i = writer++;
          const vhost = f.vhosts[shared ? 0 : i]!;
          return policyWriter(server.baseUrl, f.tokens[i]!.token, a, vhost.id, stored.get(vhost.id)!, i);
        });
        return { label, pid: server.pid, clients };
      });
    };
    console.error("part k: write warm-up on both instances …");
    await runLanes(await writeLanes(named, WRITERS, false), 3);
    const writeRows: (string | number)[][] = [];
    const writeRatios: string[] = [];
    const writeRun = async (name: string, which: typeof named, perInstance: number, shared: boolean, round: number | string) => {
      const headBefore = await chainHead(ctx);
      const r = await runLanes(await writeLanes(which, perInstance, shared), seconds, dbPids);
      const headAfter = await chainHead(ctx);
      const report = await verifyChain({ batchSize: 2000 });
      const s = r.summary;
      const events = headAfter - headBefore;
      if (!report.ok) errors.push(`writes ${name}: ${describeChainReport(report)}`);
      if (events !== s.total.ok) errors.push(`writes ${name}: ${events} audit events for ${s.total.ok} writes`);
      writeRows.push([
        round,
        name,
        shared ? "one vhost, all writers" : "own vhost per writer",
        s.total.ok.toLocaleString("en"),
        `**${rateText(s.total.perSecond)}**`,
        perLane(s, (l) => rateText(l.perSecond)),
        perLane(s, (l) => latencyText(l.timing)),
        s.total.conflicts.toLocaleString("en"),
        errorText(s),
        perLane(s, (l) => cpuText(l.cpuPerRequest)),
        dbCpu(r),
        cpuText(s.clientCpuPerRequest),
        `${events === s.total.ok ? "✓" : "✗"} ${events.toLocaleString("en")} (#${(headBefore + 1).toLocaleString("en")}–#${headAfter.toLocaleString("en")})`,
        `${report.ok ? "✓" : "✗"} ${describeChainReport(report)}`,
        loadText(r.load),
      ]);
      if (s.total.errors) errors.push(`writes ${name}: ${kindsText(r)}`);
      return s;
    };
    for (let round = 1; round <= ROUNDS; round++) {
      const one = await writeRun(`A, ${WRITERS} writers`, named.slice(0, 1), WRITERS, false, round);
      const two = await writeRun(`A + B, ${WRITERS} writers each`, named, WRITERS, false, round);
      writeRatios.push(`${(two.total.perSecond / one.total.perSecond).toFixed(2)}×`);
    }
    await writeRun(`A, ${2 * WRITERS} writers`, named.slice(0, 1), 2 * WRITERS, false, "—");
    await writeRun(`A + B, ${WRITERS} writers each`, named, WRITERS, true, "—");

    // The section.
    const errorsSeen = [...new Set(errors)];
    const body = [
      ctx.header(
        `two \`next start\` instances (A, B) of the production build in ${ctx.options.appDir} on loopback, one database; ` +
          `the bench's load generator runs on the same machine; ${revision.note}`,
      ),
      "",
      table(
        ["round", "GET /api/v1/nodes/config → 304", "connections", "requests", "req/s total", "req/s per instance", "latency p50 / p95 ms", "server CPU per request", "database CPU per request", "bench client CPU per request", "failed", "load avg"],
        pollRows,
      ),
      "",
      `Part d's closed loop (each connection sends its next request when the previous answer is read; keep-alive; If-None-Match: the current ETag, ` +
        `Accept-Encoding: gzip, one node token), ${seconds} s per row after a 5 s warm-up on both, rounds back to back. ` +
        `Two instances ÷ one, req/s: **${pollRatios.join(", ")}** (round ${pollRatios.map((_, i) => i + 1).join(", ")}). ` +
        "Server CPU = user + system time of each `next start` process (and its children, /proc) during the row ÷ the requests it answered; " +
        "database CPU = that of the PostgreSQL backends connected to this database ÷ all requests of the row; bench client CPU = this process's (the load generator shares the cores).",
      "",
      table(
        [
          "round",
          "PUT /api/v1/vhosts/{id}/policy",
          "target",
          "writes",
          "writes/s total",
          "writes/s per instance",
          "latency p50 / p95 ms",
          "412 conflicts (retried)",
          "failed",
          "server CPU per request",
          "database CPU per request",
          "bench client CPU per request",
          "audit events = writes",
          "chain after the run (`npm run audit:verify`'s check)",
          "load avg",
        ],
        writeRows,
      ),
      "",
      `Each writer is a keep-alive client with its own API token (write scope, an EDITOR made for the run; the instances run with API_RATE_LIMIT=${RATE_LIMIT} ` +
        `so the per-token limit does not cap them — each request still counts itself in the token's row), saving a policy with If-Match: the version it last saw; ` +
        `every 200 is one audited updatePolicy (change + audit row + chain head, one transaction). A 412 names the current version, which the writer's next PUT uses. ` +
        `${seconds} s per row after a 3 s warm-up on both; two instances ÷ one at ${WRITERS} writers per instance: **${writeRatios.join(", ")}**. ` +
        "After each row: the chain head must have moved by exactly the number of 200s, and `verifyChain` (lib/audit/verify.ts, what `npm run audit:verify` runs) walks the whole chain.",
      errorsSeen.length ? `\n**Problems:** ${errorsSeen.join("; ")}` : "",
    ].join("\n");
    return [{ key: `${ctx.kind}:k`, title, body }];
  } finally {
    for (const a of agents) a.destroy();
    for (const s of servers) await s.stop();
    const problems = await removeFixtures(f);
    if (problems.length) console.error(`part k: cleanup: ${problems.join("; ")}`);
  }
}
