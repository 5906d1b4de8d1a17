// h. The impact preview's replay (lib/replay/run.ts): 5,000 requests through the live and the candidate
// bundle side by side in the real engine (two single-process nginx, the in-process stub backend), the
// whole run timed: engines started, every request answered by both, engines stopped, audit logs read.
// Targets (issue 20): ≥ 500 replayed requests/s on this 2-core machine, a 5,000-request replay < 20 s.
// The database is not involved: the figures are the same on SQLite and PostgreSQL.
import { CORPUS } from "@/lib/replay/corpus";
import { replayRequests, type ReplayRequest } from "@/lib/replay/run";
import { compileBundle } from "@/lib/waf/compile";
import { findEngine } from "@/lib/waf/engine";
import { DEFAULT_POLICY, sampleInput, sampleVhost } from "@/lib/waf/samples";
import type { BenchContext } from "./context";
import { table } from "./report";
import { loadAverage, ms, summarize } from "./stats";

export const REPLAY_REQUESTS = 5000;
const VHOSTS = ["a.replay.bench", "b.replay.bench", "c.replay.bench", "d.replay.bench", "e.replay.bench"];

/** 5,000 requests like a replay's: the corpus per vhost, then stored-traffic-like GETs (1 in 10 an attack). */
export function benchRequests(n = REPLAY_REQUESTS): ReplayRequest[] {
  const out: ReplayRequest[] = [];
  for (const vhost of VHOSTS) for (const c of CORPUS) out.push({ vhost, method: c.method, target: c.target, headers: c.headers, body: c.body });
  for (let i = 0; out.length < n; i++) {
    const vhost = VHOSTS[i % VHOSTS.length]!;
    out.push({ vhost, method: "GET", target: i % 10 === 0 ? `/item?id=${i}%27+OR+%271%27%3D%271` : `/products/${i}?ref=list&page=${i % 7}&q=item+${i}` });
  }
  return out;
}

export async function replayPart(ctx: BenchContext) {
  const engine = findEngine();
  if (!engine.available) throw new Error(`part h needs the WAF engine: ${engine.message}`);
  const bundle = (paranoia: number) =>
    compileBundle(sampleInput(VHOSTS.map((d) => sampleVhost(d, { backendUrl: "http://10.255.0.9:8080", policy: { ...DEFAULT_POLICY, blockingParanoia: paranoia, detectionParanoia: paranoia } }))));
  const live = bundle(1);
  const candidate = bundle(2);
  const requests = benchRequests();
  const rows: (string | number)[][] = [];
  for (const concurrency of [8, 16, 32]) {
    const walls: number[] = [];
    let changed = 0;
    const before = loadAverage();
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const decisions = await replayRequests({ live, candidate, requests, engine: engine.paths, concurrency });
      walls.push(performance.now() - started);
      changed = decisions.filter((d) => "status" in d.live && "status" in d.candidate && d.live.blocked !== d.candidate.blocked).length;
    }
    const t = summarize(walls);
    rows.push([
      concurrency,
      `**${(t.median / 1000).toFixed(2)} s** / ${(t.min / 1000).toFixed(2)} s`,
      `**${Math.round((requests.length * 1000) / t.median).toLocaleString("en")}**`,
      Math.round((2 * requests.length * 1000) / t.median).toLocaleString("en"),
      changed,
      `${before.toFixed(1)} → ${loadAverage().toFixed(1)}`,
    ]);
  }
  const body = [
    ctx.header(`${REPLAY_REQUESTS.toLocaleString("en")} requests (the corpus for 5 vhosts, then GETs of which 1 in 10 is an SQL injection), paranoia 1 (live) vs 2 (candidate), 3 runs each`),
    "",
    table(["requests in flight per revision", "whole replay: median / best", "replayed requests/s (through both)", "engine answers/s", "outcomes changed", "load"], rows),
    "",
    `Targets: ≥ 500 replayed requests/s and a ${REPLAY_REQUESTS.toLocaleString("en")}-request replay under 20 s (${ms(20_000)} ms). The whole run is timed: both engines started (CRS loaded), every request answered by both, engines stopped, audit logs read.`,
  ].join("\n");
  return [{ key: `replay:h`, title: "h. Impact preview: replaying traffic through two revisions in the real engine", body }];
}
