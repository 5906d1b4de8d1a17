// PostgreSQL's answers to the Dialect interface (lib/db/dialect/index.ts). The chain append is raw SQL
// through Prisma, the event insert and the head's new hash in one statement (a data-modifying WITH):
// 2 statements per audited write instead of 3 ORM calls (BENCHMARKS.md, section b).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { Prisma } from "../generated/postgres/client";
import type { Tx } from "../index";
import { AUDIT_EVENT_COLUMNS, checkUpsert, deleteInBatches, insertInChunks, keyText, quoteIdent, SEARCH_TEXT_LIMIT, upsertClause, type AfterInsert, type InsertGate, type AuditEventRow, type Slot, type ChainHead, type Dialect, type RawClient, type SearchPhrase, type TableRows, type UpsertRows } from "./index";

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

/** Rows per INSERT … SELECT FROM unnest(…): one parameter per column whatever the rows, so only memory bounds it. */
const UNNEST_ROWS = 5000;
const typeCache = new Map<string, Promise<Map<string, string>>>();

/** A raw query through Prisma's client or on a pg connection of the pool. */
type Rows = <T>(sql: string, ...params: unknown[]) => Promise<T[]>;
const prismaRows = (c: RawClient): Rows => (sql, ...params) => c.$queryRawUnsafe(sql, ...params);

/**
 * Each column's type (without modifiers, e.g. "timestamp with time zone", "uuid", "\"TlsMode\""), from the
 * catalog, once per table and process; null when one of `columns` is an array (unnest cannot carry it).
 */
