// Reading WAF events for /events and a vhost's events tab: the filtered keyset-paged list (newest first by
// occurredAt, id), one event, the timeline of blocked vs detected, and the top rules, client addresses and
// paths of the range. Filtering is one SQL WHERE built here for both databases (the rule and tag filters
// look into WafEventMatch, which Prisma has no relation for); what differs between them comes from dialect().
import "server-only";
import { z } from "zod";
import { db, dialect, Prisma, retryingRead } from "@/lib/db";
import type { ParsedCidr } from "@/lib/policies/cidr";
import { clientKeyRange } from "./client-key";
import { eventTimeRange, type EventCursor, type EventFilter } from "./filters";
import { dayKind, rollupPlan, type RollupKind, type RollupPiece, type RollupPlan } from "./rollup";
import { readRollupMarks } from "./rollup-job";
import { isBookkeepingRule } from "./rules";
import { EventMatchSchema, type EventMatch } from "./schema";
import { exclusionImpact } from "./suggest";
import { readRows } from "@/lib/db";
import type { RuleExclusion } from "@/lib/rules/exclusions";

export const EVENT_PAGE_SIZE = 50;
export const TOP_SIZE = 10;

export type EventListRow = {
  id: string;
  occurredAt: Date;
  vhostId: string | null;
  vhost: string;
  clientAddress: string;
  method: string;
  uri: string;
  path: string;
  status: number;
  outcome: string;
  inboundScore: number | null;
  /** The scoring rules it matched (bookkeeping rules left out), lowest id first. */
  scoringRules: number[];
};

const LIST_COLUMNS = Prisma.raw(
  ["id", "occurredAt", "vhostId", "vhost", "clientAddress", "method", "uri", "path", "status", "outcome", "inboundScore"].map((c) => `e."${c}"`).join(","),
);

/** The event's scoring rules, lowest id first, as "941100,942100" (string_agg: PostgreSQL, and SQLite since 3.44). */
const SCORING_RULES = Prisma.sql`(SELECT string_agg(CAST(m."ruleId" AS TEXT), ',' ORDER BY m."ruleId") FROM "WafEventMatch" m WHERE m."eventId" = e."id" AND m."scoring" = TRUE) AS "scoringRules"`;

/** Dates come back as Date (PostgreSQL) or ISO text (SQLite), counts as bigint on either. */
function toDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(typeof v === "number" ? v : String(v));
}
const num = (v: unknown) => Number(v);

/** LIKE with the pattern's own wildcards escaped (both databases take ESCAPE '\'). */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The client filter: one range of client keys (lib/events/client-key.ts) for an address or a CIDR range of
 * either family, on the (clientKey, occurredAt) index.
 */
export function clientCondition(c: ParsedCidr, column: Prisma.Sql = Prisma.raw(`"clientKey"`)): Prisma.Sql {
  const { first, last } = clientKeyRange(c);
  return first === last ? Prisma.sql`${column} = ${first}` : Prisma.sql`${column} BETWEEN ${first} AND ${last}`;
}

/**
 * How eventConditions names its columns: `alias` qualifies WafEvent's (unqualified by default), `timeAlias`
 * the table whose occurredAt the range applies to, and `ruleJoined` leaves the rule condition to the caller,
 * which joins the rule's match rows itself (listEvents, below).
 */
export type ConditionOptions = { alias?: string; timeAlias?: string; ruleJoined?: boolean };

/** The filter's conditions on WafEvent, in the time window `range`. */
export function eventConditions(filter: EventFilter, range: { from: Date; to: Date }, options: ConditionOptions = {}): Prisma.Sql[] {
  const d = dialect();
  const col = (name: string, alias = options.alias) => Prisma.raw(alias ? `${alias}."${name}"` : `"${name}"`);
  const at = col("occurredAt", options.timeAlias ?? options.alias);
  const conds: Prisma.Sql[] = [Prisma.sql`${at} >= ${range.from}`, Prisma.sql`${at} < ${range.to}`];
  if (filter.vhost) conds.push(Prisma.sql`${col("vhostId")} = ${d.uuid(filter.vhost)}`);
  if (filter.outcome) conds.push(Prisma.sql`${col("outcome")} = ${filter.outcome}`);
  if (filter.status !== undefined) conds.push(Prisma.sql`${col("status")} = ${filter.status}`);
  if (filter.client) conds.push(clientCondition(filter.client, col("clientKey")));
  if (filter.path) {
    // Case-sensitive on both databases (SQLite's LIKE is not): compare the leading characters.
    conds.push(Prisma.sql`substr(${col("path")}, 1, length(CAST(${filter.path} AS TEXT))) = CAST(${filter.path} AS TEXT)`);
  }
  const rule = options.ruleJoined ? undefined : filter.rule;
  if (rule !== undefined || filter.tag) {
    const m: Prisma.Sql[] = [Prisma.sql`m."occurredAt" >= ${range.from}`, Prisma.sql`m."occurredAt" < ${range.to}`];
    if (rule !== undefined) m.push(Prisma.sql`m."ruleId" = ${rule}`);
    if (filter.tag) m.push(Prisma.sql`m."tags" LIKE ${`%|${likeEscape(filter.tag)}|%`} ESCAPE '\\'`);
    conds.push(Prisma.sql`${col("id")} IN (SELECT m."eventId" FROM "WafEventMatch" m WHERE ${Prisma.join(m, " AND ")})`);
  }
  return conds;
}

