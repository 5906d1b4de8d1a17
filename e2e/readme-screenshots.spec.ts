// The README's screenshots (public/screenshot.png, public/screenshot-phone.png), taken from the real
// build: README_SCREENSHOTS=1 SKIP_BUILD=1 npx playwright test e2e/readme-screenshots.spec.ts --project chromium-sqlite
// Skipped in ordinary runs: it writes files into the repository.
import path from "node:path";
import { test } from "@playwright/test";
import { createVhost, hydrated, login } from "./fixtures";

test.skip(!process.env.README_SCREENSHOTS, "set README_SCREENSHOTS=1 to retake the README's screenshots");

const SITES = ["shop.example.com", "api.example.com", "blog.example.com", "intranet.example.org"];

test("the virtual host list, as an admin, on a desktop and on a phone", async ({ browser }) => {
  test.setTimeout(300_000);
  const desktop = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await login(desktop, "admin");
  await desktop.goto("/vhosts");
  for (const domain of SITES) {
    if ((await desktop.getByRole("link", { name: domain, exact: true }).count()) === 0) await createVhost(desktop, domain, `http://10.0.0.${SITES.indexOf(domain) + 10}:8080`);
  }
  await desktop.goto("/vhosts");
  await hydrated(desktop);
  await desktop.screenshot({ path: path.join(__dirname, "..", "public", "screenshot.png") });

  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 })).newPage();
  await login(phone, "admin");
  await phone.goto("/vhosts");
  await hydrated(phone);
  await phone.screenshot({ path: path.join(__dirname, "..", "public", "screenshot-phone.png") });
});
