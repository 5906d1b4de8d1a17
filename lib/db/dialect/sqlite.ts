// SQLite's answers to the Dialect interface (lib/db/dialect/index.ts). The chain's three statements are
// prepared once and run on Prisma's own better-sqlite3 connection, which inside db.$transaction is part
// of the transaction (lib/db/index.ts SqliteAdapterFactory): an ORM call cost 0.2 ms where the statements
// take microseconds, which made an audited update 2× the same update without audit (BENCHMARKS.md, b).
import type BetterSqlite3 from "better-sqlite3";
import { Prisma } from "../generated/sqlite/client";
import { AUDIT_EVENT_COLUMNS, checkUpsert, deleteInBatches, insertInChunks, quoteIdent, upsertClause, type AfterInsert, type ChainHead, type Dialect, type InsertGate, type RawClient, type Slot, type SearchPhrase, type TableRows, type UpsertRows } from "./index";
import type { Db } from "../index";
import { whileBusy } from "../sqlite-lock";

const CHAIN_HEAD_ID = 1;
const CLAIM_SQL = `UPDATE "AuditChainHead" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = ${CHAIN_HEAD_ID} RETURNING "lastSeq", "lastHash"`;
const INSERT_SQL = `INSERT INTO "AuditEvent" (${AUDIT_EVENT_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${AUDIT_EVENT_COLUMNS.map(() => "?").join(", ")})`;
const MOVE_HEAD_SQL = `UPDATE "AuditChainHead" SET "lastHash" = ? WHERE "id" = ${CHAIN_HEAD_ID}`;

/**
 * The FTS5 table kept in step with AuditEvent by triggers (prisma/sqlite/migrations/20261124090000_audit_search);
 * its rowid is the event's seq. unicode61 tokenizer keeping diacritics: words are runs of letters and
 * digits, case-folded — the same words PostgreSQL's index sees.
 */
export const SQLITE_SEARCH_TABLE = "AuditEventSearch";

/** An FTS5 MATCH expression: each phrase double-quoted (so AND, OR, NOT, NEAR, * and : in it are plain words), joined with AND. */
export function toFts5Match(phrases: SearchPhrase[]): string {
  return phrases.map((p) => `"${p.join(" ")}"`).join(" AND ");
}

/** DateTime as Prisma's SQLite adapter writes it (its default iso8601 format), for SQL written without Prisma: ORM reads and text comparisons must agree. */
export function sqliteDateText(d: Date): string {
  return d.toISOString().replace("Z", "+00:00");
}

/** A value as Prisma's SQLite adapter stores it: ISO date text, booleans 0/1, JSON as text. */
export function sqliteValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return sqliteDateText(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v !== null && typeof v === "object" && !Buffer.isBuffer(v)) return JSON.stringify(v);
  return v;
}

/**
 * SQLite's default SQLITE_MAX_VARIABLE_NUMBER (since 3.32). Prisma's own ORM queries stop far earlier
 * (see `inList`); raw statements reach the driver's limit.
 */
const MAX_PARAMS = 32_766;

type Statement = BetterSqlite3.Statement<unknown[]>;
type ChainStatements = { claim: Statement; insert: Statement; moveHead: Statement };

/**
 * The SQLite dialect; `client` is the shared client, `connection` the better-sqlite3 connection under it
 * (open once the client has connected, as it has inside db.$transaction); `lockWaitMs` how long a statement
 * run on that connection directly waits for the write lock (SQLITE_LOCK_WAIT_MS).
 */