export type EventListParams = { filter: EventFilter; before?: EventCursor; after?: EventCursor; limit?: number; now?: Date };

/**
 * One page of the filtered events, newest first. `older` continues to older events, `newer` back to newer
 * ones (null at either end). Every page is a range scan on (occurredAt) or (vhostId, occurredAt).
 */
export const listEvents = retryingRead(async function listEvents(params: EventListParams) {
  const d = dialect();
  const limit = params.limit ?? EVENT_PAGE_SIZE;
  const ascending = params.before === undefined && params.after !== undefined;
  const cursor = params.before ?? params.after;
  // The cursor narrows the time range itself, so the one range the index scans starts at the cursor (a
  // second bound beside the range's own was not used by SQLite; without any, both databases read every row
  // between the range's end and the cursor: 50,000 rows 1,000 pages deep, BENCHMARKS.md part l).
  const range = eventTimeRange(params.filter, params.now);
  if (cursor && !ascending && cursor.at.getTime() + 1 < range.to.getTime()) range.to = new Date(cursor.at.getTime() + 1);
  if (cursor && ascending && cursor.at.getTime() > range.from.getTime()) range.from = cursor.at;
  // Filtered by a rule, the page walks that rule's match rows newest first (on the (ruleId, occurredAt) or
  // the occurredAt index, whichever the planner finds cheaper for the rule) and joins their events, stopping
  // after one page; an IN (…) of the rule's events made both databases read every event of the range first
  // (1 M events: 128 ms for 24 h on PostgreSQL; 200,000 events: 187 ms for 30 days on SQLite).
  const rule = params.filter.rule;
  const byRule = rule !== undefined;
  const conds = eventConditions(params.filter, range, { alias: "e", timeAlias: byRule ? "f" : "e", ruleJoined: byRule });
  if (byRule) conds.push(Prisma.sql`f."ruleId" = ${rule}`);
  const atCol = Prisma.raw(byRule ? `f."occurredAt"` : `e."occurredAt"`);
  const idCol = Prisma.raw(byRule ? `f."eventId"` : `e."id"`);
  if (cursor) {
    // (occurredAt, id) past the cursor; the range above already ends (or starts) at the cursor's time.
    const op = Prisma.raw(ascending ? ">" : "<");
    conds.push(Prisma.sql`(${atCol} ${op} ${cursor.at} OR ${idCol} ${op} ${d.uuid(cursor.id)})`);
  }
  const dir = Prisma.raw(ascending ? "ASC" : "DESC");
  const from = byRule ? Prisma.sql`"WafEventMatch" f JOIN "WafEvent" e ON e."id" = f."eventId"` : Prisma.sql`"WafEvent" e`;
  // The page and its rows' scoring rules in one statement (one round trip instead of two), on the bare
  // driver (readRows): the statement takes 0.4–0.6 ms on SQLite at 200,000 events, Prisma's $queryRaw added
  // 0.5–1.1 ms to it (BENCHMARKS.md part l). Rows as the driver gives them: normalised below.
  const raw = await readRows(
    Prisma.sql`SELECT ${LIST_COLUMNS}, ${SCORING_RULES} FROM ${from} WHERE ${Prisma.join(conds, " AND ")} ORDER BY ${atCol} ${dir}, ${idCol} ${dir} LIMIT ${limit + 1}`,
  );
  const hasMore = raw.length > limit;
  const page = raw.slice(0, limit);
  if (ascending) page.reverse();
  const rows: EventListRow[] = page.map((r) => ({
    id: String(r.id),
    occurredAt: toDate(r.occurredAt),
    vhostId: r.vhostId === null || r.vhostId === undefined ? null : String(r.vhostId),
    vhost: String(r.vhost),
    clientAddress: String(r.clientAddress),
    method: String(r.method),
    uri: String(r.uri),
    path: String(r.path),
    status: num(r.status),
    outcome: String(r.outcome),
    inboundScore: r.inboundScore === null || r.inboundScore === undefined ? null : num(r.inboundScore),
    scoringRules: r.scoringRules ? String(r.scoringRules).split(",").map(Number) : [],
  }));
  const first = rows[0];
  const last = rows.at(-1);
  const at = (r: EventListRow | undefined) => (r ? { at: r.occurredAt, id: r.id } : null);
  return {
    rows,
    older: ascending ? at(last) : hasMore ? at(last) : null,
    newer: ascending ? (hasMore ? at(first) : null) : params.before !== undefined ? at(first) : null,
  };
});

