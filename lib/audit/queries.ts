// Reading the audit log: the filtered, keyset-paged list, one event, the filter's choices and the
// activity overview. Filtering is one SQL WHERE built here for both databases (full-text search has no
// Prisma query API); the list's raw rows are mapped to Prisma's types, so both databases return the same.
// Paging is by seq (unique, in commit order), newest first, so every page is an index range scan however
// deep it is: (action, seq), (vhostId, seq), (actorId, seq), (entityType, entityId, seq) or seq itself.
import "server-only";
import { z } from "zod";
import { db, dialect, Prisma, type Dialect, retryingRead } from "@/lib/db";
import { filterTimeRange, type AuditFilter } from "./filters";
import { parseSearchQuery } from "./search";

export const AUDIT_PAGE_SIZE = 50;

const LIST_FIELDS = {
  id: true,
  seq: true,
  createdAt: true,
  actorEmail: true,
  action: true,
  entityType: true,
  entityId: true,
  vhostId: true,
  summary: true,
} as const;

export type AuditListRow = Prisma.AuditEventGetPayload<{ select: typeof LIST_FIELDS }>;

/** The filter's conditions as SQL in `sql`'s dialect; `actorId` is the filtered actor's user id when there is one. */
export function auditConditions(filter: AuditFilter, sql: Dialect = dialect(), actorId: string | null = null): Prisma.Sql[] {
  const uuid = sql.uuid;
  const conds: Prisma.Sql[] = [];
  if (filter.actor) {
    // A user's events by user id (indexed, and it follows the person across an email change);
    // actors that are no user (system:seed, a deleted account) by the email recorded with the event.
    conds.push(actorId ? Prisma.sql`"actorId" = ${uuid(actorId)}` : Prisma.sql`"actorEmail" = ${filter.actor}`);
  }
  if (filter.action) conds.push(Prisma.sql`"action" = ${filter.action}`);
  if (filter.entity) conds.push(Prisma.sql`"entityType" = ${filter.entity}`);
  if (filter.entity && filter.entityId) conds.push(Prisma.sql`"entityId" = ${filter.entityId}`);
  if (filter.vhost) conds.push(Prisma.sql`"vhostId" = ${uuid(filter.vhost)}`);
  const { from, until } = filterTimeRange(filter);
  if (from) conds.push(Prisma.sql`"createdAt" >= ${from}`);
  if (until) conds.push(Prisma.sql`"createdAt" < ${until}`);
  const phrases = filter.q ? parseSearchQuery(filter.q) : [];
  if (phrases.length > 0) conds.push(sql.auditEventSearch(phrases));
  return conds;
}

async function resolveActorId(filter: AuditFilter): Promise<string | null> {
  if (!filter.actor) return null;
  const user = await db.user.findUnique({ where: { email: filter.actor }, select: { id: true } });
  return user?.id ?? null;
}

/** A compiled filter: its SQL conditions, ready for any number of paged queries. */
export type AuditScope = { conditions: Prisma.Sql[]; dialect: Dialect };

export async function auditScope(filter: AuditFilter): Promise<AuditScope> {
  const sql = dialect();
  return { conditions: auditConditions(filter, sql, await resolveActorId(filter)), dialect: sql };
}

function whereSql(conds: Prisma.Sql[]): Prisma.Sql {
  return conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
}

export type SeqRange = { below?: number; above?: number; atMost?: number };

/** The seqs of one page of matching events: descending below `below`, or ascending above `above`. */
export function auditSeqQuery(scope: AuditScope, range: SeqRange, limit: number, order: "desc" | "asc" = "desc"): Prisma.Sql {
  const conds = [...scope.conditions];
  if (range.below !== undefined) conds.push(Prisma.sql`"seq" < ${range.below}`);
  if (range.above !== undefined) conds.push(Prisma.sql`"seq" > ${range.above}`);
  if (range.atMost !== undefined) conds.push(Prisma.sql`"seq" <= ${range.atMost}`);
  return Prisma.sql`SELECT "seq" FROM "AuditEvent" ${whereSql(conds)} ORDER BY "seq" ${Prisma.raw(order === "desc" ? "DESC" : "ASC")} LIMIT ${limit}`;
}

