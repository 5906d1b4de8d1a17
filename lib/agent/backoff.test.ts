// The agent's loop against a panel that goes away: exponential backoff with jitter (capped), a refused
// connection told apart from a 5xx in the log, and one log line per change of state instead of one per
// round. A fake clock (the agent's sleep) and a scripted panel; no timers run.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeAgent, nextDelay, type EngineControl } from "./agent";

type Step = "refused" | "reset" | 503 | 500 | 304 | 404;

const engine: EngineControl = {
  check: async () => ({ ok: true, errors: [], warnings: [], output: "", durationMs: 1 }),
  masterPid: async () => 1,
  reload: async () => ({ ok: true, message: "reloaded" }),
  start: async () => ({ ok: true, message: "started" }),
};

function refused(code: string): Error {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:3000`), { code }) });
}

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-agent-backoff-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs the loop over `steps` (one per round) and returns the waits it chose and what it logged. */
async function runScript(steps: Step[], options: { intervalMs?: number; maxBackoffMs?: number; random?: () => number } = {}) {
  const stop = new AbortController();
  const waits: number[] = [];
  const logs: string[] = [];
  let round = 0;
  const fetchImpl: typeof fetch = async () => {
    const step = steps[round++]!;
    if (step === "refused") throw refused("ECONNREFUSED");
    if (step === "reset") throw refused("ECONNRESET");
    if (step === 503) return Response.json({ error: "The panel cannot reach its database; try again shortly." }, { status: 503, headers: { "retry-after": "5" } });
    if (step === 500) return Response.json({ error: "The panel could not answer; try again shortly." }, { status: 500 });
    return new Response(null, { status: step });
  };
  const agent = new NodeAgent({
    panelUrl: "http://panel.test",
    readToken: async () => "pn_test",
    dir,
    engine,
    fetch: fetchImpl,
    log: (l) => logs.push(l),
    random: options.random ?? (() => 0.5),
    maxBackoffMs: options.maxBackoffMs,
    sleep: async (ms) => {
      waits.push(ms);
      if (round >= steps.length) stop.abort();
    },
  });
  await agent.run(stop.signal, options.intervalMs ?? 10_000);
  return { waits, logs };
}

describe("the agent's loop when the panel goes away", () => {
  it("backs off exponentially while the panel is unreachable, capped, and goes back to the interval once it answers", async () => {
    const { waits } = await runScript(["refused", "refused", "refused", "refused", "refused", "refused", "refused", 404, 404], { maxBackoffMs: 120_000, random: () => 1 });
    // 10 s interval: 20, 40, 80, 120 (cap), 120, 120, 120 — then the interval again.
    expect(waits).toEqual([20_000, 40_000, 80_000, 120_000, 120_000, 120_000, 120_000, 10_000, 10_000]);
  });

  it("spreads the waits with jitter (between half and all of the step), so nodes do not come back in step", () => {
    const low = nextDelay({ failures: 3, intervalMs: 10_000, maxMs: 300_000, random: () => 0 });
    const high = nextDelay({ failures: 3, intervalMs: 10_000, maxMs: 300_000, random: () => 1 });
    expect([low, high]).toEqual([40_000, 80_000]);
    const seen = new Set(Array.from({ length: 50 }, () => nextDelay({ failures: 3, intervalMs: 10_000, maxMs: 300_000, random: Math.random })));
    expect(seen.size).toBeGreaterThan(40);
    for (const d of seen) expect(d).toBeGreaterThanOrEqual(40_000), expect(d).toBeLessThanOrEqual(80_000);
    expect(nextDelay({ failures: 40, intervalMs: 10_000, maxMs: 300_000, random: () => 1 })).toBe(300_000);
  });

  it("waits at least what a 503's Retry-After asks", async () => {
    const { waits } = await runScript([503, 404], { intervalMs: 1000, random: () => 0 });
    expect(waits[0]).toBe(5000);
  });

  it("logs each change of state once: refused, then a 5xx, then back — not every round", async () => {
    const { logs } = await runScript(["refused", "refused", "refused", 503, 503, 500, 404, 404, 404, 304, 304]);
    const lines = logs.map((l) => l.replace(/\d+(\.\d+)? s/g, "N s"));
    expect(lines).toEqual([
      "panel unreachable: cannot connect to http://panel.test/ (ECONNREFUSED); retrying with backoff, next try in N s",
      "panel error: it answered 503: The panel cannot reach its database; try again shortly.; retrying with backoff, next try in N s",
      "panel error: it answered 500: The panel could not answer; try again shortly.; retrying with backoff, next try in N s",
      "panel reachable again after 6 failed rounds",
      "ok: Nothing has been published yet.",
    ]);
  });

  it("tells a reset connection from a refused one", async () => {
    const { logs } = await runScript(["reset", 404]);
    expect(logs[0]).toMatch(/^panel unreachable: the connection to http:\/\/panel\.test\/ was reset \(ECONNRESET\)/);
  });
});