/** `rollup: false` reads the raw rows even where the rollup could answer (the tests' and the bench's reference). */
export type RollupOption = { rollup?: boolean };

export type TimelineBucket = { bucket: string; blocked: number; detected: number };

/** " UNION ALL a UNION ALL b …", or nothing for no statement (the range ends on whole hours). */
const unionAll = (parts: Prisma.Sql[]) => (parts.length ? Prisma.sql` UNION ALL ${Prisma.join(parts, " UNION ALL ")}` : Prisma.empty);

/** The rollup's rows of `kind` for one piece of the plan (its hours' or its days' rows), vhost and outcome (lib/events/rollup.ts). */
function pieceConditions(kind: RollupKind, plan: RollupPlan, piece: RollupPiece): Prisma.Sql[] {
  const conds = [Prisma.sql`"kind" = ${piece.unit === "day" ? dayKind(kind) : kind}`, Prisma.sql`"vhostId" = ${plan.vhostId}`, Prisma.sql`"hour" >= ${piece.from}`, Prisma.sql`"hour" < ${piece.to}`];
  if (plan.outcome) conds.push(Prisma.sql`"outcome" = ${plan.outcome}`);
  return conds;
}

/** `SELECT <columns> FROM the rollup WHERE <a piece's rows>[ AND <extra>]` for each piece of the plan, as one UNION ALL. */
function rollupRows(kind: RollupKind, plan: RollupPlan, columns: Prisma.Sql, extra: (piece: RollupPiece) => Prisma.Sql = () => Prisma.empty): Prisma.Sql {
  return Prisma.join(
    plan.pieces.map((p) => Prisma.sql`SELECT ${columns} FROM "WafEventHourly" WHERE ${Prisma.join(pieceConditions(kind, plan, p), " AND ")}${extra(p)}`),
    " UNION ALL ",
  );
}

/**
 * Blocked vs detected per UTC hour of the range (per day for ranges over 7 days), every bucket present. With
 * only vhost / outcome / time filtered, the whole hours are the rollup's and the partial ends the raw events'.
 */
export const eventTimeline = retryingRead(async function eventTimeline(filter: EventFilter, now: Date = new Date(), options: RollupOption = {}) {
  const range = eventTimeRange(filter, now);
  const unit: "hour" | "day" = range.to.getTime() - range.from.getTime() > 7 * 86_400_000 ? "day" : "hour";
  const d = dialect();
  const rawCount = (r: { from: Date; to: Date }) =>
    Prisma.sql`SELECT ${d.timeBucket("occurredAt", unit)} AS b, "outcome", COUNT(*) AS n FROM "WafEvent" WHERE ${Prisma.join(eventConditions(filter, r), " AND ")} GROUP BY 1, 2`;
  // A day's rows serve a timeline per day, not one per hour.
  const plan = options.rollup === false ? null : rollupPlan(filter, range, await readRollupMarks(), { days: unit === "day" });
  const sql = plan
    ? Prisma.sql`SELECT b, "outcome", CAST(SUM(n) AS BIGINT) AS n FROM (
        ${rollupRows("total", plan, Prisma.sql`${d.timeBucket("hour", unit)} AS b, "outcome", "n" AS n`)}
        ${unionAll(plan.rawParts.map(rawCount))}
      ) t GROUP BY 1, 2`
    : rawCount(range);
  const rows = await db.$queryRaw<{ b: string; outcome: string; n: number | bigint }[]>(sql);
  const step = unit === "hour" ? 3_600_000 : 86_400_000;
  const keyOf = (t: number) => new Date(t).toISOString().slice(0, unit === "hour" ? 13 : 10);
  const buckets = new Map<string, TimelineBucket>();
  const start = Math.floor(range.from.getTime() / step) * step;
  // At most 30 days of days or 7 days of hours (plus the partial ends); a far custom range is capped.
  for (let t = start; t < range.to.getTime() && buckets.size < 800; t += step) buckets.set(keyOf(t), { bucket: keyOf(t), blocked: 0, detected: 0 });
  for (const r of rows) {
    const b = buckets.get(String(r.b)) ?? { bucket: String(r.b), blocked: 0, detected: 0 };
    if (r.outcome === "blocked") b.blocked += num(r.n);
    else b.detected += num(r.n);
    buckets.set(b.bucket, b);
  }
  return { unit, buckets: [...buckets.values()].sort((a, b) => a.bucket.localeCompare(b.bucket)) };
});

