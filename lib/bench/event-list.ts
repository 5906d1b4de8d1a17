// l. The /events page at scale (issue 18), on the WAF events of `npm run seed:scale -- --waf-events N`:
//   - the list through the panel's own function (lib/events/queries.ts listEvents: the page, then its rows'
//     scoring rules) against the same page as one bare SQL statement through the driver (lib/db/raw.ts) —
//     the newest page, a page 1,000 pages deep (keyset: the cursor of the row 50,000 down), and filtered by a
//     rule id and by a client CIDR range; target panel ≤ 2× the floor;
//   - the top rules / client addresses / paths and the per-hour timeline of the last 24 h (eventTops,
//     eventTimeline, through the hourly rollup; target ≤ 250 ms p50 on PostgreSQL), each against its bare
//     statement (the rollup's, and the raw rows' as before it), and the whole page's data (eventsPageData);
//   - with a server (`next start` of the production build, as part e), the server-rendered /events pages.
import { eventsPageData, eventTimeline, eventTops, EVENT_PAGE_SIZE, listEvents, TOP_SIZE, clientCondition } from "@/lib/events/queries";
import { eventTimeRange, formatCursor, type EventCursor, type EventFilter } from "@/lib/events/filters";
import { ALL_VHOSTS, rollupPlan } from "@/lib/events/rollup";
import { readRollupMark } from "@/lib/events/rollup-job";
import { parseCidr } from "@/lib/policies/cidr";
import { db, Prisma, type Dialect } from "@/lib/db";
import type { BenchContext } from "./context";
import { closedLoop, get, sessionCookie, type Server } from "./http";
import { table } from "./report";
import { loadText, ms, ratio, timeInterleaved, type Timing } from "./stats";

const DEEP_PAGES = 1000;
/** The busiest scanning network of the seed (lib/bench/waf-events.ts clientAddressOf) and one of its commonest rules. */
const CIDR = "45.148.10.0/24";
const RULE = 942100;
const LIST_TARGET = 2;
const AGGREGATE_TARGET_MS = 250;

const COLUMNS = ["id", "occurredAt", "vhostId", "vhost", "clientAddress", "method", "uri", "path", "status", "outcome", "inboundScore"];
const cols = (alias: string) => Prisma.raw(COLUMNS.map((c) => `${alias}."${c}"`).join(", "));

/** The scoring rules of the row's event, "942100,949110"-style, in the same statement (string_agg: PostgreSQL, SQLite ≥ 3.44). */
const RULES = Prisma.sql`(SELECT string_agg(CAST(m."ruleId" AS TEXT), ',' ORDER BY m."ruleId") FROM "WafEventMatch" m WHERE m."eventId" = e."id" AND m."scoring" = TRUE) AS "rules"`;

/**
 * The page as one statement, the way the database answers it at best: a keyset condition on (occurredAt,
 * id) as a row value plus the bound on occurredAt the index takes, the scoring rules in a correlated subquery; for a rule filter, driven from the match
 * index (ruleId, occurredAt) and joined to the events (one match row per event and rule: no duplicates).
 */
export function bareEventPageSql(dialect: Dialect, filter: EventFilter, range: { from: Date; to: Date }, before?: EventCursor): Prisma.Sql {
  const limit = Prisma.raw(String(EVENT_PAGE_SIZE + 1));
  // The range ends at the cursor's time, so either database starts its one index range there (a row value
  // is indexable on a one-column index on PostgreSQL only, as a lossy bound; SQLite used one upper bound of two).
  if (before && before.at.getTime() + 1 < range.to.getTime()) range = { from: range.from, to: new Date(before.at.getTime() + 1) };
  const cursor = before ? Prisma.sql` AND (e."occurredAt", e."id") < (${before.at}, ${dialect.uuid(before.id)})` : Prisma.empty;
  const client = filter.client ? Prisma.sql` AND ${clientCondition(filter.client)}` : Prisma.empty;
  if (filter.rule !== undefined) {
    return Prisma.sql`SELECT ${cols("e")}, ${RULES} FROM "WafEventMatch" f JOIN "WafEvent" e ON e."id" = f."eventId"
      WHERE f."ruleId" = ${filter.rule} AND f."occurredAt" >= ${range.from} AND f."occurredAt" < ${range.to}${client}${cursor}
      ORDER BY f."occurredAt" DESC, f."eventId" DESC LIMIT ${limit}`;
  }
  return Prisma.sql`SELECT ${cols("e")}, ${RULES} FROM "WafEvent" e
    WHERE e."occurredAt" >= ${range.from} AND e."occurredAt" < ${range.to}${client}${cursor}
    ORDER BY e."occurredAt" DESC, e."id" DESC LIMIT ${limit}`;
}

