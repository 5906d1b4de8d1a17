import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./e2e/browser";
import { E2E_DATABASES, E2E_SECRET, OIDC_ISSUER } from "./e2e/databases";
import { testOidcEnv } from "./lib/testing/oidc-provider";

// The panel under test: one production build (`next build`), served by one `next start` per database
// (SQLite on E2E_PORT, PostgreSQL on E2E_PORT + 1), each database made fresh, migrated and seeded by its
// server's command before the panel starts (e2e/prepare-db.ts) and removed by e2e/global-teardown.ts. Every spec runs once per project.

const chromium = { ...devices["Desktop Chrome"], launchOptions: chromiumLaunchOptions };

export default defineConfig({
  testDir: "e2e",
  // One test at a time: a project's specs share its database, and some (publish, the audit log) see each
  // other's changes. The projects run one after the other too: one run already keeps 1.6 of CI's 2 cores
  // busy, and side by side they finished no sooner while every test took twice as long.
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: E2E_DATABASES.map((d) => ({ name: d.project, use: { ...chromium, baseURL: `http://127.0.0.1:${d.port}` } })),
  // Playwright starts these one after the other: the first builds (unless SKIP_BUILD=1 reuses an
  // existing .next build, for faster local reruns), the next ones serve that same build.
  webServer: E2E_DATABASES.map((d, i) => ({
    name: d.project,
    // The database first (e2e/prepare-db.ts): the panel's background jobs open it soon after start.
    command: `${i === 0 && !process.env.SKIP_BUILD ? "npx next build && " : ""}npx tsx e2e/prepare-db.ts ${d.project} && npx next start -p ${d.port} -H 127.0.0.1`,
    url: `http://127.0.0.1:${d.port}/login`,
    timeout: 480_000,
    reuseExistingServer: false,
    env: {
      ...process.env,
      DATABASE_URL: d.url,
      NEXTAUTH_URL: `http://127.0.0.1:${d.port}`,
      NEXTAUTH_SECRET: E2E_SECRET,
      NEXT_TELEMETRY_DISABLED: "1",
      // Lets e2e/faults.spec.ts make a page fail to render (lib/testing/fault-injection.ts); never set in production.
      PALISADE_TEST_FAULTS: "1",
      // Single sign-on through the test OpenID provider of e2e/global-setup.ts (e2e/oidc.spec.ts).
      ...testOidcEnv(OIDC_ISSUER),
    } as Record<string, string>,
    // The command's own output (the seeded demo users) is not needed; the panel's errors are.
    stdout: "ignore" as const,
    stderr: "pipe" as const,
  })),
});
