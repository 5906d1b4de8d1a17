// Every command-line tool, pointed at a database that has not been migrated, says so and names the
// command to run, instead of Prisma's "The table `main.AuditChainHead` does not exist" (lib/db/ready.ts).
// Once on SQLite, once on PostgreSQL; the tools run as a user runs them, in their own process.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createEmptyDatabase, dropPgDatabase, pgUrl, type TestDbKind } from "@/lib/testing/test-db";
import { loadMigrations, migrate, migrationsDir } from "./migrate";
import { assertMigrated, DatabaseNotMigratedError } from "./ready";

const kind = process.env.TEST_DB as TestDbKind;
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

async function emptyDatabase(): Promise<string> {
  const { url, drop } = await createEmptyDatabase(kind);
  cleanup.push(drop);
  // On SQLite an existing file without tables: the other case, no file at all, has its own test.
  if (kind === "sqlite") new Database(url.replace(/^file:/, "")).close();
  return url;
}

const TOOLS: { name: string; args: string[] }[] = [
  { name: "audit:verify", args: ["lib/audit/cli.ts"] },
  { name: "waf:build", args: ["lib/config/cli.ts", "build", "--out", path.join(os.tmpdir(), `palisade-never-written-${process.pid}`)] },
  { name: "db:seed", args: ["lib/setup/cli.ts", "seed"] },
  { name: "seed:scale", args: ["lib/bench/seed-scale.ts", "--vhosts", "1", "--events", "1"] },
  { name: "bench", args: ["lib/bench/bench.ts", "--only", "a"] },
];

async function runTool(args: string[], url: string) {
  try {
    const r = await promisify(execFile)(path.join(process.cwd(), "node_modules", ".bin", "tsx"), args, { env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe(`a database that has not been migrated (${kind})`, () => {
  it("every CLI says so, names the command to run, exits non-zero and changes nothing", { timeout: 120_000 }, async () => {
    const url = await emptyDatabase();
    const results = await Promise.all(TOOLS.map(async (t) => ({ name: t.name, ...(await runTool(t.args, url)) })));
    for (const r of results) {
      expect(r.output, r.name).toContain("is not migrated");
      expect(r.output, r.name).toContain("npm run db:migrate");
      expect(r.output, r.name).toContain("npm run db:setup");
      expect(r.output, r.name).not.toMatch(/does not exist in the current database|The table `/);
      expect(r.code, r.name).not.toBe(0);
    }
    // Nothing was created behind the user's back: still no table at all.
    await expect(assertMigrated(url)).rejects.toThrow("is not migrated: it has none of Palisade's tables");
  });

  it("a database that does not exist is named, with what to do", async () => {
    if (kind === "sqlite") {
      const file = path.join(os.tmpdir(), `palisade-missing-${process.pid}`, "nothing.db");
      await expect(assertMigrated(`file:${file}`)).rejects.toThrow(`The SQLite database file:${file} does not exist yet. Run \`npm run db:migrate\``);
      expect(fs.existsSync(file)).toBe(false);
    } else {
      const name = `palisade_missing_${process.pid}`;
      await dropPgDatabase(name);
      await expect(assertMigrated(pgUrl(name))).rejects.toThrow(`database ${pgUrl(name)} does not exist. Create it`);
    }
  });

  it("a database a migration behind names the migration; a migrated one passes", async () => {
    const url = await emptyDatabase();
    await migrate(url);
    await expect(assertMigrated(url)).resolves.toBeUndefined();
    const last = loadMigrations(migrationsDir(kind)).at(-1)!.name;
    const del = `DELETE FROM "_prisma_migrations" WHERE migration_name = '${last}'`;
    if (kind === "sqlite") {
      const c = new Database(url.replace(/^file:/, ""));
      c.prepare(del).run();
      c.close();
    } else {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(del);
      await c.end();
    }
    const err = await assertMigrated(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseNotMigratedError);
    expect((err as Error).message).toContain(`is not up to date: 1 migration not applied (${last}). Run \`npm run db:migrate\``);
  });
});
