import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { dropPgDatabase, pgAdmin } from "../lib/testing/test-db";
import { startOidcProvider } from "../lib/testing/oidc-provider";
import { E2E_DATABASES, OIDC_PORT, removeSqlite, type E2eDatabase } from "./databases";

// Playwright runs this after it has started the web servers; they open no database connection before
// the first test's request, so every test run starts on fresh databases. It also starts the OpenID provider
// the panels sign in with (e2e/oidc.spec.ts); the function it returns stops it after the run.
export default async function globalSetup() {
  await Promise.all(E2E_DATABASES.map(prepare));
  const idp = await startOidcProvider({ port: OIDC_PORT, redirectUris: E2E_DATABASES.map((d) => `http://127.0.0.1:${d.port}/api/auth/callback/oidc`) });
  return () => idp.close();
}

/** Starts the database over (a killed run may have left it behind), then migrates it and seeds the demo users (lib/setup/cli.ts). */
async function prepare(d: E2eDatabase) {
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
  console.log(stdout.trimEnd().replace(/^/gm, `[${d.project}] `));
}