export function sqliteDialect(client: () => Db, connection: () => BetterSqlite3.Database | null, lockWaitMs: number): Dialect {
  const prepared = new WeakMap<object, ChainStatements>();
  const statements = (): ChainStatements => {
    const c = connection();
    if (!c) throw new Error("The SQLite connection is not open yet: the audit chain's statements run inside db.$transaction.");
    let s = prepared.get(c);
    if (!s) {
      s = { claim: c.prepare<unknown[]>(CLAIM_SQL), insert: c.prepare<unknown[]>(INSERT_SQL), moveHead: c.prepare<unknown[]>(MOVE_HEAD_SQL) };
      prepared.set(c, s);
    }
    return s;
  };
  // insertBatch's single-row INSERTs, prepared once per connection and statement text.
  const inserts = new WeakMap<object, Map<string, Statement>>();
  const insertStatement = (c: BetterSqlite3.Database, table: string, columns: readonly string[], tail = "ON CONFLICT DO NOTHING"): Statement => {
    const sql = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ${tail}`;
    let byText = inserts.get(c);
    if (!byText) inserts.set(c, (byText = new Map()));
    let s = byText.get(sql);
    if (!s) byText.set(sql, (s = c.prepare<unknown[]>(sql)));
    return s;
  };
  return {
    kind: "sqlite",
    name: "SQLite",
    singleWriter: true,
    limits: { maxParams: MAX_PARAMS, inList: 500 },

    // `tx` is unused: the statements run on the transaction's own connection.
    async claimChainHead(): Promise<ChainHead> {
      const head = statements().claim.get() as { lastSeq: number | bigint; lastHash: string } | undefined;
      if (!head) throw new Error("The audit chain head row is missing: run the database migrations.");
      return { lastSeq: Number(head.lastSeq), lastHash: head.lastHash };
    },

    async appendChainEvent(_tx, e) {
      const { insert, moveHead } = statements();
      // Stored as the ORM stores them: JSON as text, NULL for none, dates in the adapter's format.
      insert.run(AUDIT_EVENT_COLUMNS.map((c) => (c === "before" || c === "after" ? (e[c] === null || e[c] === undefined ? null : JSON.stringify(e[c])) : c === "createdAt" ? sqliteDateText(e.createdAt) : e[c])));
      moveHead.run(e.hash);
    },

    uuid: (v) => Prisma.sql`${v}`,

    timestamp: (v) => Prisma.sql`${v}`,

    auditEventSearch: (phrases) =>
      Prisma.sql`"seq" IN (SELECT "rowid" FROM ${Prisma.raw(`"${SQLITE_SEARCH_TABLE}"`)} WHERE ${Prisma.raw(`"${SQLITE_SEARCH_TABLE}"`)} MATCH ${toFts5Match(phrases)})`,

    // Dates are ISO text ("2026-11-24T10:00:00.000+00:00", always UTC): the bucket is a prefix.
    timeBucket: (column, unit) => Prisma.raw(`substr(${quoteIdent(column)}, 1, ${unit === "day" ? 10 : 13})`),

    // ON CONFLICT DO NOTHING (SQLite ≥ 3.24), not INSERT OR IGNORE: that would also drop rows breaking a
    // NOT NULL or CHECK constraint, where PostgreSQL fails: the same statement means the same on both.
    bulkInsert: (c, table, columns, rows) => insertInChunks(c, table, columns, rows, MAX_PARAMS, () => "?", sqliteValue),

    // Inside db.$transaction, on its connection: the write lock is taken (and waited for) as for any
    // write; the rows then go in synchronously, without Prisma's conversion of every bound parameter of a
    // multi-row VALUES: a 500-event batch costs 72–76 ms of CPU instead of 125–128 (BENCHMARKS.md, section g).
    // With a follow-up, each row's own `changes` says whether it went in (no key needed here).
    insertBatch: (tables: readonly TableRows[], after?: AfterInsert, gate?: InsertGate, slot: Slot = (work) => work()) =>
      slot(() => client().$transaction(async () => {
        const c = connection();
        if (!c) throw new Error("The SQLite connection is not open inside db.$transaction: update lib/db (SqliteAdapterFactory).");
        // The transaction holds the write lock: nobody else can change the row until it ends.
        const readShared = async (table: string, column: string, id: number) =>
          (c.prepare<[number], { v: unknown }>(`SELECT ${quoteIdent(column)} AS v FROM ${quoteIdent(table)} WHERE "id" = ?`).get(id)?.v ?? null);
        if (after && gate && !(await gate(readShared))) after = undefined;
        const inserted: boolean[][] = [];
        const counts = tables.map(({ table, columns, rows }) => {
          const went: boolean[] = [];
          inserted.push(went);
          if (rows.length === 0) return 0;
          const insert = insertStatement(c, table, columns);
          let n = 0;
          for (const row of rows) {
            if (row.length !== columns.length) throw new Error(`insertBatch into ${table}: a row has ${row.length} values for ${columns.length} columns`);
            const changes = insert.run(row.map(sqliteValue)).changes;
            n += changes;
            went.push(changes > 0);
          }
          return n;
        });
        for (const u of (await after?.(inserted, readShared)) ?? ([] as UpsertRows[])) {
          checkUpsert(u);
          if (!u.rows.length) continue;
          const upsert = insertStatement(c, u.table, u.columns, upsertClause(u));
          for (const row of u.rows) upsert.run(row.map(sqliteValue));
        }
        return counts;
      })),

    async vacuum(tables) {
      for (const t of tables) await client().$executeRawUnsafe(`ANALYZE ${quoteIdent(t)}`);
    },

    // Each batch is one statement run synchronously on the connection, on its own (autocommit), never inside
    // a transaction another request has open there (Prisma's raw statements would join it): from its start to
    // its answer no other JavaScript of the process runs, so a caller's turn (runBatch: the retention purge
    // taking turns with ingestion) lasts the statement's own time, not also the other requests' work that
    // Prisma's asynchronous steps would let in. SQLITE_BUSY (another process holds the write lock, or a
    // transaction is open on the connection) is waited for on timers (lib/db/sqlite-lock.ts), as any write.
    async deleteOlderThan(table, column, date, batchSize, afterBatch, runBatch) {
      const t = quoteIdent(table);
      const sql = `DELETE FROM ${t} WHERE "rowid" IN (SELECT "rowid" FROM ${t} WHERE ${quoteIdent(column)} < ? LIMIT ?)`;
      const before = sqliteDateText(date);
      const batch = async () => {
        if (!connection()) await client().$connect();
        const c = connection();
        if (!c) throw new Error("The SQLite connection did not open on $connect: update lib/db (SqliteAdapterFactory).");
        return whileBusy(() => {
          if (c.inTransaction) throw Object.assign(new Error("SQLITE_BUSY: a transaction is open on the connection"), { code: "SQLITE_BUSY" });
          return c.prepare<unknown[]>(sql).run(before, batchSize).changes;
        }, lockWaitMs);
      };
      return deleteInBatches(batchSize, batch, afterBatch, runBatch);
    },
  };
}
