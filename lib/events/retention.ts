// Retention of WAF events: rows of WafEvent and WafEventMatch that occurred more than the retention ago (the
// days an ADMIN set on /events/retention, lib/events/settings.ts; until then PALISADE_EVENT_RETENTION_DAYS,
// default 30; counted from the start of that hour) are deleted, with the
// rollup's rows of those hours — the only way an event ever goes away.
//
// Deleted in small batches (dialect().deleteOlderThan: each batch its own short statement and transaction),
// so ingestion, which inserts in its own transactions, never waits long behind the purge (on SQLite, the
// one write lock is released between batches, and each batch takes its turn in its process's event store queue,
// so that process's ingestion waits for one short batch at most). Matches go first, then their events: an
// interrupted purge leaves no match without its event. Run by `npm run db:prune` (lib/setup/cli.ts)
// and hourly inside the panel process (startEventPruning, from instrumentation.ts) and the node-API server
// (lib/nodes/server-cli.ts) unless PALISADE_EVENT_PURGE is off: one purge at a time per
// process, hourly timers that never keep the process alive (a pause between two batches does, at most
// PURGE_MAX_PAUSE_MS, so that `db:prune` finishes), failures logged (lib/log) and never thrown.
//
// Paced: after each batch the purge pauses in proportion to the time the batch took, so that it deletes at
// most PALISADE_EVENT_PURGE_DUTY of the time (default 0.25: a 40 ms batch, then 120 ms of pause). Back to
// back, a purge of a day of 1 M events kept one of the 2 cores busy and ingestion batches came back
// 100–460 ms slower (BENCHMARKS.md part j); paced, it takes 4× as long or more and leaves the cores to
// ingestion and pages (BENCHMARKS.md, "the paced purge": one batch is not made shorter by it). The batch's wall time is the measure on both databases: on SQLite it is the time
// the write lock (and, better-sqlite3 being synchronous, this process's thread) is held; on PostgreSQL the
// work is the server's, which the client sees only as the statement's time.
import "server-only";
import { dialect } from "@/lib/db";
import type { RunBatch } from "@/lib/db/dialect";
import { log } from "@/lib/log";
import { inIdleStoreSlot } from "./ingest";
import { hourOf, ROLLUP_TABLE } from "./rollup";
import { raiseDaysFrom } from "./rollup-job";
import { eventRetention } from "./settings";

export { EVENT_RETENTION_DAYS, eventRetentionDays } from "./settings";

export const PRUNE_BATCH_ROWS = 2000;
/**
 * On SQLite a batch runs on the panel's own thread (better-sqlite3 is synchronous) and holds the one write
 * lock: 2,000-row batches stalled it for up to ~300 ms, 500-row ones ~110 ms; smaller batches cost more CPU
 * in all but never hold ingestion (or a page) long.
 */
export const PRUNE_BATCH_ROWS_SINGLE_WRITER = 250;
const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** The first hourly purge waits this long after start, so a starting panel serves first. */
const FIRST_PRUNE_AFTER_MS = 60_000;

/**
 * On SQLite, how long a purge batch waits for this process's event batches to be done storing before it
 * takes its turn anyway (so ingestion at full speed slows the purge, never stops it).
 */
export const PURGE_YIELD_MAX_MS = 1000;

/** Share of the wall clock a purge spends deleting, by default; the rest it pauses. */
export const PURGE_DUTY = 0.25;
/** The longest pause after one batch (a batch slowed by a lock wait or a loaded machine does not stall the purge for minutes). */
export const PURGE_MAX_PAUSE_MS = 5000;

/** PALISADE_EVENT_PURGE_DUTY (more than 0, at most 1; 1 deletes back to back), default 0.25; anything else is refused with the reason. */
export function eventPurgeDuty(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PALISADE_EVENT_PURGE_DUTY?.trim();
  if (!raw) return PURGE_DUTY;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0.01 || n > 1) throw new Error(`PALISADE_EVENT_PURGE_DUTY must be a share of the time between 0.01 and 1 (e.g. 0.25); got "${raw}"`);
  return n;
}

/** The pause after a batch that took `busyMs`, for the purge to be busy `duty` of the time. */
export function purgePauseMs(busyMs: number, duty: number, maxPauseMs: number = PURGE_MAX_PAUSE_MS): number {
  if (duty >= 1 || !(busyMs > 0)) return 0;
  return Math.min(maxPauseMs, (busyMs * (1 - duty)) / duty);
}

/** A pause that ends early (without throwing) when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

export type PruneEventsOptions = {
  now?: Date;
  days?: number;
  batchRows?: number;
  /** Share of the time spent deleting (default eventPurgeDuty()); 1: no pauses. */
  duty?: number;
  maxPauseMs?: number;
  /** Stops the purge between two batches (the counts so far are returned, `interrupted` true); an ongoing pause ends at once. */
  signal?: AbortSignal;
  /** On SQLite, the longest a batch waits for this process's ingestion to be idle (default PURGE_YIELD_MAX_MS). */
  yieldMaxMs?: number;
  /** Called after each batch with the clock's readings (ms) when its statement started and ended, and the rows it deleted. */
  onBatch?: (batch: { from: number; to: number; rows: number }) => void;
  /** For tests: the pause and the clock the batches are timed with (ms). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  clock?: () => number;
};

export type PruneEventsResult = {
  before: Date;
  events: number;
  matches: number;
  /** Hours of the rollup (lib/events/rollup.ts) deleted with their events. */
  rollupRows: number;
  /** Full batches after which the purge paused, and for how long in all (ms). */
  pauses: number;
  pausedMs: number;
  /** Stopped by `signal` before it had deleted everything older. */
  interrupted: boolean;
};

