// npm run fault:drill — PostgreSQL restarts under load, against a production build (`next build` first).
//
// The panel runs (`next start` of this checkout's .next) on a fresh PostgreSQL database reached through
// a TCP proxy this script owns: the shared PostgreSQL server is never stopped. Each "restart" is what a
// client sees of one: every open connection is reset, new connections are answered "the database system
// is shutting down" (FATAL 57P03), then refused, then "starting up", then served again. Meanwhile saves
// (the create-vhost server action, over HTTP with a signed-in admin's session) arrive at a steady rate.
//
// It prints: saves reported (the panel said ok), saves stored, audit rows for them, rows without an audit
// event, reported saves missing, the chain verdict, the messages failed saves got, and the longest error
// window (from the first failed save to the next successful one, as a user sees it).
//
//   npm run fault:drill -- [--rounds 4] [--rate 5] [--down-ms 4000] [--steady-ms 4000] [--timeline]
//
// --timeline prints one character per save in the order sent (+ saved, x failed) with the phase changes,
// and the first failures with their duration and message.
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { verifyChain, describeChainReport } from "@/lib/audit/verify";
import { db, disconnectDb } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";
import { newRunId, pgAdmin, pgUrl, dropPgDatabase } from "@/lib/testing/test-db";
import { startTcpProxy, type ProxyPhase } from "@/lib/testing/tcp-proxy";
import { createUser } from "@/lib/users/service";
import { sessionCookie, startServer } from "./http";

type Save = { i: number; domain: string; start: number; end: number; ok: boolean; message: string };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
  return v;
}

