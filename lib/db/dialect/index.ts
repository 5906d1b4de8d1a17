// Everything that differs between PostgreSQL and SQLite, behind one small interface — the way Kysely keeps
// its differences in one DialectAdapter. Domain code asks `dialect()` (lib/db) for a SQL fragment, a limit
// or a fast path, and never which database it is on; postgres.ts and sqlite.ts are the only two answers.
// lib/db/boundary.test.ts fails when a file outside lib/db imports a driver or branches on the provider.
import type { Prisma } from "../generated/sqlite/client";
import type { Db, DbKind, Tx } from "../index";

/** The audit chain's head row, claimed (and locked until commit) by every audited transaction. */
export type ChainHead = { lastSeq: number; lastHash: string };

/** An AuditEvent row's columns, in the order the chain's inserts (and the scale seed's) list them. */
export const AUDIT_EVENT_COLUMNS = ["id", "seq", "createdAt", "actorId", "actorEmail", "action", "entityType", "entityId", "vhostId", "summary", "before", "after", "ip", "userAgent", "prevHash", "hash"] as const;

/** One AuditEvent row as the chain writes it; `before`/`after` are JSON values (null for none). */
export type AuditEventRow = {
  id: string;
  seq: number;
  createdAt: Date;
  actorId: string | null;
  actorEmail: string;
  action: string;
  entityType: string;
  entityId: string;
  vhostId: string | null;
  summary: string;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  prevHash: string;
  hash: string;
};

/**
 * Rows for one table of `insertBatch`, values in `columns` order (as for `bulkInsert`). `key`: the columns
 * (text, uuid or integer) that identify a row, by which `insertBatch` tells which rows went in when it is
 * given a follow-up (PostgreSQL reads them back with RETURNING).
 */
export type TableRows = { table: string; columns: readonly string[]; rows: readonly (readonly unknown[])[]; key?: readonly string[] };

/**
 * Rows added into `table` (values in `columns` order): a row conflicting on the `conflict` columns adds its
 * `add` column to the stored one (`ON CONFLICT (…) DO UPDATE SET add = add + excluded.add`), in the order of
 * `rows` — the caller sorts them, so concurrent transactions lock the rows they share in the same order.
 * No two rows may share their `conflict` values.
 */
export type UpsertRows = { table: string; columns: readonly string[]; conflict: readonly string[]; add: string; rows: readonly (readonly unknown[])[] };

/**
 * Reads `column` of the row whose "id" is `id` in `table` (null when there is none) inside `insertBatch`'s
 * transaction, and holds that row against writers until the transaction ends: PostgreSQL `FOR SHARE` (a
 * writer holding it is waited for, and its committed value read); on SQLite the transaction already holds
 * the database's write lock. A date comes back as a Date (PostgreSQL) or as its ISO text (SQLite).
 */
export type SharedRead = (table: string, column: string, id: number) => Promise<unknown>;

/** Runs `work` when the caller's turn comes (a concurrency limit); `insertBatch` without one runs it at once. */
export type Slot = <T>(work: () => Promise<T>) => Promise<T>;

/** Asked first in `insertBatch`'s transaction whether its follow-up is needed for this batch. */
export type InsertGate = (readShared: SharedRead) => Promise<boolean>;

/** Which rows of each table of `insertBatch` went in (in `rows` order), and what to add in the same transaction. */
export type AfterInsert = (inserted: readonly (readonly boolean[])[], readShared: SharedRead) => readonly UpsertRows[] | Promise<readonly UpsertRows[]>;

/** One searched word of the audit log's full-text search: its tokens must occur consecutively. */
export type SearchPhrase = string[];

/** A client that can run raw statements: the shared client, or the transaction of `db.$transaction`. */
export type RawClient = Pick<Db, "$executeRawUnsafe" | "$queryRawUnsafe"> | Pick<Tx, "$executeRawUnsafe" | "$queryRawUnsafe">;

