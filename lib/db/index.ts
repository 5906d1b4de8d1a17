// The one place that knows which database runs. DATABASE_URL picks it:
//   file:…          → SQLite (better-sqlite3 driver adapter)
//   postgresql://…  → PostgreSQL (pg driver adapter)
//   unset           → SQLite file prisma/sqlite/dev.db in the project
// Everything else imports `db`, `Tx`, `dialect()` and the model types from here and never asks which one
// it got: what differs (SQL fragments, limits, the audit chain's fast paths, bulk insert, retention) is
// the dialect's (lib/db/dialect), and lib/db/boundary.test.ts fails when a file outside lib/db imports a
// driver or branches on the provider.
//
// Typing: `Db` is the *SQLite* client's type, the narrower of the two generated APIs for this schema (no
// `skipDuplicates`, only the Serializable isolation level…), so a PostgreSQL-only ORM call made anywhere
// fails to compile instead of failing on SQLite at run time (lib/db/types.test.ts proves it). The
// PostgreSQL client does everything that API offers, and is cast to it once, in createDb. (A union of the
// two clients would make every call site uncallable for TypeScript; an intersection would admit the
// PostgreSQL-only calls again.) Raw SQL that differs by database comes from the dialect only.
import "server-only";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { CHECKPOINT_SAFETY_PAGES, startCheckpointer } from "./checkpointer";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient as PostgresClient } from "./generated/postgres/client";
import { PrismaClient as SqliteClient, Prisma } from "./generated/sqlite/client";
import type { Dialect } from "./dialect";
import { postgresDialect } from "./dialect/postgres";
import { sqliteDialect } from "./dialect/sqlite";
import { SQLITE_BUSY_TIMEOUT_MS, waitForLocksAsynchronously } from "./sqlite-lock";
import { openSqliteReader, pgReadRows, sqliteReaderOn, type ReadRow, type SqliteReader } from "./read";

export type DbKind = "sqlite" | "postgres";

/** How long a write waits for SQLite's write lock (held by another process) before "busy, try again". */
export const SQLITE_LOCK_WAIT_MS = 5000;

// The narrower API of the two (see the first comment); the parity and integration tests prove the rest on both databases.
export type Db = SqliteClient;
export type Tx = Prisma.TransactionClient;
export { Prisma };
export type * from "./generated/sqlite/models";
export * from "./generated/sqlite/enums";

export const DEFAULT_SQLITE_URL = `file:${path.join(process.cwd(), "prisma", "sqlite", "dev.db")}`;

export function databaseUrl(): string {
  return process.env.DATABASE_URL?.trim() || DEFAULT_SQLITE_URL;
}

/** "postgres postgresql://user:***@host/db" or "sqlite file:…": which database, for a command's output (password hidden). */
export function databaseLabel(url: string = databaseUrl()): string {
  return `${dbKindOf(url)} ${url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")}`;
}

export function dbKindOf(url: string): DbKind {
  if (url.startsWith("file:")) return "sqlite";
  if (url.startsWith("postgresql://") || url.startsWith("postgres://")) return "postgres";
  throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(":")[0]}:…"`);
}

export function createDb(url: string = databaseUrl()): Db {
  if (dbKindOf(url) === "postgres") {
    const adapter = new PgAdapterFactory({ connectionString: url });
    const client = new PostgresClient({ adapter }) as unknown as Db;
    Object.defineProperty(client, PG_ADAPTER, { value: adapter });
    return client;
  }
  // A writer waits up to SQLITE_LOCK_WAIT_MS for SQLite's write lock, on timers (lib/db/sqlite-lock.ts);
  // Prisma's wait to start a transaction is longer, so the lock wait decides.
  const adapter = new SqliteAdapterFactory({ url, timeout: SQLITE_BUSY_TIMEOUT_MS });
  const client: Db = new SqliteClient({ adapter, transactionOptions: { maxWait: SQLITE_LOCK_WAIT_MS + 2000 } });
  Object.defineProperty(client, SQLITE_ADAPTER, { value: adapter });
  return client;
}

/**
 * Prisma's better-sqlite3 adapter, remembering the one connection it opens. The adapter runs every
 * statement of a client, and a transaction's BEGIN … COMMIT, on that single connection; so a statement
 * prepared on it inside `db.$transaction` belongs to that transaction. The SQLite dialect uses this
 * for the audit chain's statements, which Prisma's per-statement overhead made cost more than the change they
 * record (BENCHMARKS.md, section b).
 */
