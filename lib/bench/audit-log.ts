// a. The audit log: the panel's own list function (lib/audit/queries.ts listAuditEvents) against
//   - the database's floor: one statement returning the same page, sent bare through the driver;
//   - that one statement through Prisma ($queryRawUnsafe): Prisma's fixed cost per query.
import { listAuditEvents, AUDIT_PAGE_SIZE } from "@/lib/audit/queries";
import { parseSearchQuery, PG_SEARCH_VECTOR, SQLITE_SEARCH_TABLE, toFts5Match, toPgTsQuery } from "@/lib/audit/search";
import type { AuditFilter } from "@/lib/audit/filters";
import { db } from "@/lib/db";
import { kindName, type BenchContext } from "./context";
import { table } from "./report";
import { loadText, ms, ratio, timeInterleaved, type Timing } from "./stats";

const LIST_COLUMNS = `"id","seq","createdAt","actorEmail","action","entityType","entityId","vhostId","summary"`;

/** The page as one statement ($n placeholders), the way the database would answer it at best. */
export function bareListSql(kind: "postgres" | "sqlite", filter: AuditFilter, before?: number): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  if (filter.actor) conds.push(`"actorId" = (SELECT "id" FROM "User" WHERE "email" = ${p(filter.actor)})`);
  if (filter.action) conds.push(`"action" = ${p(filter.action)}`);
  const phrases = filter.q ? parseSearchQuery(filter.q) : [];
  if (phrases.length) {
    conds.push(
      kind === "postgres"
        ? `${PG_SEARCH_VECTOR} @@ to_tsquery('simple'::regconfig, ${p(toPgTsQuery(phrases))})`
        : `"seq" IN (SELECT "rowid" FROM "${SQLITE_SEARCH_TABLE}" WHERE "${SQLITE_SEARCH_TABLE}" MATCH ${p(toFts5Match(phrases))})`,
    );
  }
  if (before !== undefined) conds.push(`"seq" < ${p(before)}`);
  const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
  return { sql: `SELECT ${LIST_COLUMNS} FROM "AuditEvent" ${where} ORDER BY "seq" DESC LIMIT ${AUDIT_PAGE_SIZE + 1}`, params };
}

/** Prisma's raw API takes ? on SQLite and $n on PostgreSQL. */
function forPrisma(kind: "postgres" | "sqlite", q: { sql: string; params: unknown[] }) {
  if (kind === "postgres") return q;
  const params: unknown[] = [];
  const sql = q.sql.replace(/\$(\d+)/g, (_, n: string) => (params.push(q.params[Number(n) - 1]), "?"));
  return { sql, params };
}

type Case = { name: string; filter: AuditFilter; before?: number };

export async function auditLogPart(ctx: BenchContext) {
  const { raw, kind } = ctx;
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
    const bare = bareListSql(kind, c.filter, c.before);
    const viaPrisma = forPrisma(kind, bare);
    // The floor must return the page the panel shows, or the comparison means nothing.
    const panelSeqs = (await listAuditEvents({ filter: c.filter, before: c.before })).rows.map((r) => Number(r.seq));
    const bareSeqs = (await raw.query<{ seq: number }>(bare.sql, bare.params)).slice(0, AUDIT_PAGE_SIZE).map((r) => Number(r.seq));
    if (JSON.stringify(panelSeqs) !== JSON.stringify(bareSeqs)) throw new Error(`${c.name}: the bare query returns other rows than listAuditEvents`);
    const { timings, load } = await timeInterleaved(
      [
        () => listAuditEvents({ filter: c.filter, before: c.before }),
        () => raw.query(bare.sql, bare.params),
        () => db.$queryRawUnsafe(viaPrisma.sql, ...viaPrisma.params),
      ],
      ctx.options.runs,
      ctx.options.warmup,
    );
    const [panel, floor, one] = timings as [Timing, Timing, Timing];
    const target = kind === "postgres" ? 2 : 3;
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
    `Target: panel ≤ ${kind === "postgres" ? "2×" : "3×"} the bare query on ${kindName(kind)}; a deep page no slower than the first ` +
      `(medians: newest ${String(first[2]).replace(/\*/g, "").split(" /")[0]} ms, 1,000 pages deep ${String(deepRow[2]).replace(/\*/g, "").split(" /")[0]} ms). ` +
      "The floor is one statement returning the same page (the actor resolved in a subquery), sent through the bare driver; it returns the panel's rows (checked before timing). " +
      "“Via Prisma” sends that statement through Prisma's raw API: Prisma's own cost per query. " +
      `${ctx.options.runs} interleaved runs each after up to ${ctx.options.warmup} warm-up rounds (at most 15 s); chain head #${Number(head!.lastSeq).toLocaleString("en")}.`,
  ].join("\n");
  return [{ key: `${kind}:a`, title: `${kindName(kind)} · a. Audit log list`, body }];
}
