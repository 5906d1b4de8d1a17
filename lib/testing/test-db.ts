// Fresh databases for tests. One migrated template per run (made once by global-db.ts), then a cheap
// copy per test file: CREATE DATABASE … TEMPLATE on PostgreSQL, a file copy on SQLite.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export type TestDbKind = "sqlite" | "postgres";

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function pgUrl(dbName: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

export function templateName(runId: string): string {
  return `palisade_tpl_${runId}`;
}

export function sqliteRunDir(runId: string): string {
  return path.join(os.tmpdir(), `palisade-test-${runId}`);
}

/** Creates an empty database (no migrations) and returns its URL and a function that drops it. */
export async function createEmptyDatabase(kind: TestDbKind): Promise<{ url: string; drop: () => Promise<void> }> {
  const id = newRunId();
  if (kind === "postgres") {
    const name = `palisade_empty_${id}`;
    await pgAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    return { url: pgUrl(name), drop: () => dropPgDatabase(name) };
  }
  const dir = sqliteRunDir(`empty-${id}`);
  fs.mkdirSync(dir, { recursive: true });
  return { url: `file:${path.join(dir, "test.db")}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function dropPgDatabase(name: string): Promise<void> {
  await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** A copy of the run's migrated template for one test file. */
export async function cloneTemplate(kind: TestDbKind, runId: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const id = randomBytes(4).toString("hex");
  if (kind === "postgres") {
    const name = `palisade_t_${runId}_${id}`;
    await pgAdmin(async (c) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName(runId)}"`);
          return;
        } catch (err) {
          // Two files cloning at the same instant: PostgreSQL refuses the second while the first copies.
          if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        }
      }
    });
    return { url: pgUrl(name), drop: () => dropPgDatabase(name) };
  }
  const dir = sqliteRunDir(runId);
  const file = path.join(dir, `t-${id}.db`);
  fs.copyFileSync(path.join(dir, "template.db"), file);
  return {
    url: `file:${file}`,
    drop: async () => {
      for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(file + suffix, { force: true });
    },
  };
}
