// The hourly rollup (lib/events/rollup.ts) filled off the ingestion path (issue 18: ingestion ≥ 20,000
// events/s on PostgreSQL; counting every batch's 1,100–1,700 rollup rows in its own transaction tripled the
// database's share of a batch).
//
// The mark (table WafEventRollupMark, one row): the UTC hours before `through` are counted in WafEventHourly;
// the hours from `through` on are not, and /events reads them from the raw events (rollupPlan). Exact at all
// times, whatever has run:
// - the job (`rollupClosedHours`, every minute in the panel) counts the oldest uncounted hour once it has
//   closed (plus a grace for the nodes' shipping delay): in one transaction it locks the mark (UPDATE), drops
//   whatever rows that hour has in the rollup, counts the hour from the raw tables (INSERT … SELECT … GROUP
//   BY) and moves the mark one hour on; one hour per transaction, so ingestion waits for at most one hour's
//   count;
// - ingestion (`lateRollup`, in storeEvents' transaction) reads the mark with a shared lock before inserting
//   and adds to the rollup only its events of hours before the mark: an event that arrives after its hour
//   was counted (most batches have none, and skip the follow-up). A batch that read the mark before the job locked it is waited for by the job, whose count
//   then sees its rows; a batch that reads it after waits for the job to commit and sees the new mark. No
//   event is missed or counted twice (test: lib/events/rollup.int.test.ts, batches racing the job).
// - `lowerRollupMark` moves the mark back (the scale seed, which writes 30 days of history at once: its
//   events are then counted by the job, a whole hour per statement, not row by row).
//
// Days (rollup.ts): when the job counts the last hour of a UTC day, the same transaction sums the day's 24
// hours into the day's rows ("day:…" kinds), and late events add to their day once it is counted. A second
// row of the mark table (id 2, `daysFrom`) says from which day on the days' rows are there: set by the job to
// the first day it sums (a database from before the days has none for the earlier ones), raised by retention
// to the first whole day it keeps before it deletes anything (a day summed before some of its hours were
// purged would count them still), lowered with the mark by lowerRollupMark (the job sums those days again).
// /events reads a day's rows only from `daysFrom` on and when the day ended by the mark.
import "server-only";
import { db, dialect, Prisma } from "@/lib/db";
import type { InsertGate, UpsertRows } from "@/lib/db";
import { log } from "@/lib/log";
import { ALL_VHOSTS, DAY_MS, DAILY_KINDS, HOUR_MS, HOURLY_KINDS, hourOf, ROLLUP_TABLE, rollupUpsert, type RollupEvent, type RollupMarks, type RollupMatch } from "./rollup";

export const ROLLUP_MARK_TABLE = "WafEventRollupMark";
const MARK_ID = 1;
/** The mark table's row that holds `daysFrom` (see the top of the file). */
const DAYS_MARK_ID = 2;
/** How long after an hour ends the job waits before counting it: the nodes ship within seconds. */
export const ROLLUP_GRACE_MS = 2 * 60_000;
const ROLLUP_EVERY_MS = 60_000;

function asDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The mark as the last committed transaction left it; the epoch when the row is missing (everything raw). */
export async function readRollupMark(): Promise<Date> {
  const row = await db.wafEventRollupMark.findUnique({ where: { id: MARK_ID } });
  return row?.through ?? new Date(0);
}

/** Both marks in one statement: hours before `through` are counted; days from `daysFrom` (null: none yet) that end by then too. */
export async function readRollupMarks(): Promise<RollupMarks> {
  const rows = await db.wafEventRollupMark.findMany({ where: { id: { in: [MARK_ID, DAYS_MARK_ID] } } });
  return { through: rows.find((r) => r.id === MARK_ID)?.through ?? new Date(0), daysFrom: rows.find((r) => r.id === DAYS_MARK_ID)?.through ?? null };
}

/**
 * Raises `daysFrom` to `at` (never lowers it; nothing when the job has summed no day yet): retention, before it
 * deletes the events before `at`'s hour, so that no day's rows still counting them are read.
 */
export async function raiseDaysFrom(at: Date): Promise<void> {
  const day = new Date(Math.ceil(at.getTime() / DAY_MS) * DAY_MS);
  await db.$executeRaw`UPDATE "WafEventRollupMark" SET "through" = ${day} WHERE "id" = ${DAYS_MARK_ID} AND "through" < ${day}`;
}

