import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

const CHUNKS = /\/_next\/static\/chunks\/.+\.js$/;

/** Holds back every script the page asks for from now on; returns how many were asked for and the release. */
async function holdScripts(page: Page) {
  let open!: () => void;
  const held = new Promise<void>((resolve) => (open = resolve));
  const state = { asked: 0 };
  await page.route(CHUNKS, async (route) => {
    state.asked++;
    await held;
    await route.continue();
  });
  return {
    asked: () => state.asked,
    release: async () => {
      open();
      await page.unrouteAll({ behavior: "wait" });
    },
  };
}

/** A new vhost's policy page, loaded and hydrated with nothing touched yet; returns its URL. */
async function untouchedPolicyPage(page: Page, prefix: string) {
  await login(page, "editor");
  const { url } = await createVhost(page, uniqueDomain(prefix));
  await page.goto(`${url}/policy`);
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  return `${url}/policy`;
}

// Edit forms load their code at the page's first interaction (components/deferred.tsx). These prove that
// the server-rendered form shows its values before that, that a page nobody touches never loads it, and
// that what the user does before the code arrives (choices, typing, the submit itself) is not lost.

test("a form shows its values before its code loads, and a page nobody touches never loads it", async ({ page }) => {
  await untouchedPolicyPage(page, "deferred-idle");
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
  const url = await untouchedPolicyPage(page, "deferred-early");

  // The form's code cannot arrive until released.
  const scripts = await holdScripts(page);

  await page.getByRole("radio", { name: /^Detection only/ }).check();
  await page.getByLabel("Blocking paranoia level").selectOption("2");
  await page.getByLabel("Detection paranoia level").selectOption("3");
  await page.getByLabel("Inbound anomaly threshold").fill("9");
  await page.getByRole("button", { name: "Save policy" }).click();

  expect(scripts.asked(), "the first interaction asked for the form's code").toBeGreaterThan(0);
  expect(await page.locator('[data-deferred="policy"]').getAttribute("data-ready")).toBeNull();
  // The browser did not submit the form natively meanwhile (that would be a GET with the fields in the URL).
  expect(page.url()).toBe(url);

  await scripts.release();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByTestId("policy-summary")).toContainText("Detection only at paranoia 2");
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("9");
  await expect(page.getByLabel("Detection paranoia level")).toHaveValue("3");
  await expect(page.getByRole("radio", { name: /^Detection only/ })).toBeChecked();
});

test("a button pressed and a box unticked before the form's code arrives take effect once it has", async ({ page }) => {
  await login(page, "admin");
  await page.goto("/vhosts/new");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  const scripts = await holdScripts(page);
  const domain = uniqueDomain("deferred-box");
  await page.getByLabel("Domain", { exact: true }).fill(domain);
  await page.getByLabel("Backend URL").fill("http://10.0.0.7");
  await expect(page.getByRole("checkbox", { name: /^Enabled/ })).toBeChecked();
  await page.getByRole("checkbox", { name: /^Enabled/ }).uncheck();
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await scripts.release();
  await expect(page.getByRole("heading", { name: domain })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole("checkbox", { name: /^Enabled/ })).not.toBeChecked();

  // A type="button" press is repeated: the template form's "Add exclusion" adds its row.
  await page.goto("/templates/new");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  const more = await holdScripts(page);
  await page.getByLabel("Name").fill("deferred-template");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  expect(await page.locator('[data-deferred="template"]').getAttribute("data-ready")).toBeNull();
  await more.release();
  await expect(page.getByLabel("Exclusion 1: kind")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("deferred-template");
});