export type TopRow<K> = { key: K; count: number };
export type EventTops = { rules: TopRow<number>[]; clients: TopRow<string>[]; paths: TopRow<string>[] };
export type TopKind = "rule" | "client" | "path";

/** How many keys the last whole hour proposes for the lower bound of the tenth count (see rollupTop). */
const TOP_SEEDS = 2 * TOP_SIZE;
/** Above this many candidates the top is summed over every key (still exact, only slower). */
const TOP_CANDIDATES_MAX = 1000;

/**
 * The raw count of one top over `range`, as (k text, n) rows grouped by key: of the filtered events' client
 * addresses or paths, or of their scoring rules' match rows. `keys` narrows it to those keys; `atLeast` keeps
 * the keys counted at least that often.
 */
function rawTop(kind: TopKind, filter: EventFilter, range: { from: Date; to: Date }, keys?: string[], atLeast?: number): Prisma.Sql {
  const having = atLeast ? Prisma.sql` HAVING COUNT(*) >= ${atLeast}` : Prisma.empty;
  const where = Prisma.join(eventConditions(filter, range), " AND ");
  if (kind === "rule") {
    const only = keys ? Prisma.sql` AND m."ruleId" IN (${Prisma.join(keys.map(Number))})` : Prisma.empty;
    return Prisma.sql`SELECT CAST(m."ruleId" AS TEXT) AS k, COUNT(*) AS n FROM "WafEventMatch" m
      WHERE m."scoring" = TRUE AND m."occurredAt" >= ${range.from} AND m."occurredAt" < ${range.to}${only}
        AND m."eventId" IN (SELECT "id" FROM "WafEvent" WHERE ${where})
      GROUP BY m."ruleId"${having}`;
  }
  const column = Prisma.raw(kind === "client" ? `"clientAddress"` : `"path"`);
  const only = keys ? Prisma.sql` AND ${column} IN (${Prisma.join(keys)})` : Prisma.empty;
  return Prisma.sql`SELECT ${column} AS k, COUNT(*) AS n FROM "WafEvent" WHERE ${where}${only} GROUP BY ${column}${having}`;
}

/** Top keys first, ties by key (rule ids as numbers), as the raw statement orders them. */
const topOrder = (kind: TopKind) => Prisma.raw(kind === "rule" ? "2 DESC, CAST(k AS INTEGER) ASC" : "2 DESC, 1 ASC");

/**
 * One top from the rollup, exact: the counts of the whole hours and days (rollup rows) plus those of the
 * partial hours at the ends (raw rows), summed per key. Summing every key of a day of client addresses reads one
 * rollup row per address and hour (about 230,000 at 10 M events), so the sum is restricted to the keys that can
 * reach the top, which a threshold finds without reading them all:
 *   1. T = the tenth largest sum over the range among the keys busiest in the last whole day of the range (the
 *      last whole hour when it has no day counted) — a sum over the rollup alone: at most a key's true count,
 *      so the true tenth count is at least T;
 *   2. a key counted T or more over the range is counted at least ⌈T / S⌉ in one of its S pieces (one rollup
 *      row per hour or day and outcome, one raw count per partial end), so the candidates are the rollup rows of
 *      at least ⌈T / S⌉ (index (kind, vhostId, hour, n), one range per hour or day) and the raw keys counted
 *      that often;
 *   3. the sum over the range of the candidates, ordered and cut as the raw statement does.
 * Every key of the true top (ties included) is a candidate, and no other key reaches T: the same answer as
 * summing every key (which it falls back to when T gives no pruning, e.g. fewer than ten keys). A day's rows
 * make S for 30 days 30 × 2 + a few hours instead of 720 × 2, and T / S useful again.
 */
