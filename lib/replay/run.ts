// Replays requests through two bundles side by side in the real engine on the panel's machine: the live
// revision and the candidate Publish would store. Each bundle runs in its own nginx (one process, loopback
// only, on ports of its own, killed by the kernel if the panel goes: lib/waf/run.ts singleProcess) in
// front of one in-process stub backend that answers 200 to everything; replayBundle (./bundle.ts) rewrites
// every listen and proxy_pass, so no replayed request can reach a real backend.
//
// A request's decision on each side: the HTTP status (anything but the stub's 200 is the engine's or
// nginx's answer) and the rules that matched it, read from that nginx's JSON audit log by the
// X-Palisade-Replay header the replay adds. A request Node cannot send as given (a stored URI with a
// character no request line may hold, say) is reported with the reason, never fatal.
import http from "node:http";
import https from "node:https";
import { rm } from "node:fs/promises";
import { placeholderCertificate, placeholderCertificatePaths } from "@/lib/config/check";
import { writeBundle, requireEngine, type EnginePaths } from "@/lib/waf/engine";
import { freePort, startNginx, type AuditTransaction, type RunningNginx } from "@/lib/waf/run";
import type { Bundle } from "@/lib/waf/types";
import { replayBundle, type ReplayPorts } from "./bundle";

export type ReplayRequest = {
  /** The virtual host (Host header and SNI). */
  vhost: string;
  method: string;
  /** Path and query, as sent in the request line. */
  target: string;
  headers?: Record<string, string>;
  body?: string;
};

export type Decision =
  | { status: number; blocked: boolean; rules: number[] }
  | { error: string };

export type ReplayProgress = { done: number; total: number };

export type ReplayOptions = {
  /** The live revision's bundle; null before the first publish (every request then counts as passing). */
  live: Bundle | null;
  candidate: Bundle;
  requests: readonly ReplayRequest[];
  engine?: EnginePaths;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  /** Requests in flight per side. */
  concurrency?: number;
};

export type ReplayDecisions = { live: Decision; candidate: Decision }[];

export const REPLAY_HEADER = "x-palisade-replay";
const STUB_BODY = "palisade replay stub";

type Side = { nginx: RunningNginx; dir: string; ports: ReplayPorts; vhosts: Set<string>; tlsVhosts: Set<string>; agent: http.Agent; tlsAgent: https.Agent };

/** What a vhost the live revision does not serve yet "decided": nothing blocked it there. */
const NOT_SERVED: Decision = { status: 200, blocked: false, rules: [] };

export class ReplayCancelled extends Error {
  constructor() {
    super("The replay was cancelled.");
  }
}

export async function replayRequests(options: ReplayOptions): Promise<ReplayDecisions> {
  const engine = options.engine ?? requireEngine();
  const concurrency = options.concurrency ?? 12;
  const stub = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end(STUB_BODY));
  });
  stub.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
  const stubPort = (stub.address() as { port: number }).port;
  const sides: Side[] = [];
  try {
    const bundles = options.live ? [options.live, options.candidate] : [options.candidate];
    for (const bundle of bundles) {
      if (options.signal?.aborted) throw new ReplayCancelled();
      sides.push(await startSide(bundle, stubPort, engine));
    }
    const total = options.requests.length;
    const results: { live: Decision; candidate: Decision }[] = new Array(total);
    let next = 0;
    let done = 0;
    const worker = async () => {
      for (;;) {
        if (options.signal?.aborted) throw new ReplayCancelled();
        const i = next++;
        if (i >= total) return;
        const req = options.requests[i]!;
        // A vhost new in the candidate: the live revision would not have served it, so nothing blocked it.
        const answers = await Promise.all(sides.map((s) => (s.vhosts.has(req.vhost) ? send(s, req, i) : Promise.resolve({ ...NOT_SERVED, rules: [] }))));
        results[i] = options.live ? { live: answers[0]!, candidate: answers[1]! } : { live: { status: 200, blocked: false, rules: [] }, candidate: answers[0]! };
        done++;
        if (done % 50 === 0 || done === total) options.onProgress?.({ done, total });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, worker));
    // Stop first: nginx writes a transaction's audit entry after it answered; a graceful stop flushes them.
    for (const s of sides) await s.nginx.stop(2000);
    const logs = await Promise.all(sides.map((s) => s.nginx.auditLog()));
    sides.forEach((_s, k) => {
      const rules = rulesByReplayId(logs[k]!);
      const key = options.live ? (k === 0 ? "live" : "candidate") : "candidate";
      results.forEach((r, i) => {
        const d = r[key];
        if ("status" in d) d.rules = rules.get(String(i)) ?? [];
      });
    });
    return results;
  } finally {
    for (const s of sides) {
      await s.nginx.stop(500).catch(() => undefined);
      s.agent.destroy();
      s.tlsAgent.destroy();
      await rm(s.dir, { recursive: true, force: true }).catch(() => undefined);
    }
    stub.closeAllConnections();
    await new Promise((r) => stub.close(r));
  }
}

