// The bare drivers (pg, better-sqlite3) behind one small interface, for the scale seed's bulk inserts and
// for the benchmarks' floor: the same SQL without Prisma. In lib/db because it opens the drivers (only
// lib/db may: lib/db/boundary.test.ts). Values are written in the form Prisma's adapters write them
// (SQLite: ISO dates with "+00:00", booleans 0/1, JSON as text), so Prisma reads the seeded rows exactly
// like its own.
import Database from "better-sqlite3";
import pg from "pg";
import { rowsPerStatement, type Dialect } from "./dialect";
import type { Prisma } from "./generated/sqlite/client";
import { sqliteValue } from "./dialect/sqlite";
import { dbKindOf, dialectOf } from "./index";
import { assertMigrated as assertDbMigrated, MIGRATE_HINT } from "./ready";

export type Row = Record<string, unknown>;

export interface RawDb {
  /** What differs on this database (names, SQL fragments, limits). */
  dialect: Dialect;
  /** "PostgreSQL 15.4" or "SQLite 3.46.0". */
  version(): Promise<string>;
  /** Appended to a SELECT inside `transaction` to lock the rows it reads (SQLite's BEGIN IMMEDIATE already holds the write lock). */
  forUpdate: string;
  /** Fresh planner statistics after a bulk load, as autovacuum would gather shortly after (nothing on SQLite, which has no autovacuum to imitate). */
  analyze(): Promise<void>;
  /** A Prisma.Sql as this driver's SQL text and parameters (what `query` and Prisma's `$queryRawUnsafe` take on this database). */
  text(sql: Prisma.Sql): { sql: string; params: unknown[] };
  /** `sql` uses $1, $2… placeholders on both databases (or ? on SQLite). */
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Inserts rows into `table`, several per statement. */
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** The database server's processes serving this database (PostgreSQL's backends), for the benchmarks' CPU accounting; none for SQLite, which runs in the caller's process. */
  serverPids(): Promise<number[]>;
  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE on SQLite, so the write lock is taken first). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const toSqlite = sqliteValue;

function toPg(v: unknown): unknown {
  if (v !== null && typeof v === "object" && !(v instanceof Date)) return JSON.stringify(v);
  return v === undefined ? null : v;
}

const quote = (c: string) => `"${c}"`;

export async function openRaw(url: string): Promise<RawDb> {
  const dialect = dialectOf(url);
  if (dbKindOf(url) === "postgres") {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      dialect,
      text: (sql) => ({ sql: sql.text, params: [...sql.values] }),
      forUpdate: " FOR UPDATE",
      async version() {
        const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
        return `PostgreSQL ${rows[0]!.v.split(" ")[0]}`;
      },
      async analyze() {
        await client.query("ANALYZE");
      },
      async serverPids() {
        const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
        return rows.map((r) => r.pid);
      },
      async query<T>(sql: string, params: unknown[] = []) {
        return (await client.query(sql, params.map(toPg))).rows as T[];
      },
      async insert(table, columns, rows) {
        const perStatement = rowsPerStatement(columns.length, dialect.limits.maxParams);
        for (let start = 0; start < rows.length; start += perStatement) {
          const chunk = rows.slice(start, start + perStatement);
          const params: unknown[] = [];
          const values = chunk.map((row) => `(${row.map((v) => (params.push(toPg(v)), `$${params.length}`)).join(",")})`);
          await client.query(`INSERT INTO ${quote(table)} (${columns.map(quote).join(",")}) VALUES ${values.join(",")}`, params);
        }
      },
      async transaction(fn) {
        await client.query("BEGIN");
        try {
          const result = await fn();
          await client.query("COMMIT");
          return result;
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
      },
      close: () => client.end(),
    };
  }
  const file = url.slice("file:".length);
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    throw new Error(`Cannot open the SQLite database ${file}: ${(err as Error).message}. Create it with \`DATABASE_URL=${url} npm run db:migrate\`.`);
  }
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 10000");
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    dialect,
    text: (sql) => ({ sql: sql.sql, params: [...sql.values] }),
    forUpdate: "",
    async version() {
      return `SQLite ${(db.prepare(`SELECT sqlite_version() AS v`).get() as { v: string }).v}`;
    },
    async analyze() {},
    serverPids: async () => [],
    async query<T>(sql: string, params: unknown[] = []) {
      // $n → ? with the arguments in order of appearance (better-sqlite3 binds ? by position).
      const order: number[] = [];
      const s = prepare(sql.replace(/\$(\d+)/g, (_, n: string) => (order.push(Number(n) - 1), "?")));
      // SQL written with ? already (Prisma.Sql's .sql) keeps its arguments as given.
      const args = (order.length ? order.map((i) => params[i]) : params).map(toSqlite);
      return (s.reader ? s.all(...args) : (s.run(...args), [])) as T[];
    },
    async insert(table, columns, rows) {
      const s = prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(",")}) VALUES (${columns.map(() => "?").join(",")})`);
      for (const row of rows) s.run(...row.map(toSqlite));
    },
    async transaction(fn) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn();
        db.exec("COMMIT");
        return result;
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      }
    },
    close: async () => {
      db.close();
    },
  };
}

/**
 * Throws a message saying what to do when the database is not migrated (or misses migrations this
 * checkout has), instead of failing later on a missing table.
 */
/** The database is migrated (lib/db/ready.ts says what to run if not) and its audit chain head exists. */
export async function assertMigrated(raw: RawDb, url: string): Promise<void> {
  await assertDbMigrated(url);
  const head = await raw.query(`SELECT "lastSeq" FROM "AuditChainHead" WHERE id = 1`);
  if (head.length === 0) throw new Error(`The audit chain head row (AuditChainHead id 1) is missing: the database was not set up by the migrations. ${MIGRATE_HINT}`);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