export async function rollupTop(kind: TopKind, filter: EventFilter, plan: RollupPlan): Promise<{ rows: { k: string; n: number | bigint }[]; candidates: number | null }> {
  const summed = (keys?: string[]) => {
    const only = keys ? Prisma.sql` AND "key" IN (${Prisma.join(keys)})` : Prisma.empty;
    return db.$queryRaw<{ k: string; n: number | bigint }[]>(
      Prisma.sql`SELECT k, CAST(SUM(n) AS BIGINT) AS n FROM (
          ${rollupRows(kind, plan, Prisma.sql`"key" AS k, "n" AS n`, () => only)}
          ${unionAll(plan.rawParts.map((r) => rawTop(kind, filter, r, keys)))}
        ) t GROUP BY k ORDER BY ${topOrder(kind)} LIMIT ${TOP_SIZE}`,
    );
  };
  const outcome = plan.outcome ? Prisma.sql` AND "outcome" = ${plan.outcome}` : Prisma.empty;
  const [seedKind, seedAt] = plan.days.length ? [dayKind(kind), plan.days.at(-1)!] : [kind, plan.hours.at(-1)!];
  const seedKeys = Prisma.sql` AND "key" IN (SELECT "key" FROM "WafEventHourly" WHERE "kind" = ${seedKind} AND "vhostId" = ${plan.vhostId} AND "hour" = ${seedAt}${outcome} ORDER BY "n" DESC LIMIT ${TOP_SEEDS})`;
  const seeds = await db.$queryRaw<{ n: number | bigint }[]>(
    Prisma.sql`SELECT CAST(SUM(n) AS BIGINT) AS n FROM (${rollupRows(kind, plan, Prisma.sql`"key" AS k, "n" AS n`, () => seedKeys)}) t
      GROUP BY k ORDER BY 1 DESC LIMIT ${TOP_SIZE}`,
  );
  const floor = seeds.length === TOP_SIZE ? num(seeds.at(-1)!.n) : 0;
  const pieces = (plan.hours.length + plan.days.length) * (plan.outcome ? 1 : 2) + plan.rawParts.length;
  const least = Math.ceil(floor / pieces);
  if (least <= 1) return { rows: await summed(), candidates: null };
  const candidates = await db.$queryRaw<{ k: string }[]>(
    Prisma.sql`SELECT DISTINCT k FROM (
        ${Prisma.join(
          plan.pieces.map(
            (p) =>
              Prisma.sql`SELECT "key" AS k FROM "WafEventHourly" WHERE "kind" = ${p.unit === "day" ? dayKind(kind) : kind} AND "vhostId" = ${plan.vhostId} AND "hour" IN (${Prisma.join(p.starts)}) AND "n" >= ${least}${outcome}`,
          ),
          " UNION ALL ",
        )}
        ${unionAll(plan.rawParts.map((r) => Prisma.sql`SELECT k FROM (${rawTop(kind, filter, r, undefined, least)}) r`))}
      ) c LIMIT ${TOP_CANDIDATES_MAX + 1}`,
  );
  if (candidates.length > TOP_CANDIDATES_MAX) return { rows: await summed(), candidates: null };
  // `candidates`: how many keys were summed (for tests and the bench: null when every key was).
  return { rows: await summed(candidates.map((c) => String(c.k))), candidates: candidates.length };
}

/**
 * The most frequent scoring rules, client addresses and paths of the filtered range. With only vhost /
 * outcome / time filtered, from the hourly rollup and the partial hours' raw rows (rollupTop); otherwise
 * from the raw rows of the range.
 */
export const eventTops = retryingRead(async function eventTops(filter: EventFilter, now: Date = new Date(), options: RollupOption = {}): Promise<EventTops> {
  const range = eventTimeRange(filter, now);
  const plan = options.rollup === false ? null : rollupPlan(filter, range, await readRollupMarks());
  const top = (kind: TopKind) =>
    plan ? rollupTop(kind, filter, plan).then((r) => r.rows) : db.$queryRaw<{ k: string; n: number | bigint }[]>(Prisma.sql`SELECT k, n FROM (${rawTop(kind, filter, range)}) t ORDER BY ${topOrder(kind)} LIMIT ${TOP_SIZE}`);
  const [rules, clients, paths] = await Promise.all([top("rule"), top("client"), top("path")]);
  const rows = <K,>(list: { k: string; n: number | bigint }[], key: (k: string) => K) => list.map((r) => ({ key: key(String(r.k)), count: num(r.n) }));
  return { rules: rows(rules, Number), clients: rows(clients, String), paths: rows(paths, String) };
});