/**
 * Deletes the events (and their matches, and their hours of the rollup) that occurred before the start of the
 * UTC hour of now minus the retention period, paced (see the top of this file). The boundary is a whole hour
 * so that the hourly rollup (lib/events/rollup.ts) stays exact without recounting: an hour is purged
 * entirely, events and rollup rows alike, or kept entirely (an event lives up to one hour longer than the
 * retention period, never shorter).
 */
export async function pruneEvents(options: PruneEventsOptions = {}): Promise<PruneEventsResult> {
  const now = options.now ?? new Date();
  // The retention an admin set (lib/events/settings.ts), else PALISADE_EVENT_RETENTION_DAYS, else 30 days.
  const before = hourOf(now.getTime() - (options.days ?? (await eventRetention()).days) * DAY_MS);
  const d = dialect();
  const batch = options.batchRows ?? (d.singleWriter ? PRUNE_BATCH_ROWS_SINGLE_WRITER : PRUNE_BATCH_ROWS);
  const duty = options.duty ?? eventPurgeDuty();
  if (!(duty > 0 && duty <= 1)) throw new Error(`pruneEvents: duty must be more than 0 and at most 1, got ${duty}`);
  const maxPauseMs = options.maxPauseMs ?? PURGE_MAX_PAUSE_MS;
  const sleep = options.sleep ?? pause;
  const clock = options.clock ?? (() => performance.now());
  const signal = options.signal;
  let pauses = 0;
  let pausedMs = 0;
  // The time the last batch's statement took (its wall time: see the top of this file).
  let busy = 0;
  const timed: RunBatch = async (statement) => {
    const from = clock();
    let rows = 0;
    try {
      return (rows = await statement());
    } finally {
      const to = clock();
      busy = to - from;
      options.onBatch?.({ from, to, rows });
    }
  };
  // SQLite: each batch takes its turn in this process's event store queue, when no event batch is storing or
  // waiting (lib/events/ingest.ts inIdleStoreSlot): ingestion in this process waits for one short batch at
  // most, and never polls for a lock the purge holds. (Ingestion in another process still polls: run the purge
  // where the events are stored, README "WAF events".)
  const yieldMaxMs = options.yieldMaxMs ?? PURGE_YIELD_MAX_MS;
  const runBatch: RunBatch = d.singleWriter ? (statement) => inIdleStoreSlot(() => timed(statement), yieldMaxMs) : timed;
  const pace = async (): Promise<boolean> => {
    const wait = purgePauseMs(busy, duty, maxPauseMs);
    if (wait > 0 && !signal?.aborted) {
      pauses++;
      pausedMs += wait;
      await sleep(wait, signal);
    }
    return !signal?.aborted;
  };
  const result = (events: number, matches: number, rollupRows = 0): PruneEventsResult => ({ before, events, matches, rollupRows, pauses, pausedMs, interrupted: signal?.aborted ?? false });
  if (signal?.aborted) return result(0, 0);
  // First, the days' rollup rows of the day this purge cuts into stop being read (rollup-job.ts daysFrom).
  await raiseDaysFrom(before);
  const matches = await d.deleteOlderThan("WafEventMatch", "occurredAt", before, batch, pace, runBatch);
  // The last batch of matches (a short one) is paced too, before the events' first.
  if (matches > 0 && !(await pace())) return result(0, matches);
  if (signal?.aborted) return result(0, matches);
  const events = await d.deleteOlderThan("WafEvent", "occurredAt", before, batch, pace, runBatch);
  if (signal?.aborted) return result(events, matches);
  if (events > 0 && !(await pace())) return result(events, matches);
  // Last: until it is done, a purged hour's rollup rows still count its events; no range of /events reaches
  // back there anyway (its ranges end within the retention period unless given by hand).
  const rollupRows = await d.deleteOlderThan(ROLLUP_TABLE, "hour", before, batch, pace, runBatch);
  return result(events, matches, rollupRows);
}

let running: Promise<void> | null = null;

/** One purge unless one is already running in this process; logs, never throws. */
export function pruneEventsOnce(): Promise<void> {
  if (running) return running;
  running = (async () => {
    try {
      const r = await pruneEvents();
      if (r.events || r.matches || r.rollupRows) void log.info("pruned old WAF events", { events: r.events, matches: r.matches, rollupRows: r.rollupRows, before: r.before.toISOString() });
    } catch (err) {
      void log.warn("could not prune old WAF events", { error: err });
    } finally {
      running = null;
    }
  })();
  return running;
}

/**
 * PALISADE_EVENT_PURGE: "on" (the default) or "off": whether this process runs the hourly purge. On SQLite with
 * the events-only node-API server, the panel is set to "off" so that the process storing the events purges
 * them too, taking turns with its own ingestion (a purge in another process makes ingestion poll for the lock).
 * Anything else is refused with the reason.
 */
export function eventPurgeEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env.PALISADE_EVENT_PURGE?.trim().toLowerCase();
  if (!raw || raw === "on") return true;
  if (raw === "off") return false;
  throw new Error(`PALISADE_EVENT_PURGE must be "on" or "off"; got "${env.PALISADE_EVENT_PURGE}"`);
}

let started = false;

/** Hourly purge in this process (the first a minute after start) unless PALISADE_EVENT_PURGE is off; unref'd timers; once per process. */
export function startEventPruning(): void {
  if (started || !eventPurgeEnabled()) return;
  started = true;
  setTimeout(() => void pruneEventsOnce(), FIRST_PRUNE_AFTER_MS).unref();
  setInterval(() => void pruneEventsOnce(), PRUNE_EVERY_MS).unref();
}
