// PostgreSQL's answers to the Dialect interface (lib/db/dialect/index.ts). The chain append is raw SQL
// through Prisma, the event insert and the head's new hash in one statement (a data-modifying WITH):
// 2 statements per audited write instead of 3 ORM calls (BENCHMARKS.md, section b).
import { Prisma } from "../generated/postgres/client";
import type { Tx } from "../index";
import { AUDIT_EVENT_COLUMNS, deleteInBatches, insertInChunks, quoteIdent, SEARCH_TEXT_LIMIT, type AuditEventRow, type ChainHead, type Dialect, type RawClient, type SearchPhrase } from "./index";

const CHAIN_HEAD_ID = 1;
const CLAIM_SQL = `UPDATE "AuditChainHead" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = ${CHAIN_HEAD_ID} RETURNING "lastSeq", "lastHash"`;
const INSERT_COLUMNS = Prisma.raw(AUDIT_EVENT_COLUMNS.map((c) => `"${c}"`).join(", "));

/**
 * to_tsvector over an event, exactly as the GIN index "AuditEvent_search_idx" is defined
 * (prisma/postgres/migrations/20261124090000_audit_search), so queries use it: ASCII punctuation becomes
 * a space, then to_tsvector('simple') — no stemming, no stop words, lower-cased, and with no punctuation
 * left its parser sees only plain words (no emails, hosts, paths or hyphenated words, indexed whole).
 */
export const PG_SEARCH_VECTOR =
  `to_tsvector('simple'::regconfig, regexp_replace(left("summary" || ' ' || coalesce("before"::text, '') || ' ' || coalesce("after"::text, ''), ${SEARCH_TEXT_LIMIT}), '[\\x01-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7F]+', ' ', 'g'))`;

/** A to_tsquery('simple', …) expression: phrases joined with & and their tokens with <->. Tokens carry no quote or backslash. */
export function toPgTsQuery(phrases: SearchPhrase[]): string {
  return phrases.map((p) => p.map((t) => `'${t}'`).join(" <-> ")).join(" & ");
}

/** PostgreSQL's wire protocol counts parameters in 16 bits. */
const MAX_PARAMS = 65_535;

/** JSON values go as text (PostgreSQL infers jsonb from the column); dates and scalars as they are (the adapter formats dates in UTC). */
function value(v: unknown): unknown {
  if (v === undefined) return null;
  if (v !== null && typeof v === "object" && !(v instanceof Date)) return JSON.stringify(v);
  return v;
}

/** The PostgreSQL dialect; `client` is the shared client (statements outside any transaction). */
export const postgresDialect = (client: () => RawClient): Dialect => ({
  kind: "postgres",
  name: "PostgreSQL",
  singleWriter: false,
  limits: { maxParams: MAX_PARAMS, inList: 5000 },

  async claimChainHead(tx: Tx): Promise<ChainHead> {
    const [head] = await tx.$queryRawUnsafe<{ lastSeq: number | bigint; lastHash: string }[]>(CLAIM_SQL);
    if (!head) throw new Error("The audit chain head row is missing: run the database migrations.");
    return { lastSeq: Number(head.lastSeq), lastHash: head.lastHash };
  },

  async appendChainEvent(tx: Tx, e: AuditEventRow): Promise<void> {
    const cell = (c: (typeof AUDIT_EVENT_COLUMNS)[number]) => {
      const v = c === "before" || c === "after" ? (e[c] === null || e[c] === undefined ? null : JSON.stringify(e[c])) : e[c];
      if (v === null) return Prisma.sql`NULL`;
      if (c === "before" || c === "after") return Prisma.sql`CAST(${v} AS jsonb)`;
      if (c === "id" || c === "actorId" || c === "vhostId") return Prisma.sql`CAST(${v} AS uuid)`;
      return Prisma.sql`${v}`;
    };
    // One statement: a data-modifying WITH inserts the event, the outer UPDATE moves the head.
    await tx.$executeRaw`
      WITH "event" AS (INSERT INTO "AuditEvent" (${INSERT_COLUMNS}) VALUES (${Prisma.join(AUDIT_EVENT_COLUMNS.map(cell))}))
      UPDATE "AuditChainHead" SET "lastHash" = ${e.hash} WHERE "id" = ${CHAIN_HEAD_ID}`;
  },

  uuid: (v) => Prisma.sql`CAST(${v} AS uuid)`,

  auditEventSearch: (phrases) => Prisma.sql`${Prisma.raw(PG_SEARCH_VECTOR)} @@ to_tsquery('simple'::regconfig, ${toPgTsQuery(phrases)})`,

  timeBucket: (column, unit) =>
    Prisma.raw(`to_char(${quoteIdent(column)} AT TIME ZONE 'UTC', '${unit === "day" ? "YYYY-MM-DD" : `YYYY-MM-DD"T"HH24`}')`),

  bulkInsert: (client, table, columns, rows) => insertInChunks(client, table, columns, rows, MAX_PARAMS, (n) => `$${n}`, value),

  async deleteOlderThan(table, column, date, batchSize) {
    const t = quoteIdent(table);
    const sql = `DELETE FROM ${t} WHERE "ctid" IN (SELECT "ctid" FROM ${t} WHERE ${quoteIdent(column)} < $1 LIMIT $2)`;
    return deleteInBatches(batchSize, () => client().$executeRawUnsafe(sql, date, batchSize));
  },
});