class SqliteAdapterFactory extends PrismaBetterSqlite3 {
  connection: Database.Database | null = null;
  override async connect() {
    const adapter = await super.connect();
    // Not part of the adapter's typed API: checked here, so an adapter that changes fails loudly.
    const connection = (adapter as unknown as { client?: unknown }).client;
    if (!(connection instanceof Database)) throw new Error("@prisma/adapter-better-sqlite3 no longer exposes its connection: update lib/db (SqliteAdapterFactory).");
    this.connection = connection;
    // Readers never wait for a writer in WAL mode. Migrations set it (it is a property of the file);
    // a database made some other way gets it here, when nobody else holds it.
    if (!connection.memory && String(connection.pragma("journal_mode", { simple: true })).toLowerCase() !== "wal") {
      try {
        connection.pragma("journal_mode = WAL");
      } catch {
        // another process has it open in the old mode: reads may then wait behind writes, nothing breaks
      }
    }
    // In WAL mode, NORMAL syncs the log at checkpoints instead of at every commit: a commit no longer blocks
    // the panel's one thread on an fsync (SQLite's documented setting for WAL; a power cut may lose the last
    // commits, never the database's consistency). PALISADE_SQLITE_SYNCHRONOUS=full keeps the fsync per commit.
    if (!connection.memory) connection.pragma(`synchronous = ${process.env.PALISADE_SQLITE_SYNCHRONOUS?.trim().toLowerCase() === "full" ? "FULL" : "NORMAL"}`);
    // The writes' cost is pages: a batch of WAF events updates index pages all over the file (random ids),
    // and SQLite's default page cache (2 MB) read each one back with a system call, and a checkpoint every
    // 1,000 pages (4 MB of log) copied the same hot pages into the file again and again. A 64 MiB cache, the
    // file mapped into memory (reads without a system call; the OS shares those pages, up to 1 GiB) and a
    // checkpoint every 10,000 pages (40 MB of log): 2,154 → 3,697 events/s in-process on this 2-core machine
    // (BENCHMARKS.md g). A checkpoint then takes longer, ten times less often — and since the tenth session it
    // runs on a worker thread every half second, not inside a commit on this one (+25–30 % events/s).
    if (!connection.memory) {
      connection.pragma("cache_size = -65536");
      connection.pragma("mmap_size = 1073741824");
      connection.pragma("wal_autocheckpoint = 10000");
      // The checkpoints' syncs on a worker thread (lib/db/checkpointer.ts); this connection only as a safety net.
      const checkpointer = startCheckpointer(connection.name, () => {
        if (connection.open) connection.pragma("wal_autocheckpoint = 10000");
      });
      if (checkpointer) {
        connection.pragma(`wal_autocheckpoint = ${CHECKPOINT_SAFETY_PAGES}`);
        const dispose = adapter.dispose.bind(adapter);
        adapter.dispose = async () => {
          await checkpointer.stop();
          return dispose();
        };
      }
    }
    waitForLocksAsynchronously(adapter as unknown as Parameters<typeof waitForLocksAsynchronously>[0], connection, SQLITE_LOCK_WAIT_MS);
    return adapter;
  }
}

/**
 * Prisma's pg adapter, remembering the pool it opens (the adapter's public `underlyingDriver()`). The
 * PostgreSQL dialect borrows a connection of that same pool for the WAF events' batch insert, which the ORM
 * made cost twice the statements themselves (BENCHMARKS.md, section g): no second pool, no more connections.
 */
class PgAdapterFactory extends PrismaPg {
  pool: pg.Pool | null = null;
  override async connect() {
    const adapter = await super.connect();
    this.pool = adapter.underlyingDriver();
    return adapter;
  }
}
const PG_ADAPTER = Symbol.for("palisade.pgAdapter");

/** The pg pool under the shared PostgreSQL client, connecting the client first if it has not yet. */
async function pgPool(): Promise<pg.Pool> {
  const client = getDb();
  const adapter = (client as unknown as Record<symbol, { pool: pg.Pool | null } | undefined>)[PG_ADAPTER];
  if (!adapter) throw new Error("The shared client is not a PostgreSQL client.");
  if (!adapter.pool) await client.$connect();
  if (!adapter.pool) throw new Error("@prisma/adapter-pg did not open its pool on $connect: update lib/db (PgAdapterFactory).");
  return adapter.pool;
}

// Kept on the client under a registered symbol, not in a module-level map: Next.js may load this module
// more than once in one server (one instance per bundle layer), and they share the cached client.
const SQLITE_ADAPTER = Symbol.for("palisade.sqliteAdapter");

/**
 * The better-sqlite3 connection under the shared SQLite client, once it has connected (it has, inside
 * `db.$transaction`); null on PostgreSQL. Only for the SQLite dialect's statements that must run inside
 * a Prisma transaction without Prisma's overhead: anything else goes through `db`.
 */
function sqliteConnection(): Database.Database | null {
  const adapter = (getDb() as unknown as Record<symbol, { connection: Database.Database | null } | undefined>)[SQLITE_ADAPTER];
  return adapter?.connection ?? null;
}

