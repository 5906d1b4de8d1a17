// Retention of WAF events: rows of WafEvent and WafEventMatch that occurred more than
// PALISADE_EVENT_RETENTION_DAYS ago (default 30; counted from the start of that hour) are deleted, with the
// rollup's rows of those hours — the only way an event ever goes away.
//
// Deleted in small batches (dialect().deleteOlderThan: each batch its own short statement and transaction),
// so ingestion, which inserts in its own transactions, never waits long behind the purge (on SQLite, the
// one write lock is released between batches). Matches go first, then their events: an interrupted purge
// leaves no match without its event. Run by `npm run db:prune` (lib/setup/cli.ts) and hourly inside the
// panel process (startEventPruning, from instrumentation.ts): one purge at a time per process, a timer
// that never keeps the process alive, failures logged (lib/log) and never thrown.
import "server-only";
import { dialect } from "@/lib/db";
import { log } from "@/lib/log";
import { hourOf, ROLLUP_TABLE } from "./rollup";

export const EVENT_RETENTION_DAYS = 30;
export const PRUNE_BATCH_ROWS = 2000;
const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** The first hourly purge waits this long after start, so a starting panel serves first. */
const FIRST_PRUNE_AFTER_MS = 60_000;

/** PALISADE_EVENT_RETENTION_DAYS (1–3650), default 30; anything else is refused with the reason. */
export function eventRetentionDays(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PALISADE_EVENT_RETENTION_DAYS?.trim();
  if (!raw) return EVENT_RETENTION_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error(`PALISADE_EVENT_RETENTION_DAYS must be a whole number of days, 1 to 3650; got "${raw}"`);
  return n;
}

export type PruneEventsResult = { before: Date; events: number; matches: number; rollupRows: number };

/**
 * Deletes the events (and their matches, and their hours of the rollup) that occurred before the start of the
 * UTC hour of now minus the retention period. The boundary is a whole hour so that the hourly rollup
 * (lib/events/rollup.ts) stays exact without recounting: an hour is purged entirely, events and rollup rows
 * alike, or kept entirely (an event lives up to one hour longer than the retention period, never shorter).
 */
export async function pruneEvents(options: { now?: Date; days?: number; batchRows?: number } = {}): Promise<PruneEventsResult> {
  const now = options.now ?? new Date();
  const before = hourOf(now.getTime() - (options.days ?? eventRetentionDays()) * DAY_MS);
  const batch = options.batchRows ?? PRUNE_BATCH_ROWS;
  const d = dialect();
  const matches = await d.deleteOlderThan("WafEventMatch", "occurredAt", before, batch);
  const events = await d.deleteOlderThan("WafEvent", "occurredAt", before, batch);
  // Last: until it is done, a purged hour's rollup rows still count its events; no range of /events reaches
  // back there anyway (its ranges end within the retention period unless given by hand).
  const rollupRows = await d.deleteOlderThan(ROLLUP_TABLE, "hour", before, batch);
  return { before, events, matches, rollupRows };
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

let started = false;

/** Hourly purge in this process (the first a minute after start); unref'd timers; once per process. */
export function startEventPruning(): void {
  if (started) return;
  started = true;
  setTimeout(() => void pruneEventsOnce(), FIRST_PRUNE_AFTER_MS).unref();
  setInterval(() => void pruneEventsOnce(), PRUNE_EVERY_MS).unref();
}