export type ExplainedEvent = NonNullable<Awaited<ReturnType<typeof getEvent>>>;

/** One event with its matches split into the rules that scored and the bookkeeping ones, and its vhost if it still exists. */
export const getEvent = retryingRead(async function getEvent(id: string) {
  if (!z.uuid().safeParse(id).success) return null;
  const event = await db.wafEvent.findUnique({ where: { id } });
  if (!event) return null;
  const parsed = z.array(EventMatchSchema).safeParse(event.matches);
  const matches: EventMatch[] = parsed.success ? parsed.data : [];
  const vhost = event.vhostId ? await db.virtualHost.findUnique({ where: { id: event.vhostId }, select: { id: true, domain: true } }) : null;
  return {
    event,
    vhost,
    scoring: matches.filter((m) => !isBookkeepingRule(m.ruleId)),
    bookkeeping: matches.filter((m) => isBookkeepingRule(m.ruleId)),
  };
});

/** How far back "Exclude this" looks for other events a draft would let through, and how many it reads at most. */
export const IMPACT_WINDOW_MS = 7 * 86_400_000;
export const IMPACT_SCAN_MAX = 5000;

/**
 * What a draft exclusion would have let through among the vhost's stored events of the last 7 days: only
 * events that scored on a rule the draft names are read (through WafEventMatch), newest first, at most
 * IMPACT_SCAN_MAX (`capped` then says the counts are a lower bound).
 */
export const draftExclusionImpact = retryingRead(async function draftExclusionImpact(vhostId: string, draft: RuleExclusion, now: Date = new Date()) {
  const d = dialect();
  const from = new Date(now.getTime() - IMPACT_WINDOW_MS);
  const m: Prisma.Sql[] = [Prisma.sql`m."vhostId" = ${d.uuid(vhostId)}`, Prisma.sql`m."occurredAt" >= ${from}`, Prisma.sql`m."scoring" = TRUE`];
  if (draft.kind === "REMOVE_BY_ID") m.push(Prisma.sql`m."ruleId" >= ${draft.ruleId} AND m."ruleId" <= ${draft.ruleIdEnd ?? draft.ruleId}`);
  else if (draft.kind === "REMOVE_TARGET_BY_ID") m.push(Prisma.sql`m."ruleId" = ${draft.ruleId}`);
  else m.push(Prisma.sql`m."tags" LIKE ${`%|${likeEscape(draft.tag)}|%`} ESCAPE '\\'`);
  const rows = await db.$queryRaw<{ path: string; matches: unknown }[]>(
    Prisma.sql`SELECT "path", "matches" FROM "WafEvent"
      WHERE "vhostId" = ${d.uuid(vhostId)} AND "occurredAt" >= ${from}
        AND "id" IN (SELECT m."eventId" FROM "WafEventMatch" m WHERE ${Prisma.join(m, " AND ")})
      ORDER BY "occurredAt" DESC LIMIT ${IMPACT_SCAN_MAX + 1}`,
  );
  const events = rows.slice(0, IMPACT_SCAN_MAX).map((r) => {
    const parsed = z.array(EventMatchSchema).safeParse(typeof r.matches === "string" ? JSON.parse(r.matches) : r.matches);
    return { path: String(r.path), matches: parsed.success ? parsed.data : [] };
  });
  return { ...exclusionImpact(draft, events), capped: rows.length > IMPACT_SCAN_MAX };
});

/** The virtual hosts the filter form offers. */
export const eventVhostChoices = retryingRead(async function eventVhostChoices() {
  return db.virtualHost.findMany({ select: { id: true, domain: true }, orderBy: { domain: "asc" } });
});

/** Everything the events list page shows for one filter and page, read at one `now`. */
export async function eventsPageData(filter: EventFilter, page: { before?: EventCursor; after?: EventCursor }, now: Date = new Date()) {
  const [list, timeline, tops] = await Promise.all([listEvents({ filter, ...page, now }), eventTimeline(filter, now), eventTops(filter, now)]);
  return { list, timeline, tops, paged: page.before !== undefined || page.after !== undefined };
}
