// The SQL migrations must build exactly the database the Prisma schema describes. Prisma's own
// `migrate diff` cannot run here (no schema engine offline), so this test does its job: apply every
// migration to an empty database, read back what the database has, and compare it with what the
// schema says, fact by fact. Runs once per database (int-sqlite, int-postgres).
//
// Each fact is a line like `column User.email` → `text NOT NULL`; the expected facts come from the
// schema through the explicit mapping tables below, the actual ones from the catalog. A failure
// lists what is missing, unexpected or different.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyDatabase, type TestDbKind } from "../testing/test-db";
import { migrate, migrationsDir } from "./migrate";
import { columnFields, formatNativeType, formatValue, parsePrismaSchema, type PrismaField, type PrismaModel, type PrismaSchema } from "@/lib/testing/prisma-schema";

const kind = (process.env.TEST_DB ?? "sqlite") as TestDbKind;
const schema = parsePrismaSchema(fs.readFileSync(path.join(process.cwd(), "prisma", kind, "schema.prisma"), "utf8"));

// ---------------------------------------------------------------------------------------------
// What the schema says, in the database's own terms.

/** Prisma type (+ native type) → the column type the database reports. Anything else is refused. */
const SQL_TYPES: Record<TestDbKind, Record<string, string>> = {
  postgres: {
    String: "text",
    "String @db.Uuid": "uuid",
    Int: "integer",
    BigInt: "bigint",
    Float: "double precision",
    Boolean: "boolean",
    DateTime: "timestamp without time zone(3)",
    "DateTime @db.Timestamptz(3)": "timestamp with time zone(3)",
    Json: "jsonb",
    Bytes: "bytea",
  },
  sqlite: {
    String: "TEXT",
    Int: "INTEGER",
    BigInt: "BIGINT",
    Float: "REAL",
    Boolean: "BOOLEAN",
    DateTime: "DATETIME",
    Json: "JSONB",
    Bytes: "BLOB",
  },
};

// Defaults Prisma Client fills in itself: the database has no default for them.
const CLIENT_SIDE_DEFAULTS = ["uuid", "cuid", "nanoid", "ulid"];

const PRISMA_ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

type Facts = Map<string, string>;

// Full-text search over audit events (migration 20261124090000_audit_search, see lib/db/dialect):
// objects a Prisma schema cannot describe. They are expected by name; SQLite's FTS5 tables are not
// inspected further (their columns belong to FTS5).
const SEARCH_FACTS: Record<TestDbKind, [string, string][]> = {
  postgres: [["index AuditEvent.AuditEvent_search_idx", "(<expression>) USING gin"]],
  sqlite: ["AuditEventSearch", "AuditEventSearch_data", "AuditEventSearch_idx", "AuditEventSearch_docsize", "AuditEventSearch_config"].map(
    (name) => [`table ${name}`, "BASE TABLE"],
  ),
};
const SQLITE_SEARCH_TABLES = new Set(SEARCH_FACTS.sqlite.map(([fact]) => fact.slice("table ".length)));

function where(m: PrismaModel, f: PrismaField): string {
  return `${m.name}.${f.name}`;
}

function expectedType(m: PrismaModel, f: PrismaField): string {
  if (f.list) throw new Error(`${where(m, f)}: no SQL type mapping for lists; add one to SQL_TYPES`);
  if (f.kind === "enum") return kind === "postgres" ? `USER-DEFINED "${f.type}"` : "TEXT";
  const key = [f.type, formatNativeType(f.nativeType)].filter(Boolean).join(" ");
  const t = SQL_TYPES[kind][key];
  if (!t) throw new Error(`${where(m, f)}: no ${kind} SQL type mapping for "${key}"; add one to SQL_TYPES`);
  return t;
}

