import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

// Forms that help instead of refuse (issue 19): the policy form raises detection paranoia with blocking
// paranoia, the exclusion form opens on the most common kind, TLS brings HSTS, and internationalised domains
// read as people wrote them, with the punycode beside them.

const CHUNKS = /\/_next\/static\/chunks\/.+\.js$/;

/** Loads `url` with every script held back, so the form is submitted by the browser itself (components/native-form.tsx). */
async function openWithoutScripts(page: Page, url: string) {
  await page.route(CHUNKS, (route) => route.abort());
  await page.goto(url, { waitUntil: "domcontentloaded" });
  expect(await page.locator("html[data-hydrated]").count(), "the page hydrated although its scripts were held").toBe(0);
}

test("raising blocking paranoia raises detection paranoia with it, says so, and saves; lowering it leaves detection alone", async ({ page }) => {
  await login(page, "editor");
  const { url } = await createVhost(page, uniqueDomain("paranoia"));
  await page.goto(`${url}/policy`);
  await hydrated(page);
  const blocking = page.getByLabel("Blocking paranoia level");
  const detection = page.getByLabel("Detection paranoia level");
  await expect(detection).toHaveValue("1");

  await blocking.selectOption("2");
  await expect(detection).toHaveValue("2");
  const note = page.getByTestId("paranoia-note");
  await expect(note).toHaveText("Detection paranoia raised to 2 with blocking paranoia.");
  await expect(note).toHaveAttribute("aria-live", "polite");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByTestId("policy-summary")).toContainText("Blocking at paranoia 2, inbound threshold 5");

  await page.reload();
  await hydrated(page);
  await expect(blocking).toHaveValue("2");
  await expect(detection).toHaveValue("2");

  // Lowering blocking leaves detection where it is (logging above the blocking level is a valid choice).
  await blocking.selectOption("1");
  await expect(detection).toHaveValue("2");
  await expect(note).toHaveText("");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByTestId("policy-summary")).toContainText("Blocking at paranoia 1 (logging up to 2)");
});

test("before the scripts run, a policy with detection below blocking gets the server's field error (it is not raised natively)", async ({ page }) => {
  await login(page, "editor");
  const { url } = await createVhost(page, uniqueDomain("paranoia-native"));
  await openWithoutScripts(page, `${url}/policy`);
  await page.getByLabel("Blocking paranoia level").selectOption("2");
  await expect(page.getByLabel("Detection paranoia level")).toHaveValue("1");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByTestId("native-status")).toContainText("detection paranoia level must be at least the blocking level (2)");
});

test("the exclusion form opens on turning off one rule: a rule id and a path are enough, and the fields follow the kind", async ({ page }) => {
  await login(page, "editor");
  const { id } = await createVhost(page, uniqueDomain("excl-default"));
  await page.goto(`/vhosts/${id}/exclusions`);
  await hydrated(page);
  const kind = page.getByLabel("Kind");
  await expect(kind).toHaveValue("REMOVE_BY_ID");
  await expect(kind.locator("option:checked")).toHaveText("Turn off a CRS rule (by id)");
  await expect(page.getByLabel("Input to ignore")).toHaveCount(0);
  await expect(page.getByLabel("Tag")).toHaveCount(0);

  // The fields follow the chosen kind, and come back when it is chosen again.
  await kind.selectOption("REMOVE_TARGET_BY_TAG");
  await expect(page.getByLabel("Tag")).toBeVisible();
  await expect(page.getByLabel("Input to ignore")).toBeVisible();
  await expect(page.getByLabel("CRS rule id")).toHaveCount(0);
  await kind.selectOption("REMOVE_BY_ID");
  await expect(page.getByLabel("Input to ignore")).toHaveCount(0);

  await page.getByLabel("CRS rule id").fill("942100");
  await page.getByLabel("Only under path (optional)").fill("/search");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  await expect(page.getByText("Added exclusion: Rule 942100 off on /search.")).toBeVisible();
  await expect(page.getByTestId("exclusion")).toHaveCount(1);
  await expect(page.getByTestId("exclusion")).toContainText("942100");
  await expect(page.getByTestId("exclusion")).toContainText("/search");
  await expect(kind).toHaveValue("REMOVE_BY_ID");
});

test("before the scripts run, a rule id and a path added with the default kind are saved too", async ({ page }) => {
  await login(page, "editor");
  const { id } = await createVhost(page, uniqueDomain("excl-native"));
  await openWithoutScripts(page, `/vhosts/${id}/exclusions`);
  await page.getByLabel("CRS rule id").fill("941100");
  await page.getByLabel("Only under path (optional)").fill("/comments");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  await expect(page.getByTestId("native-status")).toHaveText("Exclusion added.");
  await expect(page.getByTestId("exclusion")).toContainText("941100");
});

test("turning TLS on turns HSTS on unless it was set by hand, and a new HTTPS vhost is saved with HSTS", async ({ page }) => {
  await login(page, "editor");
  await page.goto("/vhosts/new");
  await hydrated(page);
  const tls = page.getByLabel("Mode", { exact: true });
  const hsts = page.getByLabel("Send HSTS");
  await expect(hsts).not.toBeChecked();

  await tls.selectOption("TERMINATE");
  await expect(hsts).toBeChecked();
  // HSTS needs HTTPS: turning TLS off turns it off.
  await tls.selectOption("NONE");
  await expect(hsts).not.toBeChecked();
  await tls.selectOption("REDIRECT");
  await expect(hsts).toBeChecked();
  // Once the user has set HSTS, TLS changes no longer choose for them.
  await hsts.uncheck();
  await tls.selectOption("NONE");
  await tls.selectOption("TERMINATE");
  await expect(hsts).not.toBeChecked();

  // A fresh form with TLS from the start: saved with HSTS.
  await page.goto("/vhosts/new");
  await hydrated(page);
  const domain = uniqueDomain("hsts");
  await page.getByLabel("Domain", { exact: true }).fill(domain);
  await page.getByLabel("Backend URL").fill("http://10.0.0.5:8080");
  await tls.selectOption("TERMINATE");
  await page.getByLabel("Certificate").fill("example.com");
  await expect(hsts).toBeChecked();
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByRole("heading", { name: domain })).toBeVisible();
  await hydrated(page);
  await expect(tls).toHaveValue("TERMINATE");
  await expect(page.getByLabel("Send HSTS")).toBeChecked();
});

test("an internationalised domain shows in Unicode with its punycode beside it, on its page and in the list", async ({ page }) => {
  await login(page, "editor");
  const unicode = uniqueDomain("bücher");
  const ascii = new URL(`http://${unicode}`).hostname;
  expect(ascii).toMatch(/^xn--/);
  const shown = `${unicode} (${ascii})`;

  await page.goto("/vhosts/new");
  await hydrated(page);
  await page.getByLabel("Domain", { exact: true }).fill(unicode);
  await page.getByLabel("Backend URL").fill("http://10.0.0.5:8080");
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(shown);
  // Stored as punycode, as nginx and the certificate see it.
  await hydrated(page);
  await expect(page.getByLabel("Domain", { exact: true })).toHaveValue(ascii);

  // In the list, found by either form of the name.
  for (const q of [ascii, unicode.split(".")[0]!]) {
    await page.goto(`/vhosts?q=${encodeURIComponent(q)}`);
    const link = page.getByRole("link", { name: shown });
    await expect(link).toHaveCount(1);
    await expect(link).toHaveText(shown);
  }

  // The audit log names it the same way.
  await page.goto("/audit");
  await expect(page.getByTestId("audit-row").filter({ hasText: shown }).first()).toBeVisible();
});
