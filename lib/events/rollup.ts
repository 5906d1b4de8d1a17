// The exact hourly rollup of WAF events (table WafEventHourly, migration 20261208100000_event_rollup), which
// lets /events answer its top rules / client addresses / paths and its timeline from a few thousand rows
// instead of every event of the range (issue 18: ≤ 250 ms for 24 h at 10 M events).
//
// Written: a job counts each UTC hour once it has closed, from the raw tables, and moves the rollup's mark
// past it (rollup-job.ts); an event arriving for an hour already counted is added by storeEvents (ingest.ts)
// in its own transaction, `rollupUpsert` of the rows that actually went in (insertBatch's follow-up, UPSERT
// n = n + excluded.n, rows in one fixed order so concurrent batches never deadlock): a duplicate or retried
// event is counted never, a rolled-back batch not at all. Each event counts once under its vhost ("" for
// none) and once under ALL_VHOSTS.
// Read: queries.ts takes the whole UTC hours of a range before the mark from here and the rest (partial hours
// at its two ends, hours not counted yet) from the raw tables, when the filter is only vhost / outcome / time
// (`rollupPlan`); anything else reads raw.
// Deleted: retention (retention.ts) purges whole hours only, so an hour is either entirely kept or gone.
//
// Days: each closed UTC day is also kept summed (kinds "day:total", "day:rule", …, `hour` = the day's
// midnight), so that 7 and 30 days read 30 rows per key, not 720 (30-day tops at 10 M events: every key's
// 720 hourly rows were 8.8 s). The job writes a day's rows from its 24 hours when it counts the day's last
// hour, and a late event adds to its day too once that day is counted; a day's rows are read only when the
// day is counted (it ended at or before the mark) and from `daysFrom` on (rollup-job.ts: the first day the
// job counted, raised by retention before it deletes any of a day's events), so they always equal the sum of
// the day's hours.
// Pure: no database.
import type { UpsertRows } from "@/lib/db";
import type { EventFilter } from "./filters";

export const ROLLUP_TABLE = "WafEventHourly";
export const ROLLUP_COLUMNS = ["kind", "vhostId", "key", "hour", "outcome", "n"] as const;
/** The vhostId of the rows that count every vhost's events together. */
export const ALL_VHOSTS = "*";
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type RollupKind = "total" | "rule" | "client" | "path";
/** The hourly kinds, as stored. */
export const HOURLY_KINDS: readonly RollupKind[] = ["total", "rule", "client", "path"];
/** The kind of a day's rows of `kind` ("day:rule"). */
export const dayKind = (kind: RollupKind) => `day:${kind}`;
/** The daily kinds, as stored. */
export const DAILY_KINDS: readonly string[] = HOURLY_KINDS.map(dayKind);

/** The UTC hour `at` falls in. */
export function hourOf(at: Date | number): Date {
  const t = typeof at === "number" ? at : at.getTime();
  return new Date(Math.floor(t / HOUR_MS) * HOUR_MS);
}

/** The UTC day `at` falls in (its midnight). */
export function dayOf(at: Date | number): Date {
  const t = typeof at === "number" ? at : at.getTime();
  return new Date(Math.floor(t / DAY_MS) * DAY_MS);
}

/** What the rollup counts of a stored event (values as in its WafEvent row). */
export type RollupEvent = { occurredAt: Date; vhostId: string | null; outcome: string; clientAddress: string; path: string };
/** What the rollup counts of a stored match (values as in its WafEventMatch row). */
export type RollupMatch = { occurredAt: Date; vhostId: string | null; outcome: string; ruleId: number; scoring: boolean };

/**
 * The rows to add for these newly stored events and matches: counts per (kind, vhost, key, hour, outcome),
 * each under the vhost and under ALL_VHOSTS; only scoring rules, as the tops count them. An event of a day
 * that ended at or before `daysThrough` (ms; the rollup's mark) is added to its day's rows too. Sorted by key,
 * so every batch takes its row locks in the same order.
 */
export function rollupUpsert(events: readonly RollupEvent[], matches: readonly RollupMatch[], daysThrough = 0): UpsertRows {
  // Keyed by text with the hour as epoch milliseconds (13 digits: one order for every batch); a Date is
  // made once per row. 500 events cost about 1 ms here (toISOString per event took 8).
  const counts = new Map<string, unknown[]>();
  const add = (kind: string, vhostId: string, key: string, hour: number, outcome: string) => {
    const id = `${kind}\u0000${vhostId}\u0000${key}\u0000${hour}\u0000${outcome}`;
    const row = counts.get(id);
    if (row) (row[5] as number)++;
    else counts.set(id, [kind, vhostId, key, hour, outcome, 1]);
  };
  const both = (kind: RollupKind, vhostId: string | null, key: string, at: Date, outcome: string) => {
    const t = at.getTime();
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    add(kind, vhostId ?? "", key, hour, outcome);
    add(kind, ALL_VHOSTS, key, hour, outcome);
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    if (day + DAY_MS <= daysThrough) {
      add(dayKind(kind), vhostId ?? "", key, day, outcome);
      add(dayKind(kind), ALL_VHOSTS, key, day, outcome);
    }
  };
  for (const e of events) {
    both("total", e.vhostId, "", e.occurredAt, e.outcome);
    both("client", e.vhostId, e.clientAddress, e.occurredAt, e.outcome);
    both("path", e.vhostId, e.path, e.occurredAt, e.outcome);
  }
  for (const m of matches) if (m.scoring) both("rule", m.vhostId, String(m.ruleId), m.occurredAt, m.outcome);
  const ids = [...counts.keys()].sort();
  const rows = ids.map((id) => {
    const row = counts.get(id)!;
    row[3] = new Date(row[3] as number);
    return row;
  });
  return { table: ROLLUP_TABLE, columns: ROLLUP_COLUMNS, conflict: ["kind", "vhostId", "key", "hour", "outcome"], add: "n", rows };
}

