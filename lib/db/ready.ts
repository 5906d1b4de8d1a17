// Is the database at DATABASE_URL ready for the panel's code: does it exist, and are all of this
// version's migrations applied? Every command-line tool asks here before its first query, so a newcomer
// who forgot to migrate reads what to run instead of Prisma's "The table `main.AuditChainHead` does not exist".
import fs from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { databaseUrl, dbKindOf } from "./index";
import { loadMigrations, migrationsDir } from "./migrate";
import { plural } from "@/lib/format/plural";

export const MIGRATE_HINT = "Run `npm run db:migrate` (or `npm run db:setup` for a development database, which also creates the demo accounts), then try again.";

export class DatabaseNotMigratedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseNotMigratedError";
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/** The names of this version's migrations that the database has not applied (all of them when it has none). */
async function appliedMigrations(url: string): Promise<Set<string> | "no-database" | "no-table"> {
  const applied = (rows: { migration_name: string }[]) => new Set(rows.map((r) => r.migration_name));
  const query = `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  if (dbKindOf(url) === "sqlite") {
    const file = url.replace(/^file:/, "");
    if (file !== ":memory:" && !fs.existsSync(file)) return "no-database";
    const c = new Database(file, { readonly: true, fileMustExist: true });
    try {
      if (!c.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get()) return "no-table";
      return applied(c.prepare(query).all() as { migration_name: string }[]);
    } finally {
      c.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch (err) {
    if ((err as { code?: string }).code === "3D000") return "no-database"; // invalid_catalog_name
    throw err;
  }
  try {
    const t = await c.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
    if (!t.rows[0]?.t) return "no-table";
    return applied((await c.query<{ migration_name: string }>(query)).rows);
  } finally {
    await c.end();
  }
}

/**
 * Throws DatabaseNotMigratedError, naming the database and the command to run, when the database does
 * not exist or lacks any of this version's migrations. Reads only: it never creates or changes anything.
 */
export async function assertMigrated(url: string = databaseUrl(), root = process.cwd()): Promise<void> {
  const kind = dbKindOf(url);
  const where = `The ${kind === "postgres" ? "PostgreSQL" : "SQLite"} database ${redactUrl(url)}`;
  const state = await appliedMigrations(url);
  if (state === "no-database") {
    throw new DatabaseNotMigratedError(
      kind === "postgres"
        ? `${where} does not exist. Create it (e.g. \`createdb\`), then run \`npm run db:migrate\`.`
        : `${where} does not exist yet. ${MIGRATE_HINT}`,
    );
  }
  if (state === "no-table") throw new DatabaseNotMigratedError(`${where} is not migrated: it has none of Palisade's tables. ${MIGRATE_HINT}`);
  const missing = loadMigrations(migrationsDir(kind, root))
    .map((m) => m.name)
    .filter((m) => !state.has(m));
  if (missing.length) {
    throw new DatabaseNotMigratedError(`${where} is not up to date: ${plural(missing.length, "migration")} not applied (${missing.join(", ")}). ${MIGRATE_HINT}`);
  }
}
