import { readFileSync } from "node:fs";
// Timing helpers: repeated runs after a warm-up, medians and 95th percentiles, and what the machine
// was doing meanwhile (the benchmark machines are shared, so every figure carries its load average).
import fs from "node:fs";
import os from "node:os";

export type Timing = { runs: number; median: number; p95: number; min: number; mean: number };

export function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { runs: s.length, median: at(0.5), p95: at(0.95), min: s[0]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export type Load = { before: number; after: number };

export function loadAverage(): number {
  return os.loadavg()[0]!;
}

/** Warm-up stops after this long even if fewer than `warmup` rounds ran (slow queries warm up in fewer). */
const WARMUP_BUDGET_MS = 15_000;

/**
 * Times each of `fns` `runs` times after `warmup` untimed runs, interleaved (a, b, a, b, …) so that a
 * change in the machine's load affects all of them alike. Returns the timings in ms, in order.
 * The warm-up matters: Prisma's client runs its first ~200 queries of a kind several times slower
 * (measured: 13 ms → 1.3 ms for the audit page on SQLite), as a running server's would be warm.
 */
export async function timeInterleaved(fns: (() => Promise<unknown>)[], runs: number, warmup: number): Promise<{ timings: Timing[]; load: Load }> {
  const warmUntil = performance.now() + WARMUP_BUDGET_MS;
  for (let i = 0; i < warmup && performance.now() < warmUntil; i++) for (const fn of fns) await fn();
  const before = loadAverage();
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = performance.now();
      await fn();
      samples[k]!.push(performance.now() - t);
    }
  }
  return { timings: samples.map(summarize), load: { before, after: loadAverage() } };
}

export async function time(fn: () => Promise<unknown> | unknown, runs: number, warmup: number): Promise<{ timing: Timing; load: Load }> {
  const { timings, load } = await timeInterleaved([async () => fn()], runs, warmup);
  return { timing: timings[0]!, load };
}

export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  return `${model}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
export const loadText = (l: Load) => `${l.before.toFixed(1)} → ${l.after.toFixed(1)}`;

/** CPU time (user + system, ms) each of the processes `pids` and their child processes has used so far, from /proc (Linux; empty elsewhere). */
export function processCpu(pids: readonly number[]): Map<number, number> {
  const ticks = 100; // USER_HZ on Linux
  let stats: { pid: number; ppid: number; cpu: number }[] = [];
  try {
    stats = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
      try {
        const f = fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ");
        return [{ pid: Number(d), ppid: Number(f[1]), cpu: ((Number(f[11]) + Number(f[12])) / ticks) * 1000 }];
      } catch {
        return []; // ended meanwhile
      }
    });
  } catch {
    return new Map();
  }
  const wanted = new Set(pids);
  // Children of children too (next start may run its server in a child process).
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) if (!wanted.has(s.pid) && wanted.has(s.ppid)) wanted.add(s.pid), (grew = true);
  }
  return new Map(stats.filter((s) => wanted.has(s.pid)).map((s) => [s.pid, s.cpu]));
}

/** CPU ms used between two `processCpu` readings (a process started meanwhile counts from 0). */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
  return ms;
}

/**
 * CPU time (user + system, ms) used so far by process `pid` and its descendants, from /proc; null where
 * /proc is not there. On a machine shared with other work, throughput follows the load; the CPU a request
 * costs the server does much less, so the node API part reports both.
 */
export function processCpuMs(pid: number | null | undefined): number | null {
  if (!pid) return null;
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const one = (p: number): number => {
    let total = 0;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / ticksPerMs; // utime, stime (fields 14, 15)
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) total += one(Number(child));
    } catch {
      // the process (or /proc) is gone
    }
    return total;
  };
  try {
    readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  return one(pid);
}
