// Read-only statements on the bare driver, without Prisma, for page queries whose statement costs less than
// Prisma's fixed cost per query (the /events list on SQLite: 0.4–0.6 ms statements, 0.5–1.1 ms of Prisma
// around each; BENCHMARKS.md part l). Only lib/db opens the drivers (lib/db/boundary.test.ts), so the helper is
// here; lib/db/index.ts exports it as `readRows` and decides which of the two below runs.
//
// - SQLite: a connection of its own on the same file, opened once per client, `query_only` (SQLite refuses
//   any write on it), statements prepared once per SQL text. Its own connection, not the ORM's: that one also
//   carries the ORM's open transactions, whose uncommitted rows a read on it would see; this one reads the
//   last committed state (WAL: never waiting for a writer). SQLITE_BUSY is waited for on timers, as the
//   ORM's connection does (lib/db/sqlite-lock.ts), then let through (a transient error: retryingRead).
// - PostgreSQL: a connection of the ORM's own pg pool (as the dialect's insertBatch borrows one), one
//   unnamed extended-protocol query.
//
// Values are bound as parameters, never spliced into the text (a Prisma.Sql carries them apart), and only
// one statement, beginning with SELECT, is taken. The rows come back as each driver gives them: on PostgreSQL
// timestamptz as Date, uuid and bigint as text; on SQLite DateTime as the adapter's ISO text, integers as
// numbers. Callers normalise (as they did with $queryRaw, which also differed by database).
import Database from "better-sqlite3";
import type pg from "pg";
import type { Prisma } from "./generated/sqlite/client";
import { sqliteValue } from "./dialect/sqlite";
import { SQLITE_BUSY_TIMEOUT_MS, whileBusy } from "./sqlite-lock";

export type ReadRow = Record<string, unknown>;

/** Only a statement that begins with SELECT: a WITH may carry a data-modifying statement (PostgreSQL), so it is refused too. */
const READ_ONLY = /^\s*SELECT\b/i;

export function assertSelect(text: string): void {
  if (!READ_ONLY.test(text)) throw new Error(`readRows takes one SELECT statement; got "${text.trim().slice(0, 40)}…"`);
}

/** Statements prepared per SQL text; the texts are the callers' own (values are parameters), so few, but bounded anyway. */
const STATEMENT_CACHE = 200;

export type SqliteReader = {
  all(sql: Prisma.Sql): Promise<ReadRow[]>;
  close(): void;
};

/** A query-only connection on the SQLite file `file`; `waitMs` is how long a statement waits out SQLITE_BUSY on timers. */
export function openSqliteReader(file: string, waitMs: number): SqliteReader {
  const connection = new Database(file, { fileMustExist: true });
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  connection.pragma("query_only = ON");
  return sqliteReaderOn(connection, waitMs, () => connection.close());
}

/**
 * The same reader on a connection that exists already (an in-memory database, which a second connection
 * would not see): integers as numbers on its statements whatever the connection's default.
 */
export function sqliteReaderOn(connection: Database.Database, waitMs: number, close: () => void = () => {}): SqliteReader {
  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    let s = statements.get(text);
    if (s) return s;
    s = connection.prepare(text);
    if (!s.reader) throw new Error("readRows takes statements that return rows only");
    s.safeIntegers(false);
    if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
    statements.set(text, s);
    return s;
  };
  return {
    async all(sql) {
      const text = sql.sql; // built on each access
      assertSelect(text);
      const args = sql.values.map(sqliteValue);
      return whileBusy(() => prepare(text).all(...args) as ReadRow[], waitMs);
    },
    close,
  };
}

/** As the pg driver takes them: JSON values as text, undefined as NULL, Dates and scalars as they are. */
function pgValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v !== null && typeof v === "object" && !(v instanceof Date) && !Buffer.isBuffer(v)) return JSON.stringify(v);
  return v;
}

/** One read-only statement on a connection of `pool`. */
export async function pgReadRows(pool: pg.Pool, sql: Prisma.Sql): Promise<ReadRow[]> {
  const text = sql.text; // built on each access
  assertSelect(text);
  // Always the extended protocol: one statement only. (pg sends a query without values as a simple query,
  // which runs every statement of "SELECT 1; DELETE …".) `queryMode` is pg's, missing from its types.
  const query = { text, values: sql.values.map(pgValue), queryMode: "extended" } as pg.QueryConfig;
  return (await pool.query<ReadRow>(query)).rows;
}
