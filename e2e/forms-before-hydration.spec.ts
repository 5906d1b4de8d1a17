import { expect, test, type Locator, type Page } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

// What the user does to a server-rendered form before the page's scripts have run must be exactly what is
// saved: the scripts arriving (hydration) must never rewrite a field, and a submit before they arrive is
// sent by the browser itself to the same server action (components/native-form.tsx). Each test loads its
// page with every script held back, works the fields the way people do (select and type, paste, drag and
// drop, undo, autofill, IME composition), notes what the field shows, and then either lets the scripts in
// and saves through the hydrated form, or saves with the scripts still held.

const CHUNKS = /\/_next\/static\/chunks\/.+\.js$/;

/** Loads `url` with every script held back until `release()`. */
async function openHeld(page: Page, url: string) {
  let open!: () => void;
  const held = new Promise<void>((resolve) => (open = resolve));
  await page.route(CHUNKS, async (route) => {
    await held;
    await route.continue().catch(() => {}); // the page may have moved on meanwhile
  });
  await page.goto(url, { waitUntil: "domcontentloaded" });
  expect(await page.locator("html[data-hydrated]").count(), "the page hydrated although its scripts were held").toBe(0);
  return {
    release: async () => {
      open();
      await page.unrouteAll({ behavior: "wait" });
    },
  };
}

async function pasteText(page: Page, field: Locator, text: string) {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await field.press("ControlOrMeta+V");
}

/** A real drag-and-drop of text onto the field (Chromium's own drop handling inserts it). */
async function dropText(page: Page, field: Locator, text: string) {
  const box = (await field.boundingBox())!;
  const cdp = await page.context().newCDPSession(page);
  const at = { x: box.x + box.width - 8, y: box.y + box.height - 8 };
  const data = { items: [{ mimeType: "text/plain", data: text }], dragOperationsMask: 1 };
  for (const type of ["dragEnter", "dragOver", "drop"] as const) await cdp.send("Input.dispatchDragEvent", { type, ...at, data });
  await cdp.detach();
}

/** IME composition: a composition in progress, then committed as `committed`. */
async function compose(page: Page, composing: string, committed: string) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.imeSetComposition", { text: composing, selectionStart: composing.length, selectionEnd: composing.length });
  await cdp.send("Input.insertText", { text: committed });
  await cdp.detach();
}

/** What a browser's autofill does: sets the value and fires input and change, with no key pressed. */
async function autofill(field: Locator, value: string) {
  await field.evaluate((el, v) => {
    (el as HTMLInputElement).value = v;
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }, value);
}