export async function auditSeqs(scope: AuditScope, range: SeqRange, limit: number, order: "desc" | "asc" = "desc"): Promise<number[]> {
  const rows = await db.$queryRaw<{ seq: number | bigint }[]>(auditSeqQuery(scope, range, limit, order));
  return rows.map((r) => Number(r.seq));
}

export type AuditListParams = { filter?: AuditFilter; vhost?: string; before?: number; after?: number; limit?: number };

const LIST_COLUMNS = Prisma.raw(Object.keys(LIST_FIELDS).map((c) => `"${c}"`).join(","));

/** A raw row of LIST_COLUMNS as Prisma's typed row (the drivers return seq as bigint and dates as text on SQLite). */
function listRow(r: Record<string, unknown>): AuditListRow {
  const text = (v: unknown) => String(v);
  return {
    id: text(r.id),
    seq: Number(r.seq),
    createdAt: r.createdAt instanceof Date ? r.createdAt : new Date(typeof r.createdAt === "number" ? r.createdAt : text(r.createdAt)),
    actorEmail: text(r.actorEmail),
    action: text(r.action),
    entityType: text(r.entityType),
    entityId: text(r.entityId),
    vhostId: r.vhostId === null || r.vhostId === undefined ? null : text(r.vhostId),
    summary: text(r.summary),
  };
}

/**
 * One page of the filtered log, newest first, without the before/after JSON (pages stay small).
 * `nextBefore` continues to older events, `newerAfter` back to newer ones (null at either end).
 *
 * One statement per page (measured in BENCHMARKS.md: a separate actor lookup and seq query cost 2–3×
 * the bare page): the list columns come straight from the index range scan, and a filtered actor's user
 * id is looked up inside the statement, so the (actorId, seq) index serves the page. Only when that
 * finds nothing does a second statement look for an actor that is no user (system:seed, a deleted
 * account) by the email recorded with the event — the rule of auditConditions. A single OR of both arms
 * defeats the index on PostgreSQL (it then sorts all of the actor's events).
 */
export const listAuditEvents = retryingRead(async function listAuditEvents(params: AuditListParams) {
  const limit = params.limit ?? AUDIT_PAGE_SIZE;
  const filter = { ...params.filter, ...(params.vhost ? { vhost: params.vhost } : {}) };
  const ascending = params.before === undefined && params.after !== undefined;
  const rest = auditConditions({ ...filter, actor: undefined });
  if (ascending) rest.push(Prisma.sql`"seq" > ${params.after}`);
  else if (params.before !== undefined) rest.push(Prisma.sql`"seq" < ${params.before}`);
  const page = (conds: Prisma.Sql[]) =>
    db.$queryRaw<Record<string, unknown>[]>(
      Prisma.sql`SELECT ${LIST_COLUMNS} FROM "AuditEvent" ${whereSql(conds)} ORDER BY "seq" ${Prisma.raw(ascending ? "ASC" : "DESC")} LIMIT ${limit + 1}`,
    );
  let raw = await page(filter.actor ? [Prisma.sql`"actorId" = (SELECT "id" FROM "User" WHERE "email" = ${filter.actor})`, ...rest] : rest);
  if (filter.actor && raw.length === 0) {
    raw = await page([Prisma.sql`"actorEmail" = ${filter.actor}`, Prisma.sql`NOT EXISTS (SELECT 1 FROM "User" WHERE "email" = ${filter.actor})`, ...rest]);
  }
  const hasMore = raw.length > limit;
  const rows = raw.slice(0, limit).map(listRow);
  if (ascending) rows.reverse();
  const oldest = rows.at(-1)?.seq ?? null;
  const newest = rows[0]?.seq ?? null;
  return {
    rows,
    nextBefore: ascending ? oldest : hasMore ? oldest : null,
    newerAfter: ascending ? (hasMore ? newest : null) : params.before !== undefined ? newest : null,
  };
});