/**
 * The bare statements of the 24 h aggregates, for the floor: each one statement that sums the hourly rollup's
 * whole hours (lib/events/rollup.ts, all vhosts) and the raw rows of the partial hours at both ends — the sum
 * over every key, which the panel's eventTops narrows to the keys that can reach the top. `raw`: the
 * statements over the raw rows only (what the tops read before the rollup, and still read with other filters).
 */
function bareAggregateSql(dialect: Dialect, range: { from: Date; to: Date }, through: Date) {
  const limit = Prisma.raw(String(TOP_SIZE));
  const rawWhere = (r: { from: Date; to: Date }) => Prisma.sql`"occurredAt" >= ${r.from} AND "occurredAt" < ${r.to}`;
  const rawTop = (c: string, r: { from: Date; to: Date }) => Prisma.sql`SELECT ${Prisma.raw(`"${c}"`)} AS k, COUNT(*) AS n FROM "WafEvent" WHERE ${rawWhere(r)} GROUP BY 1`;
  const rawRules = (r: { from: Date; to: Date }) => Prisma.sql`SELECT CAST("ruleId" AS TEXT) AS k, COUNT(*) AS n FROM "WafEventMatch" WHERE "scoring" = TRUE AND ${rawWhere(r)} GROUP BY "ruleId"`;
  const raw = {
    rules: Prisma.sql`SELECT "ruleId" AS k, COUNT(*) AS n FROM "WafEventMatch" WHERE "scoring" = TRUE AND ${rawWhere(range)} GROUP BY 1 ORDER BY 2 DESC, 1 ASC LIMIT ${limit}`,
    clients: Prisma.sql`${rawTop("clientAddress", range)} ORDER BY 2 DESC, 1 ASC LIMIT ${limit}`,
    paths: Prisma.sql`${rawTop("path", range)} ORDER BY 2 DESC, 1 ASC LIMIT ${limit}`,
    timeline: Prisma.sql`SELECT ${dialect.timeBucket("occurredAt", "hour")} AS b, "outcome", COUNT(*) AS n FROM "WafEvent" WHERE ${rawWhere(range)} GROUP BY 1, 2`,
  };
  const plan = rollupPlan({}, range, through);
  if (!plan) return { ...raw, raw };
  const hours = (kind: string) => Prisma.sql`"kind" = ${kind} AND "vhostId" = ${ALL_VHOSTS} AND "hour" >= ${plan.wholeFrom} AND "hour" < ${plan.wholeTo}`;
  const ends = (part: (r: { from: Date; to: Date }) => Prisma.Sql) => (plan.rawParts.length ? Prisma.sql` UNION ALL ${Prisma.join(plan.rawParts.map(part), " UNION ALL ")}` : Prisma.empty);
  const top = (kind: string, part: (r: { from: Date; to: Date }) => Prisma.Sql, order: string) =>
    Prisma.sql`SELECT k, SUM(n) AS n FROM (SELECT "key" AS k, "n" AS n FROM "WafEventHourly" WHERE ${hours(kind)}${ends(part)}) t GROUP BY k ORDER BY ${Prisma.raw(order)} LIMIT ${limit}`;
  return {
    rules: top("rule", rawRules, "2 DESC, CAST(k AS INTEGER) ASC"),
    clients: top("client", (r) => rawTop("clientAddress", r), "2 DESC, 1 ASC"),
    paths: top("path", (r) => rawTop("path", r), "2 DESC, 1 ASC"),
    timeline: Prisma.sql`SELECT b, "outcome", SUM(n) AS n FROM (SELECT ${dialect.timeBucket("hour", "hour")} AS b, "outcome", "n" AS n FROM "WafEventHourly" WHERE ${hours("total")}${ends(
      (r) => Prisma.sql`SELECT ${dialect.timeBucket("occurredAt", "hour")} AS b, "outcome", COUNT(*) AS n FROM "WafEvent" WHERE ${rawWhere(r)} GROUP BY 1, 2`,
    )}) t GROUP BY 1, 2`,
    raw,
  };
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

type ListCase = { name: string; filter: EventFilter; before?: EventCursor };

export async function eventListPart(ctx: BenchContext, server: Server | null) {
  const { raw, kind, dialect } = ctx;
  const runs = ctx.options.runs;
  const monthRuns = Math.max(1, Math.min(runs, 20, Number(process.env.PALISADE_BENCH_MONTH_RUNS) || 20));
  const warmup = ctx.options.warmup;
  const [ev] = await raw.query<{ n: number; oldest: unknown; newest: unknown }>(`SELECT COUNT(*) AS n, MIN("occurredAt") AS oldest, MAX("occurredAt") AS newest FROM "WafEvent"`);
  const [mt] = await raw.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "WafEventMatch"`);
  const events = Number(ev!.n);
  const matches = Number(mt!.n);
  const deepOffset = DEEP_PAGES * EVENT_PAGE_SIZE;
  if (events <= deepOffset) throw new Error(`Only ${events.toLocaleString("en")} WAF events: part l needs more than ${deepOffset.toLocaleString("en")} (npm run seed:scale -- --vhosts 0 --events 0 --waf-events 1000000).`);
  // One clock for the whole part: every run reads the same window.
  const now = new Date();
  const month: EventFilter = { range: "30d" };
  const monthRange = eventTimeRange(month, now);
  const deepSql = raw.text(Prisma.sql`SELECT "occurredAt", "id" FROM "WafEvent" WHERE "occurredAt" >= ${monthRange.from} AND "occurredAt" < ${monthRange.to} ORDER BY "occurredAt" DESC, "id" DESC LIMIT 1 OFFSET ${Prisma.raw(String(deepOffset - 1))}`);
  const [deepRow] = await raw.query<{ occurredAt: unknown; id: string }>(deepSql.sql, deepSql.params);
  if (!deepRow) throw new Error(`Fewer than ${deepOffset.toLocaleString("en")} WAF events in the last 30 days: seed them with npm run seed:scale -- --waf-events N.`);
  const deep: EventCursor = { at: toDate(deepRow.occurredAt), id: String(deepRow.id) };
  const cidr = parseCidr(CIDR);
  if (!cidr.ok) throw new Error(cidr.error);

  const cases: ListCase[] = [
    { name: "newest page (default range: 24 h)", filter: {} },
    { name: "newest page, 30 days", filter: month },
    { name: `${DEEP_PAGES.toLocaleString("en")} pages deep, 30 days (before the ${deepOffset.toLocaleString("en")}th newest)`, filter: month, before: deep },
    { name: `rule ${RULE}, 24 h`, filter: { rule: RULE } },
    { name: `rule ${RULE}, 30 days`, filter: { ...month, rule: RULE } },
    { name: `client ${CIDR}, 24 h`, filter: { client: cidr.value } },
    { name: `client ${CIDR}, 30 days`, filter: { ...month, client: cidr.value } },
  ];
  const listRows: (string | number)[][] = [];
  for (const c of cases) {
    console.error(`part l: ${c.name} …`);
    const range = eventTimeRange(c.filter, now);
    const bare = raw.text(bareEventPageSql(dialect, c.filter, range, c.before));
    const panel = () => listEvents({ filter: c.filter, before: c.before, now });
    // The floor must return the page the panel shows, with the same rules, or the comparison means nothing.
    const shown = (await panel()).rows.map((r) => `${r.id}:${r.scoringRules.join(",")}`);
    const floorRows = (await raw.query<{ id: string; rules: string | null }>(bare.sql, bare.params)).slice(0, EVENT_PAGE_SIZE).map((r) => `${r.id}:${r.rules ?? ""}`);
    if (JSON.stringify(shown) !== JSON.stringify(floorRows)) throw new Error(`${c.name}: the bare statement returns another page than listEvents`);
    const { timings, load } = await timeInterleaved([panel, () => raw.query(bare.sql, bare.params)], runs, warmup);
    const [p, f] = timings as [Timing, Timing];
    listRows.push([c.name, shown.length, `**${ms(p.median)}** / ${ms(p.p95)}`, `${ms(f.median)} / ${ms(f.p95)}`, `**${ratio(p.median, f.median)}** ${p.median / f.median <= LIST_TARGET ? "✓" : "✗"}`, loadText(load)]);
    console.error(`  ${listRows.at(-1)!.join(" | ")}`);
  }

  const aggregateRows: (string | number)[][] = [];
  const dayRange = eventTimeRange({}, now);
  const floors = bareAggregateSql(dialect, dayRange, await readRollupMark());
  const bareOf = (sql: Prisma.Sql) => {
    const t = raw.text(sql);
    return () => raw.query<{ k: unknown; n: unknown }>(t.sql, t.params);
  };
  // The floor answers what the panel shows (checked before timing).
  const tops = await eventTops({}, now);
  const same = async (name: string, shown: { key: unknown; count: number }[], floor: () => Promise<{ k: unknown; n: unknown }[]>) => {
    const got = (await floor()).map((r) => `${String(r.k)}=${Number(r.n)}`);
    if (JSON.stringify(got) !== JSON.stringify(shown.map((s) => `${String(s.key)}=${s.count}`))) throw new Error(`${name}: the bare statement answers otherwise than eventTops`);
  };
  for (const [name, floor] of [["", floors], [" (raw rows)", floors.raw]] as const) {
    await same(`top rules${name}`, tops.rules, bareOf(floor.rules));
    await same(`top clients${name}`, tops.clients, bareOf(floor.clients));
    await same(`top paths${name}`, tops.paths, bareOf(floor.paths));
  }
  const aggregateCases: [string, () => Promise<unknown>, (() => Promise<unknown>) | null][] = [
    ["top rules + client addresses + paths, 24 h (`eventTops`: the hourly rollup, the keys that can reach the top)", () => eventTops({}, now), null],
    ["· top rules, 24 h (bare: the rollup and the partial hours, every key)", bareOf(floors.rules), null],
    ["· top client addresses, 24 h (bare: the rollup and the partial hours, every key)", bareOf(floors.clients), null],
    ["· top paths, 24 h (bare: the rollup and the partial hours, every key)", bareOf(floors.paths), null],
    ["top rules + client addresses + paths, 24 h, raw rows (`eventTops` without the rollup, as before it and with other filters)", () => eventTops({}, now, { rollup: false }), null],
    ["· top client addresses, 24 h (bare, raw rows)", bareOf(floors.raw.clients), null],
    ["timeline per hour, 24 h (`eventTimeline`; floor: its rollup statement bare)", () => eventTimeline({}, now), bareOf(floors.timeline)],
    ["timeline per hour, 24 h, raw rows (`eventTimeline` without the rollup)", () => eventTimeline({}, now, { rollup: false }), bareOf(floors.raw.timeline)],
    ["the whole /events page's data, 24 h (`eventsPageData`: list + timeline + tops)", () => eventsPageData({}, {}, now), null],
    ["top rules + addresses + paths, 30 days (`eventTops`)", () => eventTops(month, now), null],
    ["timeline per day, 30 days (`eventTimeline`)", () => eventTimeline(month, now), null],
  ];
  for (const [name, fn, floor] of aggregateCases) {
    console.error(`part l: ${name} …`);
    // The 30-day aggregates read every event of the month: 20 runs (the least this part takes) are enough
    // (PALISADE_BENCH_MONTH_RUNS lowers it, for 10 M events).
    const n = name.includes("30 days") ? monthRuns : runs;
    const { timings, load } = await timeInterleaved(floor ? [fn, floor] : [fn], n, Math.min(warmup, 5));
    const [p, f] = timings as [Timing, Timing | undefined];
    const target = name.includes("24 h") && !name.startsWith("the whole") && !name.startsWith("·") && !name.includes("raw rows") ? (p.median <= AGGREGATE_TARGET_MS ? " ✓" : " ✗") : "";
    aggregateRows.push([name, `**${ms(p.median)}**${target} / ${ms(p.p95)}`, f ? `${ms(f.median)} / ${ms(f.p95)}` : "—", loadText(load)]);
    console.error(`  ${aggregateRows.at(-1)!.join(" | ")}`);
  }

  // Over HTTP, when a server runs (the same measurement as part e).
  const httpRows: (string | number)[][] = [];
  let httpNote = "";
  if (server) {
    const admin = (await db.user.findFirst({ where: { email: "admin@palisade.local" } })) ?? (await db.user.findFirstOrThrow({ where: { role: "ADMIN", disabled: false } }));
    const cookie = await sessionCookie(server.secret, admin.email);
    const pages: [string, string][] = [
      ["/events (newest, 24 h)", "/events"],
      ["/events?range=30d", "/events?range=30d"],
      [`/events?range=30d, ${DEEP_PAGES.toLocaleString("en")} pages deep`, `/events?range=30d&before=${formatCursor(deep)}`],
      [`/events?rule=${RULE}`, `/events?rule=${RULE}`],
      [`/events?client=${CIDR}`, `/events?client=${encodeURIComponent(CIDR)}`],
    ];
    for (const [name, pathAndQuery] of pages) {
      console.error(`part l: GET ${pathAndQuery} …`);
      const probe = await get(server.baseUrl + pathAndQuery, { cookie }, undefined, true);
      if (probe.status !== 200 || !probe.body?.includes("WAF events")) {
        httpRows.push([name, `**fails**: answers ${probe.status}`, "—", "—"]);
        continue;
      }
      const r = await closedLoop(server.baseUrl + pathAndQuery, { cookie }, 1, runs, Math.min(warmup, 20), 60);
      httpRows.push([name, `**${ms(r.timing.median)}** / ${ms(r.timing.p95)}`, `${(probe.bytes / 1024).toFixed(0)} kB`, loadText(r.load)]);
      console.error(`  ${httpRows.at(-1)!.join(" | ")}`);
    }
  } else httpNote = "No `next start` could be started (no production build in --app-dir?): the server-rendered pages were not timed.";

  const span = `${toDate(ev!.oldest).toISOString().slice(0, 10)} – ${toDate(ev!.newest).toISOString().slice(0, 16).replace("T", " ")}`;
  const body = [
    ctx.header(`**${events.toLocaleString("en")} WAF events, ${matches.toLocaleString("en")} rule matches** (${span} UTC)`),
    "",
    table(["/events list (50-row page)", "rows", "panel `listEvents` p50 / p95 ms", "floor: the same page, one statement bare", "panel ÷ floor", "load avg"], listRows),
    "",
    `Target: panel ≤ ${LIST_TARGET}× the bare statement. The floor returns the same 50 rows with the same scoring rules (checked before timing): ` +
      "one statement with a keyset condition on (occurredAt, id) (a row value, the range ending at the cursor's time), the scoring rules aggregated in a correlated subquery, and for the rule filter driven from the " +
      "(ruleId, occurredAt) index of the matches; sent through the bare driver. The deep page's cursor is the row " +
      `${deepOffset.toLocaleString("en")} down the 30-day list. ${runs} interleaved runs each after up to ${warmup} warm-up rounds (at most 15 s).`,
    "",
    table(["aggregates", "panel p50 / p95 ms", "floor (bare statement) p50 / p95 ms", "load avg"], aggregateRows),
    "",
    `Target: top rules / addresses / paths for 24 h ≤ ${AGGREGATE_TARGET_MS} ms p50 on PostgreSQL (the timeline with them). \`eventTops\` reads the hourly rollup ` +
      "(lib/events/rollup.ts: whole hours from WafEventHourly, the partial hours at both ends from the raw rows) and sums only the keys that can reach the top " +
      "(a threshold from the last hour's busiest keys; 3 statements per top, the three tops at once); the bare rows are each one statement summing every key of the rollup's hours and the partial ends, " +
      "and the raw rows' statements as the tops read them before the rollup (all the same answer, checked). " +
      `${runs} runs each (the 30-day ones ${monthRuns}).`,
    ...(httpRows.length
      ? ["", table(["page (full HTML document, server-rendered)", "p50 / p95 ms", "HTML", "load avg"], httpRows), "", `${runs} sequential requests per page after up to 20 warm-up requests, one keep-alive connection, signed in as ADMIN; time to the last byte.`]
      : []),
    httpNote ? `\n${httpNote}` : "",
  ].join("\n");
  return [{ key: `${kind}:l`, title: `${dialect.name} · l. WAF events list at scale (/events)`, body }];
}
