// a. The audit log: the panel's own list function (lib/audit/queries.ts listAuditEvents) against
//   - the database's floor: one statement returning the same page, sent bare through the driver;
//   - that one statement through Prisma ($queryRawUnsafe): Prisma's fixed cost per query.
import { listAuditEvents, AUDIT_PAGE_SIZE } from "@/lib/audit/queries";
import { parseSearchQuery } from "@/lib/audit/search";
import type { AuditFilter } from "@/lib/audit/filters";
import { db, Prisma, type Dialect } from "@/lib/db";
import type { BenchContext } from "./context";
import { table } from "./report";
import { loadText, ms, ratio, timeInterleaved, type Timing } from "./stats";

const LIST_COLUMNS = Prisma.raw(`"id","seq","createdAt","actorEmail","action","entityType","entityId","vhostId","summary"`);

/** The page as one statement, the way the database would answer it at best (the search condition is the dialect's, as the panel's). */
export function bareListSql(dialect: Dialect, filter: AuditFilter, before?: number): Prisma.Sql {
  const conds: Prisma.Sql[] = [];
  if (filter.actor) conds.push(Prisma.sql`"actorId" = (SELECT "id" FROM "User" WHERE "email" = ${filter.actor})`);
  if (filter.action) conds.push(Prisma.sql`"action" = ${filter.action}`);
  const phrases = filter.q ? parseSearchQuery(filter.q) : [];
  if (phrases.length) conds.push(dialect.auditEventSearch(phrases));
  if (before !== undefined) conds.push(Prisma.sql`"seq" < ${before}`);
  const where = conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
  return Prisma.sql`SELECT ${LIST_COLUMNS} FROM "AuditEvent" ${where} ORDER BY "seq" DESC LIMIT ${Prisma.raw(String(AUDIT_PAGE_SIZE + 1))}`;
}

/** panel ÷ floor that passes, per database (Prisma's fixed cost weighs more against SQLite's faster floor). */
const TARGET = { postgres: 2, sqlite: 3 } as const;

type Case = { name: string; filter: AuditFilter; before?: number };

export async function auditLogPart(ctx: BenchContext) {
  const { raw, kind, dialect } = ctx;
  const [head] = await raw.query<{ lastSeq: number }>(`SELECT "lastSeq" FROM "AuditChainHead" WHERE id = 1`);
  const deepOffset = 1000 * AUDIT_PAGE_SIZE;
  const [deep] = await raw.query<{ seq: number }>(`SELECT "seq" FROM "AuditEvent" ORDER BY "seq" DESC LIMIT 1 OFFSET ${deepOffset}`);
  if (!deep) throw new Error(`The audit log has fewer than ${deepOffset.toLocaleString("en")} events: run npm run seed:scale first.`);
  // A busy seeded editor (about a tenth of all events), and one vhost that editor changed lately.
  const actor = "editor3@palisade.bench";
  const [actorRow] = await raw.query<{ id: string }>(`SELECT "id" FROM "User" WHERE "email" = $1`, [actor]);
  if (!actorRow) throw new Error(`No user ${actor}: the database was not filled by npm run seed:scale.`);
  const [actorDeep] = await raw.query<{ seq: number }>(
    `SELECT "seq" FROM "AuditEvent" WHERE "actorId" = $1 ORDER BY "seq" DESC LIMIT 1 OFFSET ${deepOffset}`,
    [actorRow.id],
  );
  const [recent] = await raw.query<{ domain: string }>(
    `SELECT v."domain" FROM "AuditEvent" e JOIN "VirtualHost" v ON v."id" = e."vhostId" WHERE e."actorId" = $1 AND e."action" = 'policy.update' ORDER BY e."seq" DESC LIMIT 1`,
    [actorRow.id],
  );
  const cases: Case[] = [
    { name: "newest page", filter: {} },
    { name: `1,000 pages deep (seq < ${Number(deep.seq).toLocaleString("en")})`, filter: {}, before: Number(deep.seq) },
    { name: "filtered by actor", filter: { actor } },
    ...(actorDeep ? [{ name: "filtered by actor, 1,000 pages deep", filter: { actor }, before: Number(actorDeep.seq) }] : []),
    ...(recent ? [{ name: `actor + search for a domain (\`${recent.domain}\`)`, filter: { actor, q: recent.domain } }] : []),
    { name: "actor + search for a common word (`deny`)", filter: { actor, q: "deny" } },
  ];

  const rows: (string | number)[][] = [];
  for (const c of cases) {
    // The driver's own SQL text, which Prisma's raw API takes as it is on the same database.
    const bare = raw.text(bareListSql(dialect, c.filter, c.before));
    // The floor must return the page the panel shows, or the comparison means nothing.
    const panelSeqs = (await listAuditEvents({ filter: c.filter, before: c.before })).rows.map((r) => Number(r.seq));
    const bareSeqs = (await raw.query<{ seq: number }>(bare.sql, bare.params)).slice(0, AUDIT_PAGE_SIZE).map((r) => Number(r.seq));
    if (JSON.stringify(panelSeqs) !== JSON.stringify(bareSeqs)) throw new Error(`${c.name}: the bare query returns other rows than listAuditEvents`);
    const { timings, load } = await timeInterleaved(
      [
        () => listAuditEvents({ filter: c.filter, before: c.before }),
        () => raw.query(bare.sql, bare.params),
        () => db.$queryRawUnsafe(bare.sql, ...bare.params),
      ],
      ctx.options.runs,
      ctx.options.warmup,
    );
    const [panel, floor, one] = timings as [Timing, Timing, Timing];
    const target = TARGET[kind];
    const mark = (x: number) => (x <= target ? "✓" : "✗");
    rows.push([
      c.name,
      panelSeqs.length,
      `**${ms(panel.median)}** / ${ms(panel.p95)}`,
      `${ms(floor.median)} / ${ms(floor.p95)}`,
      `${ms(one.median)} / ${ms(one.p95)}`,
      `**${ratio(panel.median, floor.median)}** ${mark(panel.median / floor.median)}`,
      loadText(load),
    ]);
  }
  const first = rows[0]!;
  const deepRow = rows[1]!;
  const body = [
    ctx.header(),
    "",
    table(
      [
        "query (50-row page)",
        "rows",
        "panel `listAuditEvents` median / p95 ms",
        "floor: the same page, one statement bare",
        "that statement via Prisma",
        "panel ÷ floor",
        "load avg",
      ],
      rows,
    ),
    "",
    `Target: panel ≤ ${TARGET[kind]}× the bare query on ${dialect.name}; a deep page no slower than the first ` +
      `(medians: newest ${String(first[2]).replace(/\*/g, "").split(" /")[0]} ms, 1,000 pages deep ${String(deepRow[2]).replace(/\*/g, "").split(" /")[0]} ms). ` +
      "The floor is one statement returning the same page (the actor resolved in a subquery), sent through the bare driver; it returns the panel's rows (checked before timing). " +
      "“Via Prisma” sends that statement through Prisma's raw API: Prisma's own cost per query. " +
      `${ctx.options.runs} interleaved runs each after up to ${ctx.options.warmup} warm-up rounds (at most 15 s); chain head #${Number(head!.lastSeq).toLocaleString("en")}.`,
  ].join("\n");
  return [{ key: `${kind}:a`, title: `${dialect.name} · a. Audit log list`, body }];
}