export function getAuditEvent(id: string) {
  if (!z.uuid().safeParse(id).success) return Promise.resolve(null);
  return db.auditEvent.findUnique({ where: { id } });
}

/** The domains of the given vhost ids that still exist. */
export async function vhostDomains(ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  if (wanted.length === 0) return new Map();
  const rows = await db.virtualHost.findMany({ where: { id: { in: wanted } }, select: { id: true, domain: true } });
  return new Map(rows.map((r) => [r.id, r.domain]));
}

type VhostRef = { entityType: string; entityId: string; vhostId: string | null; before: unknown; after: unknown };

/** The vhost an event is about: its vhostId, or the vhost itself for a VirtualHost event. */
export function eventVhostId(e: Pick<VhostRef, "entityType" | "entityId" | "vhostId">): string | null {
  return e.vhostId ?? (e.entityType === "VirtualHost" ? e.entityId : null);
}

const objectOr = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The domain a VirtualHost event's before or after recorded: `domain` (update) or `vhost.domain` (create, delete). */
function recordedDomain(...values: unknown[]): string | null {
  for (const v of values) {
    const o = objectOr(v);
    const d = o.domain ?? objectOr(o.vhost).domain;
    if (typeof d === "string" && d !== "") return d;
  }
  return null;
}

/**
 * The domain of each event's vhost, for exports: the vhost's domain today; for a deleted one, the domain
 * the event itself recorded (a VirtualHost event's before/after), else the one its newest VirtualHost event
 * recorded (its delete keeps it in `before`). Null for events about no vhost, or one no event ever named.
 */
export async function eventVhostDomains(events: VhostRef[]): Promise<(string | null)[]> {
  const ids = events.map(eventVhostId);
  const current = await vhostDomains(ids);
  const own = events.map((e) => (e.entityType === "VirtualHost" ? recordedDomain(e.after, e.before) : null));
  const unknown = [...new Set(ids.filter((id, i): id is string => !!id && !current.has(id) && !own[i]))];
  const recorded = new Map<string, string>();
  if (unknown.length > 0) {
    // (entityType, entityId, seq) is indexed: newest first, the first event naming a domain wins.
    const rows = await db.auditEvent.findMany({
      where: { entityType: "VirtualHost", entityId: { in: unknown } },
      orderBy: { seq: "desc" },
      select: { entityId: true, before: true, after: true },
    });
    for (const r of rows) {
      const d = recordedDomain(r.after, r.before);
      if (d && !recorded.has(r.entityId)) recorded.set(r.entityId, d);
    }
  }
  return ids.map((id, i) => (id ? (current.get(id) ?? own[i] ?? recorded.get(id) ?? null) : null));
}

/**
 * The distinct values of an indexed column, one index probe per value (a loose index scan written as a
 * recursive query, which both databases run on the index): fast at any table size.
 */
async function distinctIndexed(column: "action" | "entityType"): Promise<string[]> {
  const c = Prisma.raw(`"${column}"`);
  const rows = await db.$queryRaw<{ v: string | null }[]>(Prisma.sql`
    WITH RECURSIVE t(v) AS (
      SELECT MIN(${c}) FROM "AuditEvent"
      UNION ALL
      SELECT (SELECT MIN(${c}) FROM "AuditEvent" WHERE ${c} > t.v) FROM t WHERE t.v IS NOT NULL
    )
    SELECT v FROM t WHERE v IS NOT NULL`);
  return rows.map((r) => r.v!);
}

/** The choices offered by the filter form. */
export const auditFilterOptions = retryingRead(async function auditFilterOptions() {
  const [actions, entityTypes, users, vhosts] = await Promise.all([
    distinctIndexed("action"),
    distinctIndexed("entityType"),
    db.user.findMany({ select: { email: true }, orderBy: { email: "asc" }, take: 1000 }),
    db.virtualHost.findMany({ select: { id: true, domain: true }, orderBy: { domain: "asc" }, take: 1000 }),
  ]);
  return { actions, entityTypes, actors: users.map((u) => u.email), vhosts };
});

