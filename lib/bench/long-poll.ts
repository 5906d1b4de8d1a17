// i. Config on every node within seconds: 1,000 simulated nodes long-poll one `next start` instance
// (GET /api/v1/nodes/config?wait=60 with the current ETag, each with its own token), then a publish is
// committed by another process (this one) — as an admin's publish on another panel instance would be —
// and every held request must come back with the new revision. Measured: the time from the publish's
// commit to each node's answer (p50 / p95 / p99 / max), and the panel's memory with the requests held.
// PostgreSQL only: the wake-up crosses processes through LISTEN/NOTIFY; on SQLite the panel is one process
// and wakes its own waiters in-process (lib/db/signal.ts), which a second process cannot do.
import http from "node:http";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import type { BenchContext } from "./context";
import { ensurePublished, type Server } from "./http";
import { table } from "./report";
import { loadAverage, ms, summarize } from "./stats";

export const LONG_POLL_NODES = 1000;

function rssMb(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** next start runs node as a child of npx/sh in some setups: the process with the most memory among pid and its children. */
function serverRss(pid: number | null | undefined): number | null {
  if (!pid) return null;
  let best = rssMb(pid);
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) {
      const r = rssMb(Number(child));
      if (r !== null && (best === null || r > best)) best = r;
    }
  } catch {
    // no children listed
  }
  return best;
}

export async function longPollPart(ctx: BenchContext, server: Server) {
  const title = `${ctx.dialect.name} · i. Long poll: a publish reaches 1,000 waiting nodes`;
  if (ctx.dialect.singleWriter) {
    const body = [ctx.header(), "", "Not measured on SQLite: the panel on SQLite is one process, whose publish wakes its own waiting requests in-process; this bench publishes from another process, which only PostgreSQL's NOTIFY can signal."].join("\n");
    return [{ key: `${ctx.kind}:i`, title, body }];
  }
  const { registerNode } = await import("@/lib/nodes/service");
  const { publishConfig } = await import("@/lib/config/service");
  const actor = { actor: { id: null, email: "system:bench" } };
  const base = await ensurePublished();
  const tokens: string[] = [];
  const run = randomBytes(3).toString("hex");
  for (let i = 0; i < LONG_POLL_NODES; i++) tokens.push((await registerNode(actor, { name: `lp-${run}-${i}` })).token);

  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const url = new URL(`${server.baseUrl}/api/v1/nodes/config?wait=60`);
  const rssIdle = serverRss(server.pid);
  const answers: { status: number; at: number; revision: string | undefined; bytes: number }[] = [];
  const requests = tokens.map(
    (token) =>
      new Promise<void>((resolve) => {
        const req = http.get(
          { host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers: { authorization: `Bearer ${token}`, "if-none-match": `"${base.contentHash}"`, accept: "application/gzip, application/json;q=0.5", "accept-encoding": "gzip" } },
          (res) => {
            let bytes = 0;
            res.on("data", (c: Buffer) => (bytes += c.length));
            res.on("end", () => {
              answers.push({ status: res.statusCode ?? 0, at: performance.now(), revision: res.headers["x-palisade-revision"] as string | undefined, bytes });
              resolve();
            });
          },
        );
        req.on("error", () => {
          answers.push({ status: 0, at: performance.now(), revision: undefined, bytes: 0 });
          resolve();
        });
      }),
  );
  // Every request has reached the server and is held (none answered early).
  await new Promise((r) => setTimeout(r, 8000));
  const heldEarly = answers.length;
  const rssHeld = serverRss(server.pid);
  const before = loadAverage();

  // A change, published from this process as another panel instance would.
  const vhost = await db.virtualHost.findFirst({ select: { id: true }, orderBy: { domain: "asc" } });
  if (!vhost) throw new Error("part i needs at least one vhost (npm run seed:scale)");
  await db.virtualHost.update({ where: { id: vhost.id }, data: { backendUrl: `http://10.${Math.floor(Math.random() * 200)}.0.9:8080` } });
  const out = await publishConfig(actor, { basedOn: base.number, checker: async () => ({ checked: false, reason: "skipped by the benchmark" }) });
  const committed = performance.now();
  if (out.status !== "published") throw new Error(`publish: ${out.status}`);
  await Promise.all(requests);
  agent.destroy();
  const woken = answers.slice(heldEarly);
  const fresh = woken.filter((a) => a.status === 200 && a.revision === String(out.revision.number));
  const t = summarize(woken.map((a) => Math.max(0, a.at - committed)));
  const sorted = woken.map((a) => Math.max(0, a.at - committed)).sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
  const body = [
    ctx.header(`next start on loopback; ${LONG_POLL_NODES.toLocaleString("en")} nodes, one token each, long-polling ?wait=60 with the current ETag and Accept: application/gzip (as the agent); a publish committed by another process`),
    "",
    table(
      ["nodes", "answered before the publish", "new revision (200) after it", "publish commit → answer p50 / p95 / p99 / max", "body on the wire", "panel memory: idle → 1,000 held", "load"],
      [[
        LONG_POLL_NODES.toLocaleString("en"),
        heldEarly,
        `${fresh.length} / ${woken.length}`,
        `${ms(t.median)} / **${ms(t.p95)}** / **${ms(p99)}** / ${ms(sorted.at(-1) ?? NaN)} ms`,
        `${((fresh[0]?.bytes ?? 0) / 1024).toFixed(0)} kB`,
        rssIdle !== null && rssHeld !== null ? `${rssIdle.toFixed(0)} MB → ${rssHeld.toFixed(0)} MB` : "n/a",
        `${before.toFixed(1)} → ${loadAverage().toFixed(1)}`,
      ]],
    ),
    "",
    "Targets: all 1,000 have the new revision, p95 ≤ 2 s and p99 ≤ 5 s after the publish. Each woken request reads the latest revision's number and hash, then the 200 body the first of them built and gzipped (kept in memory: compressed once per revision, served as `application/gzip`, which next start does not compress again).",
  ].join("\n");
  return [{ key: `${ctx.kind}:i`, title, body }];
}