/**
 * For storeEvents' transaction (insertBatch's gate and follow-up), given the occurrence times of the batch's
 * events: `gate` reads the mark with a shared lock before anything is inserted (see the top of the file) and
 * answers whether any event is of an hour already counted; only then does insertBatch track which rows went
 * in, and `rows` returns the rollup rows for the new events and matches of those hours.
 */
export function lateRollup(occurredAt: readonly Date[]): { gate: InsertGate; rows: (events: readonly RollupEvent[], matches: readonly RollupMatch[]) => UpsertRows[] } {
  let through = 0;
  return {
    gate: async (readShared) => {
      through = asDate(await readShared(ROLLUP_MARK_TABLE, "through", MARK_ID))?.getTime() ?? 0;
      return occurredAt.some((at) => at.getTime() < through);
    },
    rows: (events, matches) => {
      const lateEvents = events.filter((e) => e.occurredAt.getTime() < through);
      const lateMatches = matches.filter((m) => m.occurredAt.getTime() < through);
      // An event of a day already summed is added to that day's rows too.
      return lateEvents.length || lateMatches.length ? [rollupUpsert(lateEvents, lateMatches, through)] : [];
    },
  };
}

/** The rollup rows of the hour starting at `hour`, counted from the raw tables, as one INSERT … SELECT. */
function countHourSql(hour: Date): Prisma.Sql {
  const from = hour;
  const to = new Date(hour.getTime() + HOUR_MS);
  const inHour = (alias: string) => Prisma.sql`${Prisma.raw(alias)}."occurredAt" >= ${from} AND ${Prisma.raw(alias)}."occurredAt" < ${to}`;
  const vhost = (alias: string) => Prisma.raw(`COALESCE(CAST(${alias}."vhostId" AS TEXT), '')`);
  // Each row once under its vhost ("" for none) and once under ALL_VHOSTS; a scoring match only with its
  // event, as the tops read them (rollupUpsert counts the same).
  return Prisma.sql`
    INSERT INTO "WafEventHourly" ("kind", "vhostId", "key", "hour", "outcome", "n")
    SELECT r."kind", CASE a."all" WHEN 1 THEN ${ALL_VHOSTS} ELSE r."vhostId" END, r."key", ${dialect().timestamp(hour)}, r."outcome", COUNT(*)
      FROM (
        SELECT 'total' AS "kind", ${vhost("e")} AS "vhostId", '' AS "key", e."outcome" AS "outcome" FROM "WafEvent" e WHERE ${inHour("e")}
        UNION ALL
        SELECT 'client', ${vhost("e")}, e."clientAddress", e."outcome" FROM "WafEvent" e WHERE ${inHour("e")}
        UNION ALL
        SELECT 'path', ${vhost("e")}, e."path", e."outcome" FROM "WafEvent" e WHERE ${inHour("e")}
        UNION ALL
        SELECT 'rule', ${vhost("m")}, CAST(m."ruleId" AS TEXT), m."outcome" FROM "WafEventMatch" m
         WHERE ${inHour("m")} AND m."scoring" AND EXISTS (SELECT 1 FROM "WafEvent" e WHERE e."id" = m."eventId")
      ) r
     CROSS JOIN (SELECT 0 AS "all" UNION ALL SELECT 1) a
     GROUP BY 1, 2, 3, 5`;
}

const kindList = (kinds: readonly string[]) => Prisma.join(kinds.map((k) => Prisma.sql`${k}`));

/** The day's rows of the day starting at `day`, summed from its 24 hours' rows, as one INSERT … SELECT. */
function sumDaySql(day: Date): Prisma.Sql {
  const end = new Date(day.getTime() + DAY_MS);
  return Prisma.sql`
    INSERT INTO "WafEventHourly" ("kind", "vhostId", "key", "hour", "outcome", "n")
    SELECT 'day:' || "kind", "vhostId", "key", ${dialect().timestamp(day)}, "outcome", SUM("n")
      FROM "WafEventHourly"
     WHERE "kind" IN (${kindList(HOURLY_KINDS)}) AND "hour" >= ${day} AND "hour" < ${end}
     GROUP BY "kind", "vhostId", "key", "outcome"`;
}

export type RollupJobResult = { hours: number; rows: number; through: Date };

/**
 * Counts every closed hour the rollup has not counted yet (the hours before `now` minus the grace), one hour
 * per transaction, oldest first, and moves the mark past each. Several panels may run it at once: the mark's
 * lock makes them take turns, and each recounts only the hour it finds at the mark. Stops early on `signal`.
 */