test.beforeEach(async ({ context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
});

/** A vhost whose aliases box starts with one alias, its settings page URL. */
async function vhostWithAlias(page: Page, prefix: string) {
  await login(page, "admin");
  const domain = uniqueDomain(prefix);
  const { url } = await createVhost(page, domain);
  await page.getByLabel("Aliases").fill(`shop.${domain}`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  return { url, domain };
}

/** Works the aliases box: select-and-type over the old alias, paste, drop, type and undo. Returns what it shows. */
async function editAliases(page: Page, domain: string) {
  const aliases = page.getByLabel("Aliases");
  await expect(aliases).toHaveValue(`shop.${domain}`);
  await aliases.click();
  await aliases.press("ControlOrMeta+A");
  await page.keyboard.type(`www.${domain}`);
  await aliases.press("End");
  await aliases.press("Enter");
  await pasteText(page, aliases, `api.${domain}`);
  await aliases.press("Enter");
  await dropText(page, aliases, `cdn.${domain}`);
  await page.keyboard.type("zzz");
  await aliases.press("ControlOrMeta+Z");
  const shown = await aliases.inputValue();
  expect(shown).toContain(`www.${domain}`);
  expect(shown).toContain(`api.${domain}`);
  expect(shown).toContain(`cdn.${domain}`);
  expect(shown).not.toContain("shop.");
  expect(shown).not.toContain("zzz");
  return shown;
}

test("aliases worked before hydration are kept by hydration and saved as shown", async ({ page }) => {
  const { url, domain } = await vhostWithAlias(page, "early-names");
  const scripts = await openHeld(page, url);
  const shown = await editAliases(page, domain);
  await scripts.release();
  await hydrated(page);
  await expect(page.getByLabel("Aliases"), "hydration rewrote the aliases box").toHaveValue(shown);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Aliases")).toHaveValue(shown);
});

test("aliases saved before the scripts arrive are sent by the browser, exactly as shown", async ({ page }) => {
  const { url, domain } = await vhostWithAlias(page, "native-names");
  const scripts = await openHeld(page, url);
  const shown = await editAliases(page, domain);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("native-status")).toHaveText("Saved.");
  await scripts.release();
  await page.goto(url);
  await hydrated(page);
  await expect(page.getByLabel("Aliases")).toHaveValue(shown);
  // Nothing went to the URL (a native GET would have put the fields there).
  expect(page.url()).not.toContain("aliases=");
});

test("the IP paste box and its list choice, worked before hydration, add exactly what they show", async ({ page }) => {
  await login(page, "editor");
  const { url } = await createVhost(page, uniqueDomain("early-ip"));
  for (const native of [false, true]) {
    const scripts = await openHeld(page, `${url}/ip-lists`);
    await page.getByLabel("List", { exact: true }).selectOption("ALLOW");
    const box = page.getByLabel("Addresses");
    await box.click();
    await page.keyboard.type(native ? "192.0.2.1 typed" : "192.0.2.2 typed");
    await box.press("Enter");
    await pasteText(page, box, native ? "198.51.100.0/24 pasted" : "198.51.100.128/25 pasted");
    await box.press("Enter");
    await autofill(box, `${await box.inputValue()}${native ? "203.0.113.9" : "203.0.113.10"} filled`);
    const shown = (await box.inputValue()).split("\n").map((l) => l.split(" ")[0] ?? "");
    if (native) {
      await page.getByRole("button", { name: "Add to list" }).click();
      await expect(page.getByTestId("native-status")).toContainText("Added 3 entries");
      await scripts.release();
    } else {
      await scripts.release();
      await hydrated(page);
      await expect(page.getByLabel("List", { exact: true })).toHaveValue("ALLOW");
      await page.getByRole("button", { name: "Add to list" }).click();
      await expect(page.getByTestId("ip-report")).toBeVisible();
    }
    await page.goto(`${url}/ip-lists`);
    await hydrated(page);
    const allow = page.getByRole("region", { name: "Allow list" });
    for (const cidr of shown) await expect(allow.getByText(cidr, { exact: true })).toBeVisible();
    await expect(page.getByRole("region", { name: "Deny list" }).getByText(shown[0] ?? "", { exact: true })).toHaveCount(0);
  }
});

test("a custom rule typed, pasted and autofilled before hydration is saved as shown", async ({ page }) => {
  await login(page, "editor");
  const { url } = await createVhost(page, uniqueDomain("early-rule"));
  for (const native of [false, true]) {
    const scripts = await openHeld(page, `${url}/rules`);
    const id = Number(await page.getByLabel("Rule id").inputValue());
    await autofill(page.getByLabel("Description"), native ? "native rule" : "hydrated rule");
    const text = page.getByLabel("SecRule");
    await text.click();
    await page.keyboard.type(`SecRule ARGS:q "@rx evil" `);
    await pasteText(page, text, `"id:${id},phase:2,deny,status:403,log,msg:'x'"`);
    const shown = await text.inputValue();
    if (native) {
      await page.getByRole("button", { name: "Add rule" }).click();
      await expect(page.getByTestId("native-status")).toHaveText("Custom rule saved.");
      await scripts.release();
    } else {
      await scripts.release();
      await hydrated(page);
      await expect(text, "hydration rewrote the rule text").toHaveValue(shown);
      await page.getByRole("button", { name: "Add rule" }).click();
      await expect(page.getByText(`Added custom rule ${id}.`)).toBeVisible();
    }
    await page.goto(`${url}/rules`);
    await hydrated(page);
    const saved = page.getByRole("listitem", { name: `Custom rule ${id}` });
    await expect(saved).toContainText(native ? "native rule" : "hydrated rule");
    await saved.getByRole("button", { name: `Edit rule ${id}` }).click();
    await expect(saved.getByLabel("SecRule")).toHaveValue(shown);
  }
});

test("a template description composed with an IME and a mode chosen before hydration are saved as shown", async ({ page }) => {
  await login(page, "admin");
  for (const native of [false, true]) {
    const scripts = await openHeld(page, "/templates/new");
    const name = `early-${native ? "native" : "hydrated"}-${Date.now().toString(36)}`;
    await page.getByLabel("Name").fill(name);
    const description = page.getByLabel("Description");
    await description.click();
    await page.keyboard.type("Shop sites ");
    await compose(page, "にほん", "日本");
    await page.keyboard.type(" only");
    await page.getByLabel("Engine mode").selectOption({ label: "Detection only" });
    const shown = await description.inputValue();
    expect(shown).toBe("Shop sites 日本 only");
    if (native) {
      await page.getByRole("button", { name: "Create template" }).click();
      await expect(page).toHaveURL(/\/templates$/);
      await scripts.release();
    } else {
      await scripts.release();
      await hydrated(page);
      await expect(description).toHaveValue(shown);
      await page.getByRole("button", { name: "Create template" }).click();
      await expect(page).toHaveURL(/\/templates$/);
    }
    await page.goto("/templates");
    await hydrated(page);
    await page.getByRole("link", { name, exact: true }).click();
    await hydrated(page);
    await expect(page.getByLabel("Description")).toHaveValue(shown);
    await expect(page.getByLabel("Engine mode")).toHaveValue("DETECTION_ONLY");
  }
});

test("a policy mode and threshold chosen before hydration are kept by hydration", async ({ page }) => {
  await login(page, "editor");
  const { url } = await createVhost(page, uniqueDomain("early-policy"));
  const scripts = await openHeld(page, `${url}/policy`);
  await page.getByRole("radio", { name: /^Detection only/ }).check();
  await page.getByLabel("Inbound anomaly threshold").fill("9");
  await scripts.release();
  await hydrated(page);
  await expect(page.getByRole("radio", { name: /^Detection only/ }), "hydration reset the mode").toBeChecked();
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("9");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("radio", { name: /^Detection only/ })).toBeChecked();
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("9");
});
