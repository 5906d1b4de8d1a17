// Pure helpers of part k (two panel instances, lib/bench/two-instances.ts): how a closed loop's clients are
// split across instances, the values each concurrent writer alternates between, and the per-instance summary
// of a run. A "lane" is the group of clients that talk to one instance.
import { THRESHOLD_MAX } from "@/lib/policies/policy-fields";
import { ms, summarize, type Timing } from "./stats";

/** `clients` split as evenly as possible over `instances`, the first ones taking the remainder: 9 over 2 → [5, 4]. */
export function splitClients(clients: number, instances: number): number[] {
  if (!Number.isInteger(clients) || clients < 0) throw new Error(`clients must be a whole number ≥ 0, got ${clients}`);
  if (!Number.isInteger(instances) || instances < 1) throw new Error(`instances must be a whole number ≥ 1, got ${instances}`);
  const base = Math.floor(clients / instances);
  return Array.from({ length: instances }, (_, i) => base + (i < clients % instances ? 1 : 0));
}

/**
 * The two inbound thresholds writer `i` alternates between, distinct from every other writer's. A writer
 * always sends a value other than the one it last saved, and no other writer ever saves either of its
 * values, so a PUT that passes the version check always changes the policy: the API's "already so, nothing
 * to change" answer (200 without a write) cannot happen, and every 200 is one audited write.
 */
export function writerThresholds(i: number): [number, number] {
  const a = 10 + 2 * i;
  if (!Number.isInteger(i) || i < 0 || a + 1 > THRESHOLD_MAX) throw new Error(`no thresholds for writer ${i}`);
  return [a, a + 1];
}

/** What one lane (the clients of one instance) did during a run. */
export type LaneSample = {
  label: string;
  /** Latency of each successful request (ms). */
  latencies: number[];
  ok: number;
  /** Answers of a stale version (412), each retried with the version it names. */
  conflicts: number;
  /** Other answers and failures, by kind. */
  errors: Record<string, number>;
  /** CPU time (user + system) the instance used during the run, ms; null when its process is unknown. */
  cpuMs: number | null;
};

export type LaneSummary = {
  label: string;
  requests: number;
  ok: number;
  conflicts: number;
  errors: number;
  /** Successful requests per second. */
  perSecond: number;
  timing: Timing | null;
  /** The instance's CPU per request it answered (any answer), ms. */
  cpuPerRequest: number | null;
};

export type RunSummary = {
  seconds: number;
  lanes: LaneSummary[];
  total: { requests: number; ok: number; conflicts: number; errors: number; perSecond: number; timing: Timing | null };
  /** The load generator's own CPU per request (it shares the machine's cores with the instances), ms. */
  clientCpuPerRequest: number | null;
};

export function summarizeRun(samples: LaneSample[], seconds: number, clientCpuMs: number | null = null): RunSummary {
  if (!(seconds > 0)) throw new Error(`a run lasts more than 0 s, got ${seconds}`);
  const errorsOf = (s: LaneSample) => Object.values(s.errors).reduce((a, b) => a + b, 0);
  const lanes = samples.map((s): LaneSummary => {
    const requests = s.ok + s.conflicts + errorsOf(s);
    return {
      label: s.label,
      requests,
      ok: s.ok,
      conflicts: s.conflicts,
      errors: errorsOf(s),
      perSecond: s.ok / seconds,
      timing: s.latencies.length ? summarize(s.latencies) : null,
      cpuPerRequest: s.cpuMs !== null && requests > 0 ? s.cpuMs / requests : null,
    };
  });
  const all = samples.flatMap((s) => s.latencies);
  const sum = (f: (l: LaneSummary) => number) => lanes.reduce((a, l) => a + f(l), 0);
  const requests = sum((l) => l.requests);
  return {
    seconds,
    lanes,
    total: { requests, ok: sum((l) => l.ok), conflicts: sum((l) => l.conflicts), errors: sum((l) => l.errors), perSecond: sum((l) => l.ok) / seconds, timing: all.length ? summarize(all) : null },
    clientCpuPerRequest: clientCpuMs !== null && requests > 0 ? clientCpuMs / requests : null,
  };
}

/** One value per lane, "A 150 · B 148"; a run with one lane shows its value alone. */
export function perLane(run: RunSummary, f: (l: LaneSummary) => string): string {
  return run.lanes.length === 1 ? f(run.lanes[0]!) : run.lanes.map((l) => `${l.label} ${f(l)}`).join(" · ");
}

/** Requests per second: whole numbers, one decimal below 10 (a lane that made 4 writes in 10 s is not "0"). */
export const rateText = (perSecond: number) => (Math.round(perSecond * 10) / 10 < 10 ? perSecond.toFixed(1) : perSecond.toFixed(0));
export const latencyText = (t: Timing | null) => (t ? `${ms(t.median)} / ${ms(t.p95)}` : "—");
export const cpuText = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(2)} ms`);