export async function rollupClosedHours(options: { now?: Date; graceMs?: number; maxHours?: number; signal?: AbortSignal } = {}): Promise<RollupJobResult> {
  const until = hourOf((options.now ?? new Date()).getTime() - (options.graceMs ?? ROLLUP_GRACE_MS)).getTime();
  const maxHours = options.maxHours ?? Infinity;
  let hours = 0;
  let rows = 0;
  let through = await readRollupMark();
  while (hours < maxHours && through.getTime() < until && !options.signal?.aborted) {
    const step = await db.$transaction(
      async (tx) => {
        // The UPDATE takes the row's lock (waits for ingesting batches that read it), then reads it as committed.
        const [mark] = await tx.$queryRaw<{ through: unknown }[]>`UPDATE "WafEventRollupMark" SET "through" = "through" WHERE "id" = ${MARK_ID} RETURNING "through"`;
        const at = asDate(mark?.through);
        if (!at) throw new Error("The rollup mark row (WafEventRollupMark id 1) is missing: run the database migrations.");
        if (at.getTime() >= until) return { at, rows: -1 };
        // A mark moved back (lowerRollupMark) can sit inside an hour: count from that hour's start.
        const hour = hourOf(at);
        await tx.$executeRaw`DELETE FROM "WafEventHourly" WHERE "hour" = ${hour} AND "kind" IN (${kindList(HOURLY_KINDS)})`;
        let n = await tx.$executeRaw(countHourSql(hour));
        const next = new Date(hour.getTime() + HOUR_MS);
        if (next.getTime() % DAY_MS === 0) {
          // The day's last hour: its 24 hours summed into the day's rows (rollup.ts).
          const day = new Date(next.getTime() - DAY_MS);
          await tx.$executeRaw`DELETE FROM "WafEventHourly" WHERE "hour" = ${day} AND "kind" IN (${kindList(DAILY_KINDS)})`;
          n += await tx.$executeRaw(sumDaySql(day));
          // The first day summed starts the days' rows (DO NOTHING: a later day never moves it).
          await tx.$executeRaw`INSERT INTO "WafEventRollupMark" ("id", "through") VALUES (${DAYS_MARK_ID}, ${day}) ON CONFLICT ("id") DO NOTHING`;
        }
        await tx.$executeRaw`UPDATE "WafEventRollupMark" SET "through" = ${next} WHERE "id" = ${MARK_ID}`;
        return { at: next, rows: n };
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
    through = step.at;
    if (step.rows < 0) break;
    hours++;
    rows += step.rows;
  }
  return { hours, rows, through };
}

/**
 * Moves the mark back to the start of `at`'s hour (never forward): the hours from there on are read raw
 * until the job has recounted them. For writers of history in bulk (the scale seed).
 */
export async function lowerRollupMark(at: Date): Promise<void> {
  const hour = hourOf(at);
  // The days from there on are summed again as the job passes them (until then they end after the mark).
  const day = new Date(Math.ceil(hour.getTime() / DAY_MS) * DAY_MS);
  await db.$transaction([
    db.$executeRaw`UPDATE "WafEventRollupMark" SET "through" = ${hour} WHERE "id" = ${MARK_ID} AND "through" > ${hour}`,
    db.$executeRaw`UPDATE "WafEventRollupMark" SET "through" = ${day} WHERE "id" = ${DAYS_MARK_ID} AND "through" > ${day}`,
  ]);
}

let running: Promise<void> | null = null;

/** One run of the job unless one is already running in this process; logs, never throws. */
export function rollupClosedHoursOnce(): Promise<void> {
  if (running) return running;
  running = (async () => {
    try {
      const r = await rollupClosedHours();
      if (r.hours) void log.info("counted closed hours of WAF events into the rollup", { hours: r.hours, rows: r.rows, through: r.through.toISOString() });
    } catch (err) {
      void log.warn("could not count closed hours of WAF events into the rollup", { error: err });
    } finally {
      running = null;
    }
  })();
  return running;
}

let started = false;

/** The job every minute in this process (the first run soon after start); unref'd timers; once per process. */
export function startEventRollup(): void {
  if (started) return;
  started = true;
  setTimeout(() => void rollupClosedHoursOnce(), 5_000).unref();
  setInterval(() => void rollupClosedHoursOnce(), ROLLUP_EVERY_MS).unref();
}
