// The databases of an e2e run: one Playwright project per database, each with its own `next start` of
// the same build on its own port. Each is made fresh by its web server's command before the panel starts
// (prepare-db.ts → prepareDatabase) and removed by global-teardown.ts.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { dropPgDatabase, pgAdmin, pgUrl } from "../lib/testing/test-db";

const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);

/** NEXTAUTH_SECRET of every panel an e2e run starts (a second instance must share it to read the sessions). */
export const E2E_SECRET = "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";
/** The port of the second panel instance that e2e/two-instances.spec.ts starts on the PostgreSQL database. */
export const SECOND_INSTANCE_PORT = E2E_PORT + 50;

/** The OpenID provider every e2e run starts (e2e/global-setup.ts, lib/testing/oidc-provider.ts); E2E_PORT + 50 is the second instance's. */
export const OIDC_PORT = E2E_PORT + 60;
export const OIDC_ISSUER = `http://127.0.0.1:${OIDC_PORT}`;

export type E2eDatabase = { project: string; port: number; url: string } & ({ kind: "sqlite"; file: string } | { kind: "postgres"; name: string });

const sqliteFile = path.join(__dirname, "..", ".test-dbs", `e2e-${E2E_PORT}.db`);
const pgName = `palisade_e2e_${E2E_PORT + 1}`;

export const E2E_DATABASES: E2eDatabase[] = [
  { project: "chromium-sqlite", port: E2E_PORT, kind: "sqlite", file: sqliteFile, url: `file:${sqliteFile}` },
  { project: "chromium-postgres", port: E2E_PORT + 1, kind: "postgres", name: pgName, url: pgUrl(pgName) },
];

export function removeSqlite(file: string) {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(file + suffix, { force: true });
}

/**
 * Starts the database over (a killed run may have left it behind), then migrates it and seeds the demo users
 * (lib/setup/cli.ts). Run before its panel starts: a panel's background jobs open the database seconds after
 * start, and a SQLite file removed and made again after that is one the panel no longer sees ("no such
 * table", then "database disk image is malformed" — seen when the servers were slow to come up).
 */
export async function prepareDatabase(d: E2eDatabase): Promise<string> {
  if (d.kind === "sqlite") {
    removeSqlite(d.file);
    fs.mkdirSync(path.dirname(d.file), { recursive: true });
  } else {
    await dropPgDatabase(d.name);
    await pgAdmin((c) => c.query(`CREATE DATABASE "${d.name}"`));
  }
  const { stdout } = await promisify(execFile)("npx", ["tsx", "lib/setup/cli.ts", "setup"], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, DATABASE_URL: d.url },
  });
  return stdout.trimEnd().replace(/^/gm, `[${d.project}] `);
}