function expectedDefault(m: PrismaModel, f: PrismaField): string | null {
  const d = f.default;
  if (!d) return null;
  if (d.kind === "call" && d.args.length === 0) {
    if (d.name === "now") return "CURRENT_TIMESTAMP";
    if (CLIENT_SIDE_DEFAULTS.includes(d.name)) return null;
    if (d.name === "autoincrement") return kind === "postgres" ? `nextval('"${m.dbName}_${f.dbName}_seq"'::regclass)` : null; // SQLite: AUTOINCREMENT, see below
  }
  if (d.kind === "boolean" || d.kind === "number") return String(d.value);
  if (d.kind === "ref" && f.kind === "enum") return kind === "postgres" ? `'${d.name}'::"${f.type}"` : `'${d.name}'`;
  if (d.kind === "string") {
    const quoted = `'${d.value.replaceAll("'", "''")}'`;
    return kind === "postgres" ? `${quoted}::${expectedType(m, f)}` : quoted;
  }
  throw new Error(`${where(m, f)}: no expected SQL default for @default(${formatValue(d)}); add it to expectedDefault`);
}

/** Prisma writes AUTOINCREMENT on SQLite for every single-column Int primary key, with or without @default(autoincrement()). */
function sqliteAutoincrement(m: PrismaModel, f: PrismaField): boolean {
  return kind === "sqlite" && m.primaryKey?.fields.length === 1 && m.primaryKey.fields[0] === f.name && f.type === "Int";
}

function column(type: string, notNull: boolean, dflt: string | null, autoincrement: boolean): string {
  return `${type}${notNull ? " NOT NULL" : " NULL"}${dflt !== null ? ` DEFAULT ${dflt}` : ""}${autoincrement ? " AUTOINCREMENT" : ""}`;
}

function index(unique: boolean, columns: string[], extra = ""): string {
  return `${unique ? "UNIQUE " : ""}(${columns.join(", ")})${extra}`;
}

