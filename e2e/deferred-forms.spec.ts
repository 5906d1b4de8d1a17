import { expect, test } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

// Edit forms load their code at the page's first interaction (components/deferred.tsx). These prove that
// the server-rendered form shows its values before that, that a page nobody touches never loads it, and
// that what the user does before the code arrives (choices, typing, the submit itself) is not lost.

test("a form shows its values before its code loads, and a page nobody touches never loads it", async ({ page }) => {
  const domain = uniqueDomain("deferred-idle");
  await login(page, "editor");
  const { url } = await createVhost(page, domain);
  await page.goto(`${url}/policy`);
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  const box = page.locator('[data-deferred="policy"]');
  await expect(box).toBeAttached();
  expect(await box.getAttribute("data-ready"), "the policy form hydrated with no interaction").toBeNull();
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("5");
  await expect(page.getByLabel("Blocking paranoia level")).toHaveValue("1");
  await expect(page.getByRole("radio", { name: /^Blocking/ })).toBeChecked();

  await page.getByLabel("Inbound anomaly threshold").focus();
  await expect(box).toHaveAttribute("data-ready", "");
});

test("choices, typing and the submit made before the form's code arrives are all applied once it has", async ({ page }) => {
  const domain = uniqueDomain("deferred-early");
  await login(page, "editor");
  const { url } = await createVhost(page, domain);
  await page.goto(`${url}/policy`);
  await hydrated(page);
  await page.waitForLoadState("networkidle");

  // Hold back every script the page asks for from now on: the form's code cannot arrive until released.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = 0;
  await page.route(/\/_next\/static\/chunks\/.+\.js$/, async (route) => {
    asked++;
    await held;
    await route.continue();
  });

  await page.getByRole("radio", { name: /^Detection only/ }).check();
  await page.getByLabel("Blocking paranoia level").selectOption("2");
  await page.getByLabel("Detection paranoia level").selectOption("3");
  await page.getByLabel("Inbound anomaly threshold").fill("9");
  await page.getByRole("button", { name: "Save policy" }).click();

  expect(asked, "the first interaction asked for the form's code").toBeGreaterThan(0);
  expect(await page.locator('[data-deferred="policy"]').getAttribute("data-ready")).toBeNull();
  // The browser did not submit the form natively meanwhile (that would be a GET with the fields in the URL).
  expect(page.url()).toBe(`${url}/policy`);

  release();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByTestId("policy-summary")).toContainText("Detection only at paranoia 2");
  await page.unroute(/\/_next\/static\/chunks\/.+\.js$/);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("9");
  await expect(page.getByLabel("Detection paranoia level")).toHaveValue("3");
  await expect(page.getByRole("radio", { name: /^Detection only/ })).toBeChecked();
});