export interface Dialect {
  /** Names the database in report keys and file names; never compared outside lib/db (lib/db/boundary.test.ts). */
  readonly kind: DbKind;
  /** "PostgreSQL" or "SQLite", for people. */
  readonly name: string;
  /** True when writers queue on one database-wide write lock (SQLite), false when they lock rows (PostgreSQL). */
  readonly singleWriter: boolean;
  readonly limits: {
    /** Bound parameters one statement may carry. */
    maxParams: number;
    /**
     * Ids per Prisma `IN (…)` list, e.g. vhosts per page when loading with relations: SQLite (through
     * Prisma) refuses 2,000; PostgreSQL takes 32,767, and fewer, larger pages load 10,000 vhosts in
     * 450–500 ms instead of 550–880 ms at 500 (measured on the scale seed).
     */
    inList: number;
  };

  /**
   * Claims the audit chain head inside `tx`: UPDATE … RETURNING, one round trip, and the row (PostgreSQL)
   * or the database (SQLite) stays locked until commit, which orders concurrent audited writers.
   */
  claimChainHead(tx: Tx): Promise<ChainHead>;
  /** Inserts `event` into AuditEvent and moves the head's hash to `event.hash`, inside `tx` (after claimChainHead). */
  appendChainEvent(tx: Tx, event: AuditEventRow): Promise<void>;

  /** A uuid value for comparison with a uuid column. */
  uuid(value: string): Prisma.Sql;
  /** A date value typed as a DateTime column's values, where the statement cannot infer it (a SELECT list). */
  timestamp(value: Date): Prisma.Sql;
  /** The condition "this AuditEvent row matches every phrase", served by the search index of the migrations (20261124090000_audit_search). */
  auditEventSearch(phrases: SearchPhrase[]): Prisma.Sql;
  /** A DateTime column cut to its UTC day ("YYYY-MM-DD") or hour ("YYYY-MM-DDTHH"), as text, for GROUP BY. */
  timeBucket(column: string, unit: "day" | "hour"): Prisma.Sql;

