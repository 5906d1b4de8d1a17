import { expect, type Browser, type Page } from "@playwright/test";

export const USERS = {
  admin: { email: "admin@palisade.local", password: "palisade-admin" },
  editor: { email: "editor@palisade.local", password: "palisade-editor" },
  auditor: { email: "auditor@palisade.local", password: "palisade-auditor" },
} as const;

/**
 * Waits until React has hydrated the page (components/hydration-marker.tsx). Call it after page.goto or
 * reload before using a form: before hydration a click submits the server-rendered form natively and a
 * select reveals none of the fields its onChange would.
 */
export async function hydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]"), "React has not hydrated the page").toBeAttached();
}

export async function login(page: Page, who: keyof typeof USERS) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(USERS[who].email);
  await page.getByLabel("Password").fill(USERS[who].password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toContainText(USERS[who].email);
}

export async function loggedInPage(browser: Browser, who: keyof typeof USERS) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, who);
  return page;
}

/** A domain no other test uses, so specs do not depend on each other's data. */
export function uniqueDomain(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}.example.com`;
}

/** Creates a vhost through the form and returns its page's URL and id (the page is left on its settings). */
export async function createVhost(page: Page, domain: string, backendUrl = "http://10.0.0.5:8080") {
  await page.goto("/vhosts/new");
  await hydrated(page);
  await page.getByLabel("Domain", { exact: true }).fill(domain);
  await page.getByLabel("Backend URL").fill(backendUrl);
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByRole("heading", { name: domain })).toBeVisible();
  const id = /\/vhosts\/([0-9a-f-]{36})/.exec(page.url())?.[1];
  expect(id, "the new vhost's id in the URL").toBeTruthy();
  return { url: page.url(), id: id! };
}