async function startSide(bundle: Bundle, stubPort: number, engine: EnginePaths): Promise<Side> {
  for (let attempt = 0; ; attempt++) {
    const httpPort = await freePort();
    let httpsPort = await freePort();
    if (httpsPort === httpPort) httpsPort = await freePort();
    const ports = { http: httpPort, https: httpsPort, stub: stubPort };
    const rewritten = replayBundle(bundle, ports);
    const certPaths = placeholderCertificatePaths(rewritten);
    let extraFiles: Record<string, string> = {};
    if (certPaths.length > 0) {
      const pair = await placeholderCertificate();
      if (!pair) throw new Error("TLS vhosts need placeholder certificates for the replay, and openssl is not installed on the panel's machine.");
      extraFiles = Object.fromEntries(certPaths.map((p) => [p, p.endsWith("privkey.pem") ? pair.key : pair.cert]));
    }
    const dir = await writeBundle(rewritten, { extraFiles });
    try {
      const nginx = await startNginx(dir, { port: httpPort, engine, singleProcess: true, timeoutMs: 30_000 });
      const vhosts = new Set<string>();
      const tlsVhosts = new Set<string>();
      for (const [file, text] of Object.entries(rewritten.files)) {
        const m = /^vhosts\/(.+)\.conf$/.exec(file);
        if (m) vhosts.add(m[1]!);
        if (m && text.includes(`listen 127.0.0.1:${httpsPort} ssl`)) tlsVhosts.add(m[1]!);
      }
      return {
        nginx,
        dir,
        ports,
        vhosts,
        tlsVhosts,
        agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
        tlsAgent: new https.Agent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false }),
      };
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      // Another process took a port between freePort and nginx's bind: try other ports, twice.
      if (attempt < 2 && /Address already in use/.test((err as Error).message)) continue;
      throw err;
    }
  }
}

function send(side: Side, req: ReplayRequest, index: number): Promise<Decision> {
  return new Promise((resolve) => {
    const tls = side.tlsVhosts.has(req.vhost);
    const headers: Record<string, string> = {
      Host: req.vhost,
      "User-Agent": "Mozilla/5.0 (Palisade replay)",
      Accept: "*/*",
      ...req.headers,
      [REPLAY_HEADER]: String(index),
    };
    if (req.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(req.body));
    let call: http.ClientRequest;
    try {
      const common = { host: "127.0.0.1", method: req.method, path: req.target, headers, timeout: 30_000 };
      call = tls
        ? https.request({ ...common, port: side.ports.https, servername: req.vhost, agent: side.tlsAgent })
        : http.request({ ...common, port: side.ports.http, agent: side.agent });
    } catch (err) {
      resolve({ error: `Not sent: ${(err as Error).message}` });
      return;
    }
    call.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, blocked: res.statusCode !== 200, rules: [] }));
      res.on("error", (e) => resolve({ error: `The answer broke off: ${e.message}` }));
    });
    call.on("timeout", () => call.destroy(new Error("no answer within 30 s")));
    call.on("error", (e) => resolve({ error: `No answer: ${e.message}` }));
    call.end(req.body);
  });
}

/** Rule ids per replay id, in the order the engine matched them. */
function rulesByReplayId(log: AuditTransaction[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const t of log) {
    const id = Object.entries(t.request.headers ?? {}).find(([k]) => k.toLowerCase() === REPLAY_HEADER)?.[1];
    if (id === undefined) continue;
    const ids = t.messages.map((m) => Number(m.details.ruleId)).filter((n) => Number.isInteger(n) && n > 0);
    out.set(String(id), [...new Set(ids)]);
  }
  return out;
}