/** The server action's id, from the build's manifest (the id a browser sends in its Next-Action header). */
function actionId(appDir: string, exportedName: string): string {
  const manifest = JSON.parse(readFileSync(path.join(appDir, ".next", "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { exportedName?: string; filename?: string }>;
  };
  const found = Object.entries(manifest.node).find(([, v]) => v.exportedName === exportedName && (v.filename ?? "").includes("vhosts/actions"));
  if (!found) throw new Error(`${exportedName} is not in the build's server-reference-manifest.json: run \`npx next build\` first`);
  return found[0];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function callAction(baseUrl: string, id: string, cookie: string, input: unknown): Promise<{ status: number; body: string }> {
  const u = new URL("/vhosts/new", baseUrl);
  const body = JSON.stringify([input]);
  return new Promise((resolve) => {
    const req = http.request(
      u,
      {
        method: "POST",
        agent,
        headers: { "next-action": id, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", origin: baseUrl, cookie, "content-length": Buffer.byteLength(body) },
        timeout: 60_000,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", (e) => resolve({ status: 0, body: String(e) }));
      },
    );
    req.on("error", (e) => resolve({ status: 0, body: `request failed: ${e.message}` }));
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.end(body);
  });
}

/** The action's result from its RSC answer: ok, or the message the form would show. */
function outcome(r: { status: number; body: string }): { ok: boolean; message: string } {
  if (/"ok":true/.test(r.body)) return { ok: true, message: "" };
  const m = /"ok":false,"error":"((?:[^"\\]|\\.)*)"/.exec(r.body);
  if (m) return { ok: false, message: JSON.parse(`"${m[1]}"`) as string };
  return { ok: false, message: `HTTP ${r.status}${r.status === 0 ? `: ${r.body}` : ""}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const rounds = arg("rounds", 4);
  const rate = arg("rate", 5);
  const downMs = arg("down-ms", 4000);
  const steadyMs = arg("steady-ms", 4000);
  const appDir = process.cwd();
  const id = actionId(appDir, "createVhostAction");

  const name = `palisade_drill_${newRunId()}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = pgUrl(name);
  process.env.DATABASE_URL = url;
  const target = new URL(url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    await migrate(url, appDir);
    const email = "drill-admin@palisade.local";
    await createUser({ actor: { id: null, email: "system:drill" } }, { email, name: "Drill Admin", role: "ADMIN", password: "drill-admin-password" });
    server = await startServer(appDir, proxy.via(url));
    const cookie = await sessionCookie(server.secret, email);
    console.log(`panel ${server.baseUrl} → proxy :${proxy.port} → ${target.host}/${name}; ${rounds} restarts, ${rate} saves/s, ${downMs} ms down each`);

    const saves: Save[] = [];
    const inflight = new Set<Promise<void>>();
    let stop = false;
    const t0 = performance.now();
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const domain = `drill-${i}.example.test`;
        const start = performance.now() - t0;
        const p = callAction(server!.baseUrl, id, cookie, { domain, aliases: "", backendUrl: "http://10.0.0.1", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true, templateId: "" }).then((r) => {
          saves.push({ i, domain, start, end: performance.now() - t0, ...outcome(r) });
        });
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        await sleep(1000 / rate);
      }
    })();

    const marks: [number, string][] = [];
    const phases: [ProxyPhase, number][] = [
      ["shutting down", 500],
      ["refusing", downMs],
      ["starting up", 1000],
      ["up", steadyMs],
    ];
    await sleep(steadyMs);
    for (let r = 0; r < rounds; r++) {
      for (const [phase, ms] of phases) {
        proxy.setPhase(phase);
        marks.push([performance.now() - t0, phase]);
        await sleep(ms);
      }
      process.stdout.write(`restart ${r + 1}/${rounds} done\n`);
    }
    stop = true;
    await load;
    await Promise.all([...inflight]);
    await server.stop();
    server = null;

    // What the database holds, read directly (not through the proxy).
    const reported = saves.filter((s) => s.ok);
    const stored = await db.virtualHost.findMany({ where: { domain: { startsWith: "drill-" } }, select: { id: true, domain: true } });
    const storedIds = new Set(stored.map((v) => v.id));
    const audits = await db.auditEvent.findMany({ where: { action: "vhost.create" }, select: { entityId: true } });
    const audited = new Set(audits.map((a) => a.entityId).filter((e) => e !== null && storedIds.has(e)));
    const storedDomains = new Set(stored.map((v) => v.domain));
    const missing = reported.filter((s) => !storedDomains.has(s.domain));
    const chain = await verifyChain();

    // Longest error window: from a failed save's start to the first later successful save's end.
    const ordered = [...saves].sort((a, b) => a.start - b.start);
    let longest = 0;
    let windowStart: number | null = null;
    for (const s of ordered) {
      if (!s.ok && windowStart === null) windowStart = s.start;
      if (s.ok && windowStart !== null) {
        longest = Math.max(longest, s.end - windowStart);
        windowStart = null;
      }
    }
    const messages = new Map<string, number>();
    for (const s of saves) if (!s.ok) messages.set(s.message, (messages.get(s.message) ?? 0) + 1);

    console.log("");
    console.log(`saves attempted        ${saves.length}`);
    console.log(`saves reported         ${reported.length}`);
    console.log(`saves stored           ${stored.length}`);
    console.log(`audit rows for them    ${audited.size}`);
    console.log(`stored without audit   ${stored.length - audited.size}`);
    console.log(`reported but missing   ${missing.length}`);
    console.log(`stored but reported failed ${stored.length - reported.length + missing.length} (ambiguous commits: the connection dropped after COMMIT)`);
    console.log(`chain                  ${describeChainReport(chain)}`);
    console.log(`longest error window   ${(longest / 1000).toFixed(1)} s (restart phases: ${(500 + downMs + 1000) / 1000} s each)`);
    if (process.argv.includes("--timeline")) {
      // One character per save in order of sending: + saved, x failed; phase changes in brackets.
      let line = "";
      let m = 0;
      for (const s of ordered) {
        while (m < marks.length && marks[m]![0] <= s.start) line += ` [${marks[m++]![1]} @${(marks[m - 1]![0] / 1000).toFixed(1)}s] `;
        line += s.ok ? "+" : "x";
      }
      console.log(`timeline ${line}`);
    }
    if (process.argv.includes("--timeline")) for (const s of ordered.filter((x) => !x.ok).slice(0, 3)) console.log(`  first failures: #${s.i} at ${(s.start / 1000).toFixed(1)} s, ${(s.end - s.start).toFixed(0)} ms: ${s.message}`);
    console.log(`failed saves said:`);
    for (const [m, n] of [...messages].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${m}`);
    process.exitCode = missing.length === 0 && stored.length === audited.size && chain.ok ? 0 : 1;
  } finally {
    if (server) await server.stop();
    await proxy.close();
    await disconnectDb();
    await dropPgDatabase(name);
    agent.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
