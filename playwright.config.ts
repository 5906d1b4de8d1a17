import fs from "node:fs";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

// The panel under test: a production build (`next build` + `next start`) on a SQLite file of its own,
// migrated and seeded by e2e/global-setup.ts and removed by e2e/global-teardown.ts.
const PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_DB_DIR = path.join(__dirname, ".test-dbs");
const E2E_DB_URL = `file:${path.join(E2E_DB_DIR, `e2e-${PORT}.db`)}`;

// Use Debian's Chromium where it is installed (or CHROMIUM_PATH); elsewhere Playwright's bundled browser.
const systemChromium = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && fs.existsSync(p));

export const E2E_SECRET = "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";

const env = {
  ...process.env,
  DATABASE_URL: E2E_DB_URL,
  NEXTAUTH_URL: `http://127.0.0.1:${PORT}`,
  NEXTAUTH_SECRET: E2E_SECRET,
  NEXT_TELEMETRY_DISABLED: "1",
} as Record<string, string>;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: systemChromium
          ? {
              executablePath: systemChromium,
              args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            }
          : {},
      },
    },
  ],
  webServer: {
    // SKIP_BUILD=1 reuses an existing .next build (faster local reruns).
    command: `${process.env.SKIP_BUILD ? "" : "npx next build && "}npx next start -p ${PORT} -H 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/login`,
    timeout: 240_000,
    reuseExistingServer: false,
    env,
    stdout: "ignore",
    stderr: "pipe",
  },
});
