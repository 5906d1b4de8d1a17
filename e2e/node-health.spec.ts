// Node health (issue 21): /nodes shows each node's applied revision against the latest, the time from
// publish to applied, and the certificates it serves with the days to expiry (red within 21 days); the
// dashboard flags nodes serving a stale revision and certificates expiring soon, linking to /nodes. On a
// phone the key columns come first and nothing overflows. Data: ./node-health-data.ts (service layer).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { E2E_DATABASES } from "./databases";
import { hydrated, login } from "./fixtures";

type Data = { current: string; currentId: string; stale: string; staleId: string; older: number; latest: number; expiring: string; fine: string };
let data: Data;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000);
  const d = E2E_DATABASES.find((x) => x.project === testInfo.project.name);
  if (!d) throw new Error(`no e2e database for project ${testInfo.project.name}`);
  const { stdout } = await promisify(execFile)("npx", ["tsx", "e2e/node-health-data.ts"], { cwd: path.join(__dirname, ".."), env: { ...process.env, DATABASE_URL: d.url } });
  data = JSON.parse(stdout.trim().split("\n").pop()!) as Data;
});

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("/nodes shows the applied revision against the latest, publish → applied, and each certificate's days to expiry", async ({ page }) => {
  await login(page, "auditor");
  await page.goto("/nodes");
  await hydrated(page);

  const current = page.getByTestId("node-row").filter({ hasText: data.current });
  await expect(current.getByText("Up to date")).toBeVisible();
  await expect(current.getByTestId("node-applied")).toContainText(`Revision ${data.latest} (the latest)`);
  await expect(current.getByTestId("node-applied")).toContainText(/Publish → applied: \d+(\.\d)? (ms|s)\b/);

  const certificates = current.getByTestId("node-certificate");
  // Soonest expiry first; within 21 days in red, the rest in green.
  await expect(certificates).toHaveCount(2);
  await expect(certificates.nth(0)).toContainText(data.expiring);
  const expiringBadge = certificates.nth(0).getByText("5 days left");
  await expect(expiringBadge).toBeVisible();
  await expect(expiringBadge).toHaveClass(/bg-red-/);
  await expect(certificates.nth(1)).toContainText(data.fine);
  await expect(certificates.nth(1).getByText("200 days left")).toHaveClass(/bg-green-/);
  await expect(certificates.nth(0)).toContainText("issued by CN=Palisade Test CA, O=Palisade");

  const stale = page.getByTestId("node-row").filter({ hasText: data.stale });
  await expect(stale.getByText("Stale", { exact: true })).toBeVisible();
  await expect(stale).toContainText(`It runs revision ${data.older}; the latest is ${data.latest}.`);
  await expect(stale.getByTestId("node-applied")).toContainText(`Revision ${data.older} of ${data.latest}`);
  await expect(stale.getByTestId("node-certificate")).toHaveCount(1);

  expect(await seriousViolations(page)).toEqual([]);
});

test("on a phone /nodes puts the node, its state and its revision first, lists certificates, and does not overflow", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await login(page, "admin");
  await page.goto("/nodes");
  await hydrated(page);
  const current = page.getByTestId("node-row").filter({ hasText: data.current });
  // The Applied column is hidden on a phone; its gist is under the node's name.
  await expect(current.getByTestId("node-applied")).toBeHidden();
  await expect(current.getByText(`Revision ${data.latest}`, { exact: true }).filter({ visible: true })).toHaveCount(1);
  await expect(current.getByText("Up to date")).toBeVisible();
  await expect(current.getByTestId("node-certificate").first().getByText("5 days left")).toBeVisible();
  await current.scrollIntoViewIfNeeded();
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  expect(await seriousViolations(page)).toEqual([]);
});

test("the dashboard flags the stale node and the expiring certificate, and links to /nodes", async ({ browser }) => {
  for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    const page = await (await browser.newContext({ viewport })).newPage();
    await login(page, "editor");
    await page.goto("/");
    await hydrated(page);
    const staleNodes = page.getByTestId("stale-nodes");
    await expect(staleNodes).toContainText(`revision ${data.latest}`);
    const staleLink = staleNodes.getByRole("link", { name: data.stale, exact: true });
    await expect(staleLink).toHaveAttribute("href", `/nodes#node-${data.staleId}`);
    await expect(staleNodes.locator("li").filter({ hasText: data.stale })).toContainText(`runs revision ${data.older}`);
    await expect(staleNodes.getByRole("link", { name: data.current, exact: true })).toHaveCount(0);

    const certificates = page.getByTestId("expiring-certificates");
    await expect(certificates.getByRole("heading")).toContainText("Certificates expiring within 21 days");
    const entry = certificates.locator("li").filter({ hasText: data.expiring });
    await expect(entry).toContainText("5 days left");
    await expect(entry.getByRole("link", { name: data.current, exact: true })).toHaveAttribute("href", `/nodes#node-${data.currentId}`);
    await expect(certificates).not.toContainText(data.fine);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page)).toEqual([]);

    await staleLink.click();
    await expect(page).toHaveURL(new RegExp(`/nodes#node-${data.staleId}$`));
    await expect(page.locator(`#node-${data.staleId}`)).toContainText(data.stale);
    await page.context().close();
  }
});