async function columnTypes(query: Rows, table: string, columns: readonly string[]): Promise<string[] | null> {
  const t = quoteIdent(table);
  let cached = typeCache.get(table);
  if (!cached) {
    cached = query<{ name: string; type: string; isArray: boolean }>(
        `SELECT a.attname AS "name", format_type(a.atttypid, NULL) AS "type", t.typcategory = 'A' AS "isArray"
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
        t,
      )
      .then((rows) => new Map(rows.map((r) => [r.name, r.isArray ? "" : r.type])));
    typeCache.set(table, cached);
    cached.catch(() => typeCache.delete(table));
  }
  const byName = await cached;
  const types = columns.map((col) => {
    quoteIdent(col);
    const type = byName.get(col);
    if (type === undefined) throw new Error(`bulkInsert into ${table}: no column ${JSON.stringify(col)}`);
    return type;
  });
  return types.includes("") ? null : types;
}

/**
 * INSERT … SELECT * FROM unnest($1::type[], $2::type[], …) ON CONFLICT DO NOTHING: one array parameter per
 * column. PostgreSQL parses and plans a statement of 17 parameters instead of 8,500 for 500 rows of 17
 * columns, 3–7× faster than multi-row VALUES on this machine (BENCHMARKS.md, section g).
 */
async function insertUnnest(
  run: (sql: string, arrays: unknown[][]) => Promise<number>,
  table: string,
  columns: readonly string[],
  types: string[],
  rows: readonly (readonly unknown[])[],
  tail = "ON CONFLICT DO NOTHING",
): Promise<number> {
  const sql =
    `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) ` +
    `SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(", ")}) ${tail}`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += UNNEST_ROWS) {
    const chunk = rows.slice(start, start + UNNEST_ROWS);
    const arrays = columns.map(() => [] as unknown[]);
    for (const row of chunk) {
      if (row.length !== columns.length) throw new Error(`bulkInsert into ${table}: a row has ${row.length} values for ${columns.length} columns`);
      // Dates as ISO text: exact in UTC, whatever the driver does with a Date inside an array.
      row.forEach((v, i) => arrays[i]!.push(v instanceof Date ? v.toISOString() : value(v)));
    }
    inserted += await run(sql, arrays);
  }
  return inserted;
}

/**
 * INSERT … SELECT FROM jsonb_array_elements($1::jsonb) ON CONFLICT DO NOTHING: the rows go as one JSON text
 * parameter, an array of arrays written by one JSON.stringify (native; half the CPU of stringifying value by
 * value into records), parsed once by PostgreSQL into jsonb and read by position (`->>` for a scalar, `->`
 * for a JSON column's value, which thus goes as JSON inside the JSON, no text-in-text). unnest's array
 * parameters made the driver escape every element into an array literal in JavaScript (pg's escapeElement:
 * the largest share of ingestion's CPU in Node). Dates go as ISO 8601 text (UTC). The array's order is kept,
 * so rows are locked in the order the caller sorted them.
 */
async function insertJsonRecords(run: (sql: string, params: unknown[]) => Promise<number>, table: string, columns: readonly string[], types: string[], rows: readonly (readonly unknown[])[], tail = "ON CONFLICT DO NOTHING"): Promise<number> {
  const sql =
    `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) ` +
    `SELECT ${types.map((type, i) => (type === "jsonb" || type === "json" ? `(r -> ${i})::${type}` : `(r ->> ${i})::${type}`)).join(", ")} FROM jsonb_array_elements($1::jsonb) AS e(r) ${tail}`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += UNNEST_ROWS) {
    const chunk = rows.slice(start, start + UNNEST_ROWS);
    for (const row of chunk) if (row.length !== columns.length) throw new Error(`insertBatch into ${table}: a row has ${row.length} values for ${columns.length} columns`);
    // undefined becomes null inside an array (JSON.stringify's own rule).
    inserted += await run(sql, [JSON.stringify(chunk)]);
  }
  return inserted;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** Text as COPY's text format reads it: backslash, tab, newline and carriage return escaped. */
const copyEscape = (text: string) => (COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : text);

/** One value in COPY's text format: \N for null, dates as ISO 8601 (UTC), JSON values as their JSON text. */
export function copyCell(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  switch (typeof v) {
    case "string":
      return copyEscape(v);
    case "number":
    case "bigint":
      return String(v);
    case "boolean":
      return v ? "t" : "f";
    default:
      if (v instanceof Date) return v.toISOString();
      if (v instanceof Uint8Array) throw new Error("insertBatch: binary values are not supported");
      return copyEscape(JSON.stringify(v));
  }
}

/** `rows` in COPY's text format: a line per row, its values separated by tabs. */
export function copyText(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = new Array<string>(rows.length + 1);
  for (const [k, row] of rows.entries()) {
    if (row.length !== columns.length) throw new Error(`insertBatch into ${table}: a row has ${row.length} values for ${columns.length} columns`);
    let line = copyCell(row[0]);
    for (let i = 1; i < row.length; i++) line += "\t" + copyCell(row[i]);
    lines[k] = line;
  }
  lines[rows.length] = "";
  return lines.join("\n");
}

/** PostgreSQL's unique_violation: a COPY met a row whose key is stored already (or twice in its batch). */
const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === "23505";

/**
 * An upsert's rows as one JSON array of arrays (a single text parameter): for the many short values of a
 * rollup this costs the panel about half the CPU of unnest's arrays, which the driver escapes value by value.
 * json_array_elements keeps the array's order, so rows are locked in the order the caller sorted them.
 */
async function upsertJson(run: (sql: string, params: unknown[]) => Promise<number>, u: UpsertRows, types: string[]): Promise<number> {
  const sql =
    `INSERT INTO ${quoteIdent(u.table)} (${u.columns.map(quoteIdent).join(", ")}) ` +
    `SELECT ${types.map((type, i) => `(r ->> ${i})::${type}`).join(", ")} FROM json_array_elements($1::json) WITH ORDINALITY AS e(r, i) ORDER BY i ${upsertClause(u)}`;
  let done = 0;
  for (let start = 0; start < u.rows.length; start += UNNEST_ROWS) {
    // Dates as ISO text (JSON.stringify's own), exact in UTC.
    done += await run(sql, [JSON.stringify(u.rows.slice(start, start + UNNEST_ROWS).map((row) => row.map(value)))]);
  }
  return done;
}

/**
 * The PostgreSQL dialect; `client` is the shared client (statements outside any transaction), `pool` the
 * pg pool under it (lib/db/index.ts PgAdapterFactory), for `insertBatch`.
 */
export const postgresDialect = (client: () => RawClient, pool: () => Promise<pg.Pool>): Dialect => ({
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

  // DateTime columns are timestamptz(3) (the migrations).
  timestamp: (v) => Prisma.sql`CAST(${v} AS timestamptz(3))`,

  auditEventSearch: (phrases) => Prisma.sql`${Prisma.raw(PG_SEARCH_VECTOR)} @@ to_tsquery('simple'::regconfig, ${toPgTsQuery(phrases)})`,

  timeBucket: (column, unit) =>
    Prisma.raw(`to_char(${quoteIdent(column)} AT TIME ZONE 'UTC', '${unit === "day" ? "YYYY-MM-DD" : `YYYY-MM-DD"T"HH24`}')`),

  async bulkInsert(c, table, columns, rows) {
    const types = await columnTypes(prismaRows(c), table, columns);
    // A table with an array column: unnest would flatten it, so multi-row VALUES (as SQLite).
    if (types === null) return insertInChunks(c, table, columns, rows, MAX_PARAMS, (n) => `$${n}`, value);
    return insertUnnest((sql, arrays) => c.$executeRawUnsafe(sql, ...arrays), table, columns, types, rows);
  },

  async vacuum(tables) {
    // Not inside a transaction block: a connection of its own from the pool.
    const connection = await (await pool()).connect();
    try {
      await connection.query(`VACUUM (ANALYZE) ${tables.map(quoteIdent).join(", ")}`);
    } finally {
      connection.release();
    }
  },

  async insertBatch(tables: readonly TableRows[], after?: AfterInsert, gate?: InsertGate, slot: Slot = (work) => work()) {
    const shared = await pool();
    const types = async (table: string, columns: readonly string[]) => {
      const t = await columnTypes(async (sql, ...params) => (await shared.query(sql, params)).rows, table, columns);
      if (t === null) throw new Error(`insertBatch into ${table}: a column is an array, which unnest cannot carry (use bulkInsert)`);
      return t;
    };
    const allTypes: string[][] = [];
    for (const t of tables) {
      if (after && t.rows.length && !t.key?.length) throw new Error(`insertBatch into ${t.table}: a follow-up needs the table's key columns`);
      allTypes.push(await types(t.table, t.columns));
    }
    // The rows as COPY text, built before the slot and the transaction (only this process's CPU).
    const texts = tables.map((t) => Buffer.from(copyText(t.table, t.columns, t.rows), "utf8"));
    return slot(async () => {
      const connection = await shared.connect();
      let broken: unknown;
      try {
        const run = async (sql: string, params: unknown[]) => (await connection.query(sql, params)).rowCount ?? 0;
        const copy = async (i: number) => {
          const t = tables[i]!;
          const sql = `COPY ${quoteIdent(t.table)} (${t.columns.map(quoteIdent).join(", ")}) FROM STDIN`;
          await pipeline(Readable.from([texts[i]!]), connection.query(copyFrom(sql)));
        };
        /**
         * One transaction. `fast`: each table's rows with COPY, which PostgreSQL takes for a third less CPU than
         * INSERT … SELECT from a JSON parameter (BENCHMARKS.md) but which cannot skip a row whose key is stored
         * already: it fails with unique_violation, and the batch then runs again with INSERT … ON CONFLICT DO
         * NOTHING (a retried batch, an event twice in a batch, two batches sharing events at once). Either way
         * the same rows are stored, all or nothing.
         */
        const transaction = async (fast: boolean) => {
          let follow = after;
          await connection.query("BEGIN");
          try {
            const readShared = async (table: string, column: string, id: number) =>
              (await connection.query<{ v: unknown }>(`SELECT ${quoteIdent(column)} AS v FROM ${quoteIdent(table)} WHERE "id" = $1 FOR SHARE`, [id])).rows[0]?.v ?? null;
            if (follow && gate && !(await gate(readShared))) follow = undefined;
            const counts: number[] = [];
            const inserted: boolean[][] = [];
            for (const [i, t] of tables.entries()) {
              if (!t.rows.length) {
                counts.push(0);
                inserted.push([]);
              } else if (fast) {
                await copy(i);
                counts.push(t.rows.length);
                inserted.push(t.rows.map(() => true));
              } else if (!follow) counts.push(await insertJsonRecords(run, t.table, t.columns, allTypes[i]!, t.rows));
              else {
                // RETURNING the key of each row that went in (a skipped row returns nothing), matched to `rows`.
                const keys = new Set<string>();
                const returning = async (sql: string, params: unknown[]) => {
                  const r = await connection.query<Record<string, unknown>>(sql, params);
                  for (const row of r.rows) keys.add(keyText(t.key!.map((k) => row[k])));
                  return r.rowCount ?? 0;
                };
                const tail = `ON CONFLICT DO NOTHING RETURNING ${t.key!.map(quoteIdent).join(", ")}`;
                counts.push(await insertJsonRecords(returning, t.table, t.columns, allTypes[i]!, t.rows, tail));
                const at = t.key!.map((k) => t.columns.indexOf(k));
                if (at.includes(-1)) throw new Error(`insertBatch into ${t.table}: its key names a column it does not insert`);
                // A key twice in one batch went in once: its first row (the later ones conflicted with it).
                inserted.push(t.rows.map((row) => keys.delete(keyText(at.map((j) => row[j])))));
              }
            }
            for (const u of (await follow?.(inserted, readShared)) ?? []) {
              checkUpsert(u);
              if (u.rows.length) await upsertJson(async (sql, params) => (await connection.query(sql, params)).rowCount ?? 0, u, await types(u.table, u.columns));
            }
            await connection.query("COMMIT");
            return counts;
          } catch (err) {
            await connection.query("ROLLBACK").catch((rollbackError: unknown) => (broken = rollbackError));
            throw err;
          }
        };
        if (!tables.some((t) => t.rows.length)) return await transaction(false);
        try {
          return await transaction(true);
        } catch (err) {
          if (!isUniqueViolation(err) || broken) throw err;
          return await transaction(false);
        }
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: the pool closes it instead of reusing it.
        connection.release(broken instanceof Error ? broken : undefined);
      }
    });
  },

  async deleteOlderThan(table, column, date, batchSize, afterBatch, runBatch) {
    const t = quoteIdent(table);
    const sql = `DELETE FROM ${t} WHERE "ctid" IN (SELECT "ctid" FROM ${t} WHERE ${quoteIdent(column)} < $1 LIMIT $2)`;
    return deleteInBatches(batchSize, () => client().$executeRawUnsafe(sql, date, batchSize), afterBatch, runBatch);
  },
});
