import { expect, test } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

// With the panel unreachable (the browser offline), every form and dialog says so, re-enables itself and
// keeps what was typed; once the panel is back the same submit works.
const UNREACHABLE = "Could not reach the panel — nothing was sent or the result is unknown; check and retry.";

test("the policy form, the IP-list editor and the publish preview say when the panel cannot be reached, and recover", async ({ page, context }) => {
  await login(page, "admin");
  const { url } = await createVhost(page, uniqueDomain("offline"));

  await page.goto(`${url}/policy`);
  await hydrated(page);
  await page.getByLabel("Inbound anomaly threshold").fill("7");
  await context.setOffline(true);
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText(UNREACHABLE)).toBeVisible();
  await expect(page.getByRole("button", { name: "Save policy" })).toBeEnabled();
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("7");
  await context.setOffline(false);
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();

  await page.goto(`${url}/ip-lists`);
  await hydrated(page);
  await page.getByLabel("Addresses").fill("192.0.2.44 offline test");
  await context.setOffline(true);
  await page.getByRole("button", { name: "Add to list" }).click();
  await expect(page.getByText(UNREACHABLE).first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Add to list" })).toBeEnabled();
  await expect(page.getByLabel("Addresses")).toHaveValue("192.0.2.44 offline test");
  await context.setOffline(false);
  await page.getByRole("button", { name: "Add to list" }).click();
  await expect(page.getByRole("region", { name: "Deny list" }).getByText("192.0.2.44", { exact: true })).toBeVisible();

  await page.goto("/config/preview");
  await hydrated(page);
  await context.setOffline(true);
  await page.getByRole("button", { name: /^Publish revision \d+$/ }).click();
  await expect(page.getByText(UNREACHABLE).first()).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByRole("button", { name: /^Publish revision \d+$/ })).toBeEnabled();
  await page.getByRole("button", { name: /^Publish revision \d+$/ }).click();
  await expect(page.getByText(/^Published revision \d+: /)).toBeVisible();
});

// The answer is lost after the save committed (the connection drops on the way back): the form says the
// result is unknown; pressing Save again returns the first result (the form's idempotency key) instead of
// saving twice or meeting its own change as a conflict.
test("a save whose answer was lost is retried without saving twice or conflicting with itself", async ({ page }) => {
  await login(page, "admin");
  const { url } = await createVhost(page, uniqueDomain("lost-answer"));
  await page.goto(`${url}/policy`);
  await hydrated(page);
  await expect(page.locator('input[name="version"]')).toHaveValue("1");
  let lost = 0;
  await page.route("**/*", async (route) => {
    const request = route.request();
    if (request.method() === "POST" && request.headers()["next-action"] && lost === 0) {
      lost++;
      const response = await route.fetch(); // the server handles it and commits
      expect(response.status()).toBe(200);
      return route.abort("connectionreset"); // …and the browser never gets the answer
    }
    return route.continue();
  });
  await page.getByLabel("Inbound anomaly threshold").fill("9");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText(UNREACHABLE)).toBeVisible();
  expect(lost).toBe(1);
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByText(/after you opened it/)).toHaveCount(0);
  await page.unroute("**/*");
  await page.reload();
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("9");
  await expect(page.locator('input[name="version"]')).toHaveValue("2");
});