export const OVERVIEW_DEFAULT_DAYS = 30;
export const OVERVIEW_MAX_DAYS = 366;
const TOP = 5;

export type AuditOverview = {
  from: string;
  to: string;
  defaultRange: boolean;
  clamped: boolean;
  total: number;
  days: { day: string; count: number }[];
  topActors: { actorEmail: string; count: number }[];
  topVhosts: { vhostId: string; domain: string | null; count: number }[];
};

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Events per day (UTC, every day of the range, zeros included) and the most active actors and vhosts. */
export const auditOverview = retryingRead(async function auditOverview(filter: AuditFilter, now: Date = new Date()): Promise<AuditOverview> {
  const defaultRange = !filter.from && !filter.to;
  const to = filter.to ?? (filter.from && filter.from > isoDay(now) ? filter.from : isoDay(now));
  const daysBefore = (n: number) => isoDay(new Date(new Date(`${to}T00:00:00Z`).getTime() - n * 86_400_000));
  // A chart of more than a year of days is unreadable: a longer range shows its last year.
  const clamped = !!filter.from && filter.from < daysBefore(OVERVIEW_MAX_DAYS - 1);
  const from = filter.from && !clamped ? filter.from : daysBefore((clamped ? OVERVIEW_MAX_DAYS : OVERVIEW_DEFAULT_DAYS) - 1);
  const scope = await auditScope({ ...filter, from, to });
  const where = whereSql(scope.conditions);
  const day = scope.dialect.timeBucket("createdAt", "day");
  const vhostWhere = whereSql([...scope.conditions, Prisma.sql`"vhostId" IS NOT NULL`]);
  const [perDay, actors, vhosts] = await Promise.all([
    db.$queryRaw<{ day: string; n: number | bigint }[]>(Prisma.sql`SELECT ${day} AS day, COUNT(*) AS n FROM "AuditEvent" ${where} GROUP BY 1 ORDER BY 1`),
    db.$queryRaw<{ actorEmail: string; n: number | bigint }[]>(
      Prisma.sql`SELECT "actorEmail", COUNT(*) AS n FROM "AuditEvent" ${where} GROUP BY "actorEmail" ORDER BY n DESC, "actorEmail" LIMIT ${TOP}`,
    ),
    db.$queryRaw<{ vhostId: string; n: number | bigint }[]>(
      Prisma.sql`SELECT "vhostId", COUNT(*) AS n FROM "AuditEvent" ${vhostWhere} GROUP BY "vhostId" ORDER BY n DESC, "vhostId" LIMIT ${TOP}`,
    ),
  ]);
  const counts = new Map(perDay.map((r) => [r.day, Number(r.n)]));
  const days: AuditOverview["days"] = [];
  if (from <= to) {
    for (let t = new Date(`${from}T00:00:00Z`).getTime(); t <= new Date(`${to}T00:00:00Z`).getTime(); t += 86_400_000) {
      const d = isoDay(new Date(t));
      days.push({ day: d, count: counts.get(d) ?? 0 });
    }
  }
  const domains = await vhostDomains(vhosts.map((v) => String(v.vhostId)));
  return {
    from,
    to,
    defaultRange,
    clamped,
    total: days.reduce((s, d) => s + d.count, 0),
    days,
    topActors: actors.map((a) => ({ actorEmail: a.actorEmail, count: Number(a.n) })),
    topVhosts: vhosts.map((v) => ({ vhostId: String(v.vhostId), domain: domains.get(String(v.vhostId)) ?? null, count: Number(v.n) })),
  };
});

/** The first published config revision at or after `at`: the one that first carried a change made then. */
export function firstRevisionAfter(at: Date) {
  return db.configRevision.findFirst({
    where: { createdAt: { gte: at } },
    orderBy: { number: "asc" },
    select: { number: true, createdAt: true, createdByEmail: true },
  });
}
