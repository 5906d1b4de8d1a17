import { expect, test } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

// With the panel unreachable (the browser offline), every form and dialog says so, re-enables itself and
// keeps what was typed; once the panel is back the same submit works.
const UNREACHABLE = "Could not reach the panel — nothing was sent or the result is unknown; check and retry.";

test("the policy form, the IP-list editor and the publish dialog say when the panel cannot be reached, and recover", async ({ page, context }) => {
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

  await page.goto("/config");
  await hydrated(page);
  await context.setOffline(true);
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText(UNREACHABLE).first()).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByRole("button", { name: "Publish" })).toBeEnabled();
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText(/^Published revision \d+: /)).toBeVisible();
});
