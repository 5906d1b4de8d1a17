// The one place that knows which database runs. DATABASE_URL picks it:
//   file:…          → SQLite (better-sqlite3 driver adapter)
//   postgresql://…  → PostgreSQL (pg driver adapter)
//   unset           → SQLite file prisma/sqlite/dev.db in the project
// Everything else imports `db`, `Tx` and the model types from here and never asks which one it got.
import "server-only";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PostgresClient, Prisma } from "./generated/postgres/client";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client";
import { SQLITE_BUSY_TIMEOUT_MS, waitForLocksAsynchronously } from "./sqlite-lock";

export type DbKind = "sqlite" | "postgres";

/** How long a write waits for SQLite's write lock (held by another process) before "busy, try again". */
export const SQLITE_LOCK_WAIT_MS = 5000;

// The two generated clients have the same API for everything this project uses (the parity and
// integration tests prove it on both databases); the Postgres one serves as the common type.
export type Db = PostgresClient;
export type Tx = Prisma.TransactionClient;
export { Prisma };
export type * from "./generated/postgres/models";
export * from "./generated/postgres/enums";

export const DEFAULT_SQLITE_URL = `file:${path.join(process.cwd(), "prisma", "sqlite", "dev.db")}`;

export function databaseUrl(): string {
  return process.env.DATABASE_URL?.trim() || DEFAULT_SQLITE_URL;
}

export function dbKindOf(url: string): DbKind {
  if (url.startsWith("file:")) return "sqlite";
  if (url.startsWith("postgresql://") || url.startsWith("postgres://")) return "postgres";
  throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(":")[0]}:…"`);
}

export function createDb(url: string = databaseUrl()): Db {
  if (dbKindOf(url) === "postgres") {
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) });
  }
  // A writer waits up to SQLITE_LOCK_WAIT_MS for SQLite's write lock, on timers (lib/db/sqlite-lock.ts);
  // Prisma's wait to start a transaction is longer, so the lock wait decides.
  const adapter = new SqliteAdapterFactory({ url, timeout: SQLITE_BUSY_TIMEOUT_MS });
  const client = new SqliteClient({ adapter, transactionOptions: { maxWait: SQLITE_LOCK_WAIT_MS + 2000 } }) as unknown as Db;
  Object.defineProperty(client, SQLITE_ADAPTER, { value: adapter });
  return client;
}

/**
 * Prisma's better-sqlite3 adapter, remembering the one connection it opens. The adapter runs every
 * statement of a client, and a transaction's BEGIN … COMMIT, on that single connection; so a statement
 * prepared on it inside `db.$transaction` belongs to that transaction. lib/audit/audited.ts uses this
 * for the chain's statements, which Prisma's per-statement overhead made cost more than the change they
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
    waitForLocksAsynchronously(adapter as unknown as Parameters<typeof waitForLocksAsynchronously>[0], connection, SQLITE_LOCK_WAIT_MS);
    return adapter;
  }
}

// Kept on the client under a registered symbol, not in a module-level map: Next.js may load this module
// more than once in one server (one instance per bundle layer), and they share the cached client.
const SQLITE_ADAPTER = Symbol.for("palisade.sqliteAdapter");

/**
 * The better-sqlite3 connection under the shared SQLite client, once it has connected (it has, inside
 * `db.$transaction`); null on PostgreSQL. Only for statements that must run inside a Prisma transaction
 * on SQLite without Prisma's overhead: anything else goes through `db`.
 */
export function sqliteConnection(): Database.Database | null {
  const adapter = (getDb() as unknown as Record<symbol, { connection: Database.Database | null } | undefined>)[SQLITE_ADAPTER];
  return adapter?.connection ?? null;
}

/** DateTime as Prisma's SQLite adapter writes it (its default iso8601 format), for SQL written without Prisma: ORM reads and text comparisons must agree. */
export function sqliteDateText(d: Date): string {
  return d.toISOString().replace("Z", "+00:00");
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

export function dbKind(): DbKind {
  return dbKindOf(databaseUrl());
}

/** `db.x` is the shared client; a Proxy so importing this module opens no connection. */
export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    const client = getDb() as unknown as Record<PropertyKey, unknown>;
    const value = client[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});

export async function disconnectDb(): Promise<void> {
  const cached = globalForDb.palisadeDb;
  globalForDb.palisadeDb = undefined;
  if (cached) await cached.client.$disconnect();
}

/** True when the error is a unique-constraint violation (P2002) on the given field, on either database. */
export function isUniqueViolation(err: unknown, field?: string): boolean {
  if (!(err instanceof Error) || (err as { code?: string }).code !== "P2002") return false;
  if (!field) return true;
  const meta = (err as { meta?: Record<string, unknown> }).meta ?? {};
  return JSON.stringify(meta).includes(field);
}

export { isDatabaseUnavailable, isTransientDbError, readWithRetry, retryingRead } from "./transient";