  /**
   * Inserts `rows` (values in `columns` order) into `table` in multi-row INSERTs within the parameter
   * limit; a row that conflicts with an existing one on a unique key is skipped (ON CONFLICT DO NOTHING).
   * Values as the ORM stores them: Date, boolean, number, string, null, or an object/array for a JSON
   * column. Returns how many rows were inserted.
   */
  bulkInsert(client: RawClient, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<number>;
  /**
   * `bulkInsert` of several tables, in this order, in one transaction of its own, on the driver's own
   * connection without the ORM (the hot path of WAF event ingestion, BENCHMARKS.md section g): PostgreSQL
   * one COPY per table on a connection of the shared pool, and when a row's key is stored already (COPY
   * fails then) the whole batch again with one `INSERT … SELECT … ON CONFLICT DO NOTHING` per table; SQLite
   * one prepared single-row INSERT run per row inside `db.$transaction`. Conflicting rows are skipped (ON
   * CONFLICT DO NOTHING); all or nothing. Returns how many rows went into each table.
   *
   * With `after`, it is told which rows went in (each table with `rows` needs its `key`), and the rows it
   * returns are added (UpsertRows) in the same transaction, after the inserts: how ingestion adds an event
   * that arrives for an hour the rollup has already counted (lib/events/rollup-job.ts), a duplicate never.
   * With `gate`, it is asked first in the transaction (before any insert) whether `after` is needed at all:
   * when it answers false, which rows went in is not tracked (no RETURNING) and `after` is not called.
   * With `slot`, the work that touches the database (from taking a connection to the commit) runs inside
   * it, and what only costs this process's CPU (PostgreSQL: the rows as COPY text) before it: how ingestion
   * lets its batches store one at a time without holding the turn while it formats (lib/events/ingest.ts).
   */
  insertBatch(tables: readonly TableRows[], after?: AfterInsert, gate?: InsertGate, slot?: Slot): Promise<number[]>;
  /**
   * Retention: deletes the rows of `table` whose `column` is before `date`, `batchSize` rows per
   * statement (each its own short transaction, so writers are never held up for long: on SQLite the write
   * lock is released after each). Returns how many. `afterBatch`, when given, is awaited after each full
   * batch, before the next one (the caller's pacing, see deleteInBatches); it stops the deletion by
   * answering false. `runBatch`, when given, runs each batch's statement (the caller's turn-taking and timing:
   * it must call the function it is given once and return its result).
   */
  deleteOlderThan(table: string, column: string, date: Date, batchSize: number, afterBatch?: AfterBatch, runBatch?: RunBatch): Promise<number>;
  /**
   * Reclaims the space of deleted rows and refreshes the planner's statistics of `tables` now (PostgreSQL
   * `VACUUM (ANALYZE)`, which autovacuum does in production in its own time; SQLite `ANALYZE`, its freed pages
   * being reused anyway). For the benchmarks, after they delete what they made: dead rows left in the
   * tables and indexes would make the next measurement pay for the previous one.
   */
  vacuum(tables: readonly string[]): Promise<void>;
}

/** The indexed text of an event is cut at this many characters (PostgreSQL refuses a tsvector over 1 MB); both migrations use it. */
export const SEARCH_TEXT_LIMIT = 200_000;

/** Table and column names go into SQL text: only plain identifiers are accepted. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Rows per INSERT: as many as the parameter limit allows, at most `cap`. */
export function rowsPerStatement(columns: number, maxParams: number, cap = 1000): number {
  if (columns < 1) throw new Error("bulkInsert needs at least one column");
  return Math.max(1, Math.min(cap, Math.floor(maxParams / columns)));
}

/** Shared by both dialects: chunked multi-row INSERT … ON CONFLICT DO NOTHING, summing the inserted counts. */
export async function insertInChunks(
  client: RawClient,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  maxParams: number,
  placeholder: (n: number) => string,
  value: (v: unknown) => unknown,
): Promise<number> {
  const head = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) VALUES `;
  const perStatement = rowsPerStatement(columns.length, maxParams);
  let inserted = 0;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const values = chunk.map((row) => {
      if (row.length !== columns.length) throw new Error(`bulkInsert into ${table}: a row has ${row.length} values for ${columns.length} columns`);
      return `(${row.map((v) => (params.push(value(v)), placeholder(params.length))).join(", ")})`;
    });
    inserted += await client.$executeRawUnsafe(`${head}${values.join(", ")} ON CONFLICT DO NOTHING`, ...params);
  }
  return inserted;
}

/** One full batch of deleteOlderThan, with another to follow. */
export type DeletedBatch = { rows: number };
/** Awaited between two batches of deleteOlderThan (the caller's pacing); false stops the deletion there. */
export type AfterBatch = (batch: DeletedBatch) => Promise<boolean | void>;
/** Runs one batch's statement of deleteOlderThan (e.g. when the caller's writers leave it a turn). */
export type RunBatch = (statement: () => Promise<number>) => Promise<number>;

/**
 * Runs one batch after another until a batch deletes fewer than `batchSize` rows, or `afterBatch` (awaited
 * after every full batch) answers false; returns the total.
 */
export async function deleteInBatches(batchSize: number, batch: () => Promise<number>, afterBatch?: AfterBatch, runBatch?: RunBatch): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`deleteOlderThan: batchSize must be a positive integer, got ${batchSize}`);
  let total = 0;
  for (;;) {
    const n = await (runBatch ? runBatch(batch) : batch());
    total += n;
    if (n < batchSize) return total;
    if (afterBatch && (await afterBatch({ rows: n })) === false) return total;
  }
}

/** The text form of a row's key values (`TableRows.key`): the same for the value sent and the value read back. */
export function keyText(values: readonly unknown[]): string {
  return values.map((v) => String(v)).join("\u0000");
}

/** Checks the rows of an upsert: every row has a value per column, and `conflict` and `add` name columns. */
export function checkUpsert(u: UpsertRows): void {
  for (const c of [...u.conflict, u.add]) if (!u.columns.includes(c)) throw new Error(`upsert into ${u.table}: ${JSON.stringify(c)} is not one of its columns`);
  quoteIdent(u.table);
  u.columns.forEach(quoteIdent);
  for (const row of u.rows) if (row.length !== u.columns.length) throw new Error(`upsert into ${u.table}: a row has ${row.length} values for ${u.columns.length} columns`);
}

/** The ON CONFLICT clause of an upsert (the same text on both databases). */
export function upsertClause(u: UpsertRows): string {
  const add = quoteIdent(u.add);
  return `ON CONFLICT (${u.conflict.map(quoteIdent).join(", ")}) DO UPDATE SET ${add} = ${quoteIdent(u.table)}.${add} + excluded.${add}`;
}