function expectedFacts(s: PrismaSchema): Facts {
  const facts: Facts = new Map([["table _prisma_migrations", "BASE TABLE"], ...SEARCH_FACTS[kind]]);
  if (kind === "postgres") for (const e of s.enums) facts.set(`enum ${e.name}`, e.values.join(", "));
  for (const m of s.models) {
    const t = m.dbName;
    const col = (field: string) => m.fields.find((f) => f.name === field)!.dbName;
    facts.set(`table ${t}`, "BASE TABLE");
    for (const f of columnFields(m)) {
      facts.set(`column ${t}.${f.dbName}`, column(expectedType(m, f), !f.optional, expectedDefault(m, f), sqliteAutoincrement(m, f)));
      if (f.unique) facts.set(`index ${t}.${t}_${f.dbName}_key`, index(true, [f.dbName]));
    }
    if (m.primaryKey) {
      const cols = m.primaryKey.fields.map(col);
      facts.set(`primary key ${t}`, kind === "postgres" ? `${m.primaryKey.map ?? `${t}_pkey`} (${cols.join(", ")})` : `(${cols.join(", ")})`);
    }
    for (const [list, unique, suffix] of [[m.uniques, true, "key"], [m.indexes, false, "idx"]] as const) {
      for (const i of list) {
        const cols = i.fields.map(col);
        facts.set(`index ${t}.${i.map ?? `${t}_${cols.join("_")}_${suffix}`}`, index(unique, cols));
      }
    }
    for (const f of m.fields) {
      const r = f.relation;
      if (!r || r.fields.length === 0) continue;
      const target = s.models.find((o) => o.name === f.type)!;
      const cols = r.fields.map(col);
      const refs = r.references.map((ref) => target.fields.find((o) => o.name === ref)!.dbName);
      // Prisma's defaults: SetNull when the relation is optional, else Restrict; onUpdate Cascade.
      const optional = r.fields.some((name) => m.fields.find((o) => o.name === name)!.optional);
      const onDelete = PRISMA_ACTIONS[r.onDelete ?? (optional ? "SetNull" : "Restrict")];
      const onUpdate = PRISMA_ACTIONS[r.onUpdate ?? "Cascade"];
      const name = kind === "postgres" ? `${r.map ?? `${t}_${cols.join("_")}_fkey`} ` : "";
      facts.set(`foreign key ${t}(${cols.join(", ")})`, `${name}→ ${target.dbName}(${refs.join(", ")}) ON DELETE ${onDelete} ON UPDATE ${onUpdate}`);
    }
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// What the database has.

const PG_ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function postgresFacts(url: string): Promise<Facts> {
  return withPg(url, async (c) => {
    const facts: Facts = new Map();
    const skip = (table: string) => table === "_prisma_migrations";

    const tables = await c.query<{ table_name: string; table_type: string }>(
      `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    for (const r of tables.rows) facts.set(`table ${r.table_name}`, r.table_type);

    const enums = await c.query<{ name: string; labels: string[] }>(
      `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname`,
    );
    for (const r of enums.rows) facts.set(`enum ${r.name}`, r.labels.join(", "));

    const columns = await c.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      datetime_precision: number | null;
      is_nullable: "YES" | "NO";
      column_default: string | null;
    }>(
      `SELECT table_name, column_name, data_type, udt_name, datetime_precision, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    for (const r of columns.rows) {
      if (skip(r.table_name)) continue;
      const type =
        r.data_type === "USER-DEFINED"
          ? `USER-DEFINED "${r.udt_name}"`
          : r.data_type.startsWith("timestamp")
            ? `${r.data_type}(${r.datetime_precision})`
            : r.data_type;
      facts.set(`column ${r.table_name}.${r.column_name}`, column(type, r.is_nullable === "NO", r.column_default, false));
    }

    // Every index, with its columns in index order (0 = an expression).
    const indexes = await c.query<{ table: string; name: string; unique: boolean; primary: boolean; method: string; partial: boolean; columns: (string | null)[] }>(
      `SELECT t.relname::text AS table, i.relname::text AS name, x.indisunique AS unique, x.indisprimary AS primary,
              am.amname::text AS method, x.indpred IS NOT NULL AS partial,
              ARRAY(SELECT a.attname::text
                      FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS columns
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_am am ON am.oid = i.relam
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public'`,
    );
    for (const r of indexes.rows) {
      if (skip(r.table)) continue;
      const cols = r.columns.map((name) => name ?? "<expression>");
      if (r.primary) facts.set(`primary key ${r.table}`, `${r.name} (${cols.join(", ")})`);
      else facts.set(`index ${r.table}.${r.name}`, index(r.unique, cols, `${r.method !== "btree" ? ` USING ${r.method}` : ""}${r.partial ? " PARTIAL" : ""}`));
    }

    const fks = await c.query<{ name: string; table: string; ref_table: string; columns: string[]; ref_columns: string[]; on_delete: string; on_update: string }>(
      `SELECT c.conname::text AS name, t.relname::text AS table, rt.relname::text AS ref_table,
              ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
              ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
              c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_class rt ON rt.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    for (const r of fks.rows) {
      facts.set(
        `foreign key ${r.table}(${r.columns.join(", ")})`,
        `${r.name} → ${r.ref_table}(${r.ref_columns.join(", ")}) ON DELETE ${PG_ACTIONS[r.on_delete]} ON UPDATE ${PG_ACTIONS[r.on_update]}`,
      );
    }
    return facts;
  });
}

function withSqlite<T>(url: string, fn: (db: Database.Database) => T): T {
  const db = new Database(url.replace(/^file:/, ""), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function sqliteFacts(url: string): Facts {
  return withSqlite(url, (db) => {
    const facts: Facts = new Map();
    // sqlite_* tables are SQLite's own (sqlite_sequence comes with AUTOINCREMENT).
    const tables = db
      .prepare(`SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
      .all() as { name: string; type: string; sql: string }[];
    for (const t of tables) {
      facts.set(`table ${t.name}`, t.type === "table" ? "BASE TABLE" : "VIEW");
      if (t.name === "_prisma_migrations" || SQLITE_SEARCH_TABLES.has(t.name)) continue;

      const cols = db.prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`).all(t.name) as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
      // SQLite allows AUTOINCREMENT only on a table's INTEGER PRIMARY KEY, so it belongs to that column.
      const autoincrement = /\bAUTOINCREMENT\b/i.test(t.sql);
      for (const c of cols) {
        facts.set(`column ${t.name}.${c.name}`, column(c.type, c.notnull === 1, c.dflt_value, autoincrement && pk.length === 1 && c.pk === 1));
      }
      if (pk.length) facts.set(`primary key ${t.name}`, `(${pk.map((c) => c.name).join(", ")})`);

      const indexes = db.prepare(`SELECT name, "unique", origin, partial FROM pragma_index_list(?)`).all(t.name) as {
        name: string;
        unique: number;
        origin: string;
        partial: number;
      }[];
      for (const i of indexes) {
        if (i.origin === "pk") continue; // the primary key's own index
        const icols = db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(i.name) as { name: string | null }[];
        facts.set(`index ${t.name}.${i.name}`, index(i.unique === 1, icols.map((c) => c.name ?? "<expression>"), i.partial ? " PARTIAL" : ""));
      }

      const fks = db.prepare(`SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`).all(t.name) as {
        id: number;
        table: string;
        from: string;
        to: string;
        on_update: string;
        on_delete: string;
      }[];
      for (const id of new Set(fks.map((f) => f.id))) {
        const parts = fks.filter((f) => f.id === id);
        const first = parts[0]!;
        facts.set(
          `foreign key ${t.name}(${parts.map((f) => f.from).join(", ")})`,
          `→ ${first.table}(${parts.map((f) => f.to).join(", ")}) ON DELETE ${first.on_delete} ON UPDATE ${first.on_update}`,
        );
      }
    }
    return facts;
  });
}

function diffFacts(expected: Facts, actual: Facts): string[] {
  const out: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) out.push(`missing ${key}: ${want}`);
    else if (got !== want) out.push(`${key}: schema says ${want} — database has ${got}`);
  }
  for (const [key, got] of actual) if (!expected.has(key)) out.push(`unexpected ${key}: ${got}`);
  return out;
}

// ---------------------------------------------------------------------------------------------

type MigrationRow = {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  logs: string | null;
  applied_steps_count: number;
};

async function migrationRows(url: string): Promise<MigrationRow[]> {
  const sql = `SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
  if (kind === "postgres") return withPg(url, async (c) => (await c.query<MigrationRow>(sql)).rows);
  return withSqlite(url, (db) => db.prepare(sql).all() as MigrationRow[]);
}

async function queryAll<T>(url: string, sql: string): Promise<T[]> {
  if (kind === "postgres") return withPg(url, async (c) => (await c.query(sql)).rows as T[]);
  return withSqlite(url, (db) => db.prepare(sql).all() as T[]);
}

describe(`migrations build the schema (${kind})`, () => {
  const dir = migrationsDir(kind);
  // Read here, independently of lib/db/migrate.ts: every folder is a migration.
  const folders = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  let url = "";
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ url, drop } = await createEmptyDatabase(kind));
    const result = await migrate(url);
    expect(result).toEqual({ applied: folders, alreadyApplied: [] });
  });

  afterAll(async () => {
    await drop?.();
  });

  it("has exactly the tables, columns, types, nullability, defaults, keys and indexes of the Prisma schema", async () => {
    const expected = expectedFacts(schema);
    const actual = kind === "postgres" ? await postgresFacts(url) : sqliteFacts(url);
    const diffs = diffFacts(expected, actual);
    expect(diffs, `the migrations and prisma/${kind}/schema.prisma disagree:\n  ${diffs.join("\n  ")}`).toEqual([]);
    // Guards against a vacuous pass: the comparison did look at real tables.
    expect(actual.get("column AuditEvent.seq")).toBe(kind === "postgres" ? "integer NOT NULL" : "INTEGER NOT NULL");
  });

  it("seeds the audit chain head (data written by the init migration)", async () => {
    const rows = await queryAll<{ id: number; lastSeq: number; lastHash: string }>(url, `SELECT "id", "lastSeq", "lastHash" FROM "AuditChainHead"`);
    expect(rows).toEqual([{ id: 1, lastSeq: 0, lastHash: "0".repeat(64) }]);
  });

  it("records one finished _prisma_migrations row per migration folder, with the file's sha256", async () => {
    expect(folders.length).toBeGreaterThan(0);
    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const [i, r] of rows.entries()) {
      const sql = fs.readFileSync(path.join(dir, folders[i]!, "migration.sql"));
      expect(r.checksum, r.migration_name).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(r.finished_at, r.migration_name).not.toBeNull();
      expect(r.rolled_back_at, r.migration_name).toBeNull();
      expect(r.logs, r.migration_name).toBeNull();
      expect(Number(r.applied_steps_count), r.migration_name).toBe(1);
    }
  });

  it("applies nothing when run again", async () => {
    const before = await migrationRows(url);
    expect(await migrate(url)).toEqual({ applied: [], alreadyApplied: folders });
    expect(await migrationRows(url)).toEqual(before);
  });

  it("refuses a migration whose file changed after it was applied", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "palisade-migrations-"));
    try {
      const copy = migrationsDir(kind, root);
      fs.cpSync(dir, copy, { recursive: true });
      const edited = folders[0]!;
      fs.appendFileSync(path.join(copy, edited, "migration.sql"), "\n-- edited after it was applied\n");
      const before = await migrationRows(url);

      await expect(migrate(url, root)).rejects.toThrow(`Migration ${edited} was changed after it was applied (checksum differs)`);
      expect(await migrationRows(url)).toEqual(before);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  // The comparison must be able to fail: a doctored copy of the migrations, applied to a second
  // empty database, differs from the schema in three known ways, and exactly those are reported.
  it("reports exactly the differences of a doctored copy of the migrations", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "palisade-migrations-"));
    const other = await createEmptyDatabase(kind);
    try {
      const copy = migrationsDir(kind, root);
      fs.cpSync(dir, copy, { recursive: true });
      const file = path.join(copy, folders[0]!, "migration.sql");
      let sql = fs.readFileSync(file, "utf8");
      const doctor = (from: string, to: string) => {
        if (sql.split(from).length !== 2) throw new Error(`"${from}" is not in the init migration exactly once; update the test`);
        sql = sql.replace(from, to);
      };
      doctor(`"inboundThreshold" INTEGER NOT NULL DEFAULT 5`, `"inboundThreshold" INTEGER NOT NULL DEFAULT 6`);
      doctor(`"cidr" TEXT NOT NULL`, `"cidr" TEXT`);
      doctor(`CREATE INDEX "AuditEvent_action_seq_idx" ON "AuditEvent"("action", "seq");`, "");
      fs.writeFileSync(file, sql);
      await migrate(other.url, root);

      const actual = kind === "postgres" ? await postgresFacts(other.url) : sqliteFacts(other.url);
      const [int, text] = kind === "postgres" ? ["integer", "text"] : ["INTEGER", "TEXT"];
      expect(diffFacts(expectedFacts(schema), actual).sort()).toEqual(
        [
          `column WafPolicy.inboundThreshold: schema says ${int} NOT NULL DEFAULT 5 — database has ${int} NOT NULL DEFAULT 6`,
          `column IpListEntry.cidr: schema says ${text} NOT NULL — database has ${text} NULL`,
          `missing index AuditEvent.AuditEvent_action_seq_idx: (action, seq)`,
        ].sort(),
      );
    } finally {
      await other.drop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
