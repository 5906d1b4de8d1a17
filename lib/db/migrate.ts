// Applies prisma/<db>/migrations/*/migration.sql in order and records each in Prisma's own
// `_prisma_migrations` table, row for row as `prisma migrate deploy` would, so that on a machine with
// Prisma's schema engine `prisma migrate status` and `deploy` agree with what ran here.
// Each migration runs in one transaction: a failing migration leaves the database as it was.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { dbKindOf, type DbKind } from "./index";

export type Migration = { name: string; sql: string; checksum: string };
export type MigrateResult = { applied: string[]; alreadyApplied: string[] };

// The key Prisma itself uses for its advisory lock, so this runner and `prisma migrate deploy` exclude each other.
const PRISMA_ADVISORY_LOCK = 72707369;

const DDL: Record<DbKind, string> = {
  postgres: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`,
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
};

export function migrationsDir(kind: DbKind, root = process.cwd()): string {
  return path.join(root, "prisma", kind, "migrations");
}

export function loadMigrations(dir: string): Migration[] {
  if (!fs.existsSync(dir)) throw new Error(`No migrations folder at ${dir}`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

type Row = { migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown };

function plan(migrations: Migration[], rows: Row[]): { todo: Migration[]; done: string[] } {
  const live = rows.filter((r) => r.rolled_back_at == null);
  const failed = live.find((r) => r.finished_at == null);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} started but did not finish. Resolve it by hand (see README, "Migrations") before applying more.`,
    );
  }
  const done = new Map(live.map((r) => [r.migration_name, r.checksum]));
  for (const name of done.keys()) {
    if (!migrations.some((m) => m.name === name)) {
      throw new Error(`The database has migration ${name} applied, which is not in the migrations folder.`);
    }
  }
  for (const m of migrations) {
    const sum = done.get(m.name);
    if (sum && sum !== m.checksum) {
      throw new Error(`Migration ${m.name} was changed after it was applied (checksum differs). Make a new migration instead.`);
    }
  }
  return { todo: migrations.filter((m) => !done.has(m.name)), done: [...done.keys()] };
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
    await client.query(DDL.postgres);
    const { rows } = await client.query<Row>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`);
    const { todo, done } = plan(migrations, rows);
    for (const m of todo) {
      try {
        await client.query("BEGIN");
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${m.name} failed and was rolled back: ${(err as Error).message}`);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: done };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

function migrateSqlite(url: string, migrations: Migration[]): MigrateResult {
  const file = url.replace(/^file:/, "");
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file, { timeout: 5000 });
  try {
    // WAL lets the panel read while another process writes; it is a property of the file and persists.
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec(DDL.sqlite);
    const rows = sqlite.prepare(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`).all() as Row[];
    const { todo, done } = plan(migrations, rows);
    for (const m of todo) {
      const apply = sqlite.transaction(() => {
        sqlite.exec(m.sql);
        const now = Date.now();
        sqlite
          .prepare(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)`,
          )
          .run(randomUUID(), m.checksum, now, m.name, now);
      });
      try {
        apply.immediate();
      } catch (err) {
        throw new Error(`Migration ${m.name} failed and was rolled back: ${(err as Error).message}`);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: done };
  } finally {
    sqlite.close();
  }
}

/** Applies every pending migration for the database at `url`. */
export async function migrate(url: string, root = process.cwd()): Promise<MigrateResult> {
  const kind = dbKindOf(url);
  const migrations = loadMigrations(migrationsDir(kind, root));
  return kind === "postgres" ? migratePostgres(url, migrations) : migrateSqlite(url, migrations);
}
