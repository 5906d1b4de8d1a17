// config:export and config:apply as an operator runs them: the real scripts through tsx, on a database of
// their own (made empty here, migrated and seeded by `db:setup`), on SQLite and on PostgreSQL.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyDatabase, type TestDbKind } from "@/lib/testing/test-db";
import { main } from "./cli";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const RICH_FILE = path.join(ROOT, "lib/configcode/fixtures/rich.yaml");
const kind = (process.env.TEST_DB ?? "sqlite") as TestDbKind;

let database: { url: string; drop: () => Promise<void> };
let dir: string;

type Run = { code: number; stdout: string; stderr: string };

function run(script: string, args: string[]): Promise<Run> {
  // NODE_ENV is not production, so db:setup creates the demo accounts (admin@palisade.local is an ADMIN).
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, NODE_ENV: "development" };
  return new Promise((resolve) => {
    execFile(TSX, [script, ...args], { cwd: ROOT, env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const configCli = (...args: string[]) => run("lib/configcode/cli.ts", args);

beforeAll(async () => {
  database = await createEmptyDatabase(kind);
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-configcode-"));
}, 60_000);

afterAll(async () => {
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`config:export and config:apply through tsx (${kind})`, () => {
  it("say what to run on a database that is not migrated, and check their arguments", async () => {
    const notMigrated = await configCli("export", "--out", path.join(dir, "never.yaml"));
    expect(notMigrated.code).toBe(3);
    expect(notMigrated.stderr).toMatch(/npm run db:migrate/);
    // Arguments are checked before the database is opened: in this process, which is quicker than tsx.
    for (const args of [["export"], ["export", "--out"], ["apply"], ["apply", RICH_FILE], ["apply", RICH_FILE, "--as"], ["apply", RICH_FILE, "--force", "--dry-run"], ["what"]]) {
      const errors: string[] = [];
      expect(await main(args, { log: () => {}, error: (s) => errors.push(s) }), args.join(" ")).toBe(64);
      expect(errors.join("\n")).toMatch(/^Usage: npm run config:/);
    }
  }, 300_000);

  it("dry run, apply as an admin, export: the file comes back byte for byte", async () => {
    const setup = await run("lib/setup/cli.ts", ["setup"]);
    expect(setup.code, setup.stderr).toBe(0);

    const dry = await configCli("apply", RICH_FILE, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("+ vhost xn--bcher-kva.example\n");
    expect(dry.stdout).toContain("+ allow 2001:db8:1234::/48 on xn--bcher-kva.example (note \"office IPv6\")\n");
    expect(dry.stdout).toMatch(/Plan: 20 to create, 0 to update, 0 to delete\.\nDry run: nothing was applied\.\n$/);

    const editor = await configCli("apply", RICH_FILE, "--as", "editor@palisade.local");
    expect(editor.code).toBe(1);
    expect(editor.stderr).toBe("editor@palisade.local is EDITOR: only an ADMIN may apply a configuration file.\n");

    const applied = await configCli("apply", RICH_FILE, "--as", "admin@palisade.local");
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Applied in one transaction as admin@palisade\.local: 20 created, 0 updated, 0 deleted\.\n$/);

    const out = path.join(dir, "palisade.yaml");
    const exported = await configCli("export", "--out", out);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`Wrote 3 virtual hosts and 2 custom templates to ${out}\n`);
    expect(await readFile(out, "utf8")).toBe(await readFile(RICH_FILE, "utf8"));

    const verify = await run("lib/audit/cli.ts", []);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Chain intact/);
  }, 300_000);

  it("an invalid file: one line per problem with its file:line:col, exit 1, nothing changed", async () => {
    const bad = path.join(dir, "bad.yaml");
    const rich = await readFile(RICH_FILE, "utf8");
    const text = rich.replace("backendUrl: http://api-backend:3000", "backendUrl: ftp://api-backend").replace("blockingParanoia: 2\n      detectionParanoia: 3\n      inboundThreshold: 7", "blockingParanoia: 2\n      detectionParanoia: 3\n      inboundThreshold: -7");
    await writeFile(bad, text);
    const lineOf = (needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const r = await configCli("apply", bad, "--as", "admin@palisade.local");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${bad}:${lineOf("ftp://api-backend")}:5: vhosts\\[0\\]\\.backendUrl: `));
    expect(lines[1]).toMatch(new RegExp(`^${bad}:${lineOf("inboundThreshold: -7")}:7: vhosts\\[2\\]\\.policy\\.inboundThreshold: `));
    expect(lines[2]).toBe(`Nothing was applied: 2 problems in ${bad}.`);

    const unchanged = await configCli("apply", RICH_FILE, "--dry-run");
    expect(unchanged.stdout).toBe("No changes: the database already matches the file.\n");
  }, 300_000);
});
