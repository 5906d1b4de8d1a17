// What the user sees when a page fails to render (issue 16, defect 2): the error shows inside the panel,
// the navigation stays, the text is true for a failed page load, and "Try again" recovers once the cause
// is gone — without a browser reload. The failure is injected by the test-only /api/test-faults route
// (PALISADE_TEST_FAULTS=1 in playwright.config.ts); it makes the dashboard's render throw, as a database
// outage would.
import { expect, test, type Page } from "@playwright/test";
import { hydrated, login } from "./fixtures";

async function renderFault(page: Page, on: boolean) {
  const res = await page.request.post("/api/test-faults", { data: { renderFault: on } });
  expect(res.status(), "the test-only fault route is enabled for the e2e servers").toBe(200);
}

test.afterEach(async ({ page }) => {
  await page.request.post("/api/test-faults", { data: { renderFault: false } }).catch(() => undefined);
});

test("a page that fails to render keeps the navigation, and Try again recovers once the cause is gone", async ({ page }) => {
  await login(page, "admin");
  await page.goto("/vhosts");
  await hydrated(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  const failed = page.getByRole("heading", { name: "This page could not be loaded" });

  await renderFault(page, true);
  await nav.getByRole("link", { name: "Dashboard", exact: true }).click();
  await expect(failed).toBeVisible();
  await expect(nav, "the navigation stays").toBeVisible();
  await expect(page.getByTestId("current-user")).toBeVisible();
  await expect(page.getByText(/Nothing was changed/i)).toHaveCount(0);
  await expect(page.getByText("what was saved before is still saved")).toBeVisible();

  // Still failing: Try again shows the error again (and does not wedge).
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(failed).toBeVisible();
  await expect(page.getByRole("button", { name: "Try again" })).toBeEnabled();

  // The cause is gone: Try again shows the page, without a reload.
  await renderFault(page, false);
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(failed).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

  // The navigation works from the error page too.
  await renderFault(page, true);
  await nav.getByRole("link", { name: "Dashboard", exact: true }).click();
  await expect(failed).toBeVisible();
  await nav.getByRole("link", { name: "Virtual hosts" }).click();
  await expect(page.getByRole("heading", { name: "Virtual hosts" })).toBeVisible();
});