const globalForDb = globalThis as unknown as { palisadeDb?: { url: string; client: Db } };

/** The shared client for DATABASE_URL, created on first use and cached across hot reloads. */
export function getDb(): Db {
  const url = databaseUrl();
  const cached = globalForDb.palisadeDb;
  if (cached && cached.url === url) return cached.client;
  const client = createDb(url);
  globalForDb.palisadeDb = { url, client };
  return client;
}

/**
 * Which database DATABASE_URL names. For lib/db itself and for test setup only (a test may skip a
 * database-specific case): everything else asks `dialect()` for what differs (lib/db/boundary.test.ts).
 */
export function dbKind(): DbKind {
  return dbKindOf(databaseUrl());
}

const DIALECTS: Record<DbKind, Dialect> = {
  postgres: postgresDialect(() => getDb(), pgPool),
  sqlite: sqliteDialect(() => getDb(), sqliteConnection, SQLITE_LOCK_WAIT_MS),
};

/** What differs between the databases (SQL fragments, limits, fast paths) for the database in DATABASE_URL. */
export function dialect(): Dialect {
  return DIALECTS[dbKind()];
}

/** The dialect of the database `url` names (tools that open a database by URL). */
export function dialectOf(url: string): Dialect {
  return DIALECTS[dbKindOf(url)];
}

/** `db.x` is the shared client; a Proxy so importing this module opens no connection. */
export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    const client = getDb() as unknown as Record<PropertyKey, unknown>;
    const value = client[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});

const SQLITE_READER = Symbol.for("palisade.sqliteReader");

/** The query-only SQLite connection of `client` (lib/db/read.ts), opened on first use and kept on the client. */
async function sqliteReader(client: Db, url: string): Promise<SqliteReader> {
  const holder = client as unknown as Record<symbol, SqliteReader | undefined>;
  const existing = holder[SQLITE_READER];
  if (existing) return existing;
  const file = url.slice("file:".length);
  let reader: SqliteReader;
  if (file === "" || file.startsWith(":memory:") || file.includes("mode=memory")) {
    // A second connection would open another, empty database: read on the ORM's own.
    await client.$connect();
    const connection = sqliteConnection();
    if (!connection) throw new Error("The SQLite connection did not open on $connect: update lib/db (SqliteAdapterFactory).");
    reader = sqliteReaderOn(connection, SQLITE_LOCK_WAIT_MS);
  } else {
    reader = openSqliteReader(file, SQLITE_LOCK_WAIT_MS);
  }
  // Another caller may have opened one meanwhile (no await separates the check from here on a file database).
  const raced = holder[SQLITE_READER];
  if (raced) {
    reader.close();
    return raced;
  }
  Object.defineProperty(client, SQLITE_READER, { value: reader, configurable: true });
  return reader;
}

/**
 * One read-only statement (it must begin with SELECT) on the bare driver, for page queries where Prisma's
 * fixed cost per query would be most of the time (lib/db/read.ts). Values are bound as parameters. Rows as
 * the driver gives them: DateTime as Date (PostgreSQL) or ISO text (SQLite), integers as numbers (SQLite)
 * and bigint as text (PostgreSQL), as `$queryRaw` differed; outside any transaction, committed data only.
 * Not retried here: wrap the query function in `retryingRead`.
 */
export async function readRows<T = ReadRow>(sql: Prisma.Sql): Promise<T[]> {
  const url = databaseUrl();
  if (dbKindOf(url) === "postgres") return (await pgReadRows(await pgPool(), sql)) as T[];
  return (await (await sqliteReader(getDb(), url)).all(sql)) as T[];
}

export async function disconnectDb(): Promise<void> {
  const cached = globalForDb.palisadeDb;
  globalForDb.palisadeDb = undefined;
  if (!cached) return;
  const holder = cached.client as unknown as Record<symbol, SqliteReader | undefined>;
  holder[SQLITE_READER]?.close();
  if (holder[SQLITE_READER]) delete holder[SQLITE_READER];
  await cached.client.$disconnect();
}

/** True when the error is a unique-constraint violation (P2002) on the given field, on either database. */
export function isUniqueViolation(err: unknown, field?: string): boolean {
  if (!(err instanceof Error) || (err as { code?: string }).code !== "P2002") return false;
  if (!field) return true;
  const meta = (err as { meta?: Record<string, unknown> }).meta ?? {};
  return JSON.stringify(meta).includes(field);
}

export type { AfterBatch, AfterInsert, AuditEventRow, ChainHead, DeletedBatch, Dialect, RawClient, InsertGate, SearchPhrase, SharedRead, TableRows, UpsertRows } from "./dialect";
export type { ReadRow } from "./read";
export { AUDIT_EVENT_COLUMNS } from "./dialect";
export { isDatabaseUnavailable, isTransientDbError, readWithRetry, retryingRead } from "./transient";
