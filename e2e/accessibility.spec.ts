// Every screen, as every role, on a desktop and on a phone (issue 19): axe-core finds no serious or
// critical WCAG 2.1 A/AA violation on any page a role may open, and no page is wider than the viewport.
// Then the phone navigation (a native popover, so it works before hydration too) and the skip link.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E_DATABASES } from "./databases";
import { USERS, hydrated, login } from "./fixtures";
import { ALL, PAGES, loadPageData, type Ids, type Role } from "./pages";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const WIDTHS = [
  { name: "desktop", viewport: DESKTOP },
  { name: "phone", viewport: PHONE },
];

async function signedIn(browser: Browser, role: keyof typeof USERS, viewport: { width: number; height: number }) {
  const page = await (await browser.newContext({ viewport })).newPage();
  await login(page, role);
  return page;
}

/** The serious and critical WCAG 2.1 A/AA violations on the page, one line per rule and element. */
async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    // Experimental in axe, so off by default: a button's accessible name must contain its visible text (WCAG 2.5.3).
    .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
    .analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} — ${n.failureSummary?.split("\n").slice(1).join(" ").trim()}`));
}

let ids: Ids;
test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000);
  const d = E2E_DATABASES.find((x) => x.project === testInfo.project.name);
  if (!d) throw new Error(`no e2e database for project ${testInfo.project.name}`);
  ids = await loadPageData(d);
});

// Each role at each width runs on one of the two databases, taking turns: axe takes ~2 s a page (a third of it the
// contrast rule) and reads markup, which the database does not change, so running all six on both doubled 8 minutes
// of CI for nothing. Each database still sees every role and both widths.
const COMBOS = WIDTHS.flatMap((w, wi) =>
  (ALL as (keyof typeof USERS)[]).map((role, ri) => ({ ...w, role, project: E2E_DATABASES[(wi + ri) % E2E_DATABASES.length]!.project })),
);

for (const { name, viewport, role, project } of COMBOS) {
  test(`${role} at ${viewport.width} px (${name}): every page passes axe and fits the screen`, async ({ browser }, testInfo) => {
    test.skip(testInfo.project.name !== project, `runs on ${project} (the roles and widths take turns between the databases)`);
    test.setTimeout(600_000);
    const page = await signedIn(browser, role, viewport);
    const problems: string[] = [];
    const missing: string[] = [];
    page.on("response", (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
    // The first URL of every route the role may open: the route's markup, not every filter of it.
    for (const p of PAGES.filter((x) => x.roles.includes(role as Role))) {
      const url = p.urls(ids)[0]!;
      const res = await page.goto(url);
      expect(res?.status(), `${role} GET ${url}`).toBe(200);
      await hydrated(page);
      for (const v of await seriousViolations(page)) problems.push(`${url}: ${v}`);
      const overflow = await page.evaluate(() => {
        const { scrollWidth } = document.documentElement;
        if (scrollWidth <= window.innerWidth) return null;
        // The outermost elements that stick out, to say what to fix.
        const out = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1);
        const outermost = out.filter((e) => !out.includes(e.parentElement!)).slice(0, 3);
        return { scrollWidth, innerWidth: window.innerWidth, culprits: outermost.map((e) => `<${e.tagName.toLowerCase()} class="${e.getAttribute("class") ?? ""}">`) };
      });
      if (overflow) problems.push(`${url}: the page is ${overflow.scrollWidth} px wide in a ${overflow.innerWidth} px viewport: ${overflow.culprits.join(", ")}`);
    }
    expect(problems, `${role} at ${viewport.width} px`).toEqual([]);
    expect(missing, "responses with status 404 (the favicon among them)").toEqual([]);
  });
}

test("on a phone the menu button opens the navigation, by pointer and by keyboard, and closes after a link", async ({ browser }) => {
  const page = await signedIn(browser, "admin", PHONE);
  await page.goto("/vhosts");
  await hydrated(page);
  await expect(page.getByTestId("current-user")).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(nav).toBeHidden();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toHaveAttribute("aria-controls", "main-nav");

  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav.getByRole("link", { name: "Virtual hosts" })).toHaveAttribute("aria-current", "page");
  for (const label of ["Dashboard", "Virtual hosts", "Templates", "Config", "Nodes", "Events", "Audit log", "Users", "Your account"]) {
    await expect(nav.getByRole("link", { name: label, exact: true })).toBeInViewport();
  }
  await expect(nav.getByRole("button", { name: "Sign out", exact: true })).toBeInViewport();
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(nav).toBeHidden();
  await expect(menu).toHaveAttribute("aria-expanded", "false");

  // Keyboard: Enter opens, Tab reaches the links, Escape closes and the focus returns to the button.
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(nav).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Dashboard" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();
  await page.context().close();
});

test("the phone menu opens before any script has run", async ({ browser }) => {
  const signedInPage = await signedIn(browser, "editor", PHONE);
  const noScript = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, storageState: await signedInPage.context().storageState() });
  const page = await noScript.newPage();
  await page.goto("/templates");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(nav.getByRole("link", { name: "Nodes" })).toBeInViewport();
  await expect(nav.getByRole("link", { name: "Templates" })).toHaveAttribute("aria-current", "page");
  await noScript.close();
  await signedInPage.context().close();
});

for (const { name, viewport } of WIDTHS) {
  test(`the skip link is the first Tab stop and moves the focus to the content (${name})`, async ({ browser }) => {
    const page = await signedIn(browser, "auditor", viewport);
    await page.goto("/audit");
    await hydrated(page);
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press("Enter");
    await expect(page.locator("main#content")).toBeFocused();
    // The next Tab goes into the page, past the navigation.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("main")?.id)).toBe("content");
    await page.context().close();
  });
}

test("on a wide screen the navigation is a sidebar that does not wrap and marks the current page", async ({ browser }) => {
  const page = await signedIn(browser, "admin", DESKTOP);
  await page.goto(`/vhosts/${ids.vhostId}/policy`);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
  await expect(nav.getByRole("link", { name: "Virtual hosts" })).toHaveAttribute("aria-current", "page");
  await expect(nav.locator("[aria-current]")).toHaveCount(1);
  for (const label of ["Virtual hosts", "Audit log", "Your account"]) {
    const box = (await nav.getByRole("link", { name: label }).boundingBox())!;
    expect(box.height, `${label} on one line`).toBeLessThan(44);
  }
  await expect(page.getByTestId("current-user")).toBeVisible();
  await page.context().close();
});

test("the sign-in page passes axe and fits the screen at both widths", async ({ browser }) => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto("/login");
    await hydrated(page);
    expect(await seriousViolations(page), `/login at ${viewport.width} px`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `/login fits ${viewport.width} px`).toBe(true);
    await page.context().close();
  }
});
