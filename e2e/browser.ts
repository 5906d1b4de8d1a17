import fs from "node:fs";

// Debian's Chromium where it is installed (or CHROMIUM_PATH); elsewhere Playwright's bundled browser.
// Used by the e2e specs (playwright.config.ts) and the bench (lib/bench/bundle-size.ts).
const systemChromium = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && fs.existsSync(p));

export const chromiumLaunchOptions = systemChromium
  ? {
      executablePath: systemChromium,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    }
  : {};
