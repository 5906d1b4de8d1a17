// What a spec can read from its project's e2e database without going through the panel: the row count
// of every table and the audit chain head, straight from the driver (no Prisma, no audit row).
import Database from "better-sqlite3";
import pg from "pg";
import type { E2eDatabase } from "./databases";

export type DbSnapshot = { rowCounts: Record<string, number>; chainHead: unknown[] };

export async function snapshot(d: E2eDatabase): Promise<DbSnapshot> {
  const rowCounts: Record<string, number> = {};
  if (d.kind === "sqlite") {
    const c = new Database(d.file, { readonly: true, fileMustExist: true });
    try {
      const tables = c.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
      for (const { name } of tables) rowCounts[name] = (c.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
      return { rowCounts, chainHead: c.prepare(`SELECT * FROM "AuditChainHead" ORDER BY id`).all() };
    } finally {
      c.close();
    }
  }
  const c = new pg.Client({ connectionString: d.url });
  await c.connect();
  try {
    const tables = await c.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    for (const { name } of tables.rows) rowCounts[name] = Number((await c.query(`SELECT count(*) AS n FROM "${name}"`)).rows[0].n);
    return { rowCounts, chainHead: (await c.query(`SELECT * FROM "AuditChainHead" ORDER BY id`)).rows };
  } finally {
    await c.end();
  }
}

/** Runs one SQL statement on the project's database, behind the panel's back (for specs that stage a state the panel cannot make). */
export async function execSql(d: E2eDatabase, sql: string, params: unknown[] = []): Promise<void> {
  if (d.kind === "sqlite") {
    const c = new Database(d.file, { fileMustExist: true, timeout: 5000 });
    try {
      c.prepare(sql.replace(/\$\d+/g, "?")).run(...params);
    } finally {
      c.close();
    }
    return;
  }
  const c = new pg.Client({ connectionString: d.url });
  await c.connect();
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/**
 * Inserts one row behind the panel's back, its values stored as Prisma stores them on that database
 * (SQLite: ISO date text with +00:00, booleans 0/1, JSON as text), for specs that stage data the panel
 * only receives from elsewhere (WAF events from the nodes: e2e/waf-events.ts).
 */
export async function insertRow(d: E2eDatabase, table: string, row: Record<string, unknown>): Promise<void> {
  if (!/^[A-Za-z_]\w*$/.test(table)) throw new Error(`not a table name: ${table}`);
  const columns = Object.keys(row);
  const value = (v: unknown) => {
    if (d.kind !== "sqlite") return v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v;
    if (v instanceof Date) return v.toISOString().replace("Z", "+00:00");
    if (typeof v === "boolean") return v ? 1 : 0;
    return v !== null && typeof v === "object" ? JSON.stringify(v) : v;
  };
  await execSql(d, `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(",")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(",")})`, columns.map((c) => value(row[c])));
}