/** The filter keys the rollup carries; a filter with any other falls back to the raw tables. */
const ROLLUP_FILTER_KEYS = new Set<keyof EventFilter>(["vhost", "outcome", "range", "from", "to"]);

/**
 * How a range is read with the rollup: the whole UTC hours [wholeFrom, wholeTo) from it (the rows of `vhostId`,
 * and `outcome` when filtered) — the whole counted days among them (`days`) from the days' rows, the other
 * hours (`hours`) from the hours' rows — and `rawParts` — the partial hours at either end, and the hours from
 * the rollup's mark `through` on (not counted yet) — from the raw tables. Null when the filter has anything
 * else than vhost / outcome / time, or when the range holds no whole hour the rollup has counted.
 * `pieces`: the rollup's pieces (contiguous runs of hours, or of days), each read with its kind's rows.
 */
export type RollupPiece = { unit: "hour" | "day"; from: Date; to: Date; starts: Date[] };
export type RollupPlan = { vhostId: string; outcome?: string; wholeFrom: Date; wholeTo: Date; hours: Date[]; days: Date[]; pieces: RollupPiece[]; rawParts: { from: Date; to: Date }[] };

/** The rollup's marks (rollup-job.ts readRollupMarks): hours before `through` are counted; days from `daysFrom` (null: none yet) that end by `through` too. */
export type RollupMarks = { through: Date; daysFrom: Date | null };

function piece(unit: "hour" | "day", from: number, to: number): RollupPiece {
  const step = unit === "hour" ? HOUR_MS : DAY_MS;
  const starts: Date[] = [];
  for (let t = from; t < to; t += step) starts.push(new Date(t));
  return { unit, from: new Date(from), to: new Date(to), starts };
}

/**
 * The plan for `range`. With `marks` as a Date (the hourly mark alone) or `days: false` (a timeline per
 * hour), every whole hour is read from the hours' rows.
 */
export function rollupPlan(filter: EventFilter, range: { from: Date; to: Date }, marks: Date | RollupMarks, options: { days?: boolean } = {}): RollupPlan | null {
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && !ROLLUP_FILTER_KEYS.has(k as keyof EventFilter)) return null;
  const { through, daysFrom } = marks instanceof Date ? { through: marks, daysFrom: null } : marks;
  const from = range.from.getTime();
  const to = range.to.getTime();
  const wholeFrom = Math.ceil(from / HOUR_MS) * HOUR_MS;
  // The hours from the mark on are not counted yet (lib/events/rollup-job.ts): read raw like a partial end.
  const wholeTo = Math.min(Math.floor(to / HOUR_MS) * HOUR_MS, Math.floor(through.getTime() / HOUR_MS) * HOUR_MS);
  if (wholeTo <= wholeFrom) return null;
  // Whole days within the whole hours, counted (ended by the mark) and from daysFrom on.
  let dayFrom = Math.ceil(wholeFrom / DAY_MS) * DAY_MS;
  const dayTo = Math.floor(wholeTo / DAY_MS) * DAY_MS;
  if (daysFrom) dayFrom = Math.max(dayFrom, Math.ceil(daysFrom.getTime() / DAY_MS) * DAY_MS);
  const useDays = options.days !== false && daysFrom !== null && dayTo > dayFrom;
  const pieces: RollupPiece[] = useDays
    ? [piece("hour", wholeFrom, dayFrom), piece("day", dayFrom, dayTo), piece("hour", dayTo, wholeTo)].filter((p) => p.starts.length > 0)
    : [piece("hour", wholeFrom, wholeTo)];
  const rawParts: { from: Date; to: Date }[] = [];
  if (from < wholeFrom) rawParts.push({ from: range.from, to: new Date(wholeFrom) });
  if (wholeTo < to) rawParts.push({ from: new Date(wholeTo), to: range.to });
  return {
    // A vhost id is stored lower-case (as PostgreSQL prints a uuid); the filter's schema lower-cases it too.
    vhostId: filter.vhost ? filter.vhost.toLowerCase() : ALL_VHOSTS,
    outcome: filter.outcome,
    wholeFrom: new Date(wholeFrom),
    wholeTo: new Date(wholeTo),
    hours: pieces.filter((p) => p.unit === "hour").flatMap((p) => p.starts),
    days: pieces.filter((p) => p.unit === "day").flatMap((p) => p.starts),
    pieces,
    rawParts,
  };
}
