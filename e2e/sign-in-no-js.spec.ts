// Signing in with JavaScript off, on both databases (issue 22): the sign-in form is a server action, so the
// browser posts it itself and the server answers with the next step. A password-only account, then the same
// account with two-factor sign-in: the code step (a TOTP code, a wrong code, a recovery code) carries a sealed
// pending token, never the password. Setting up the account (an admin creates it, the user enrols) uses a
// browser with scripts, as people do. Last, single sign-on through the test provider and signing out there.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { OIDC_ISSUER } from "./databases";
import { hydrated, login } from "./fixtures";

test.use({ javaScriptEnabled: false });

const PASSWORD = "no script e2e password";

function codeFor(secret: string, timestamp: number) {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({ timestamp });
}

async function noScriptPage(browser: Browser, userAgent: string) {
  return (await browser.newContext({ javaScriptEnabled: false, userAgent })).newPage();
}

/** The page works without its scripts: React never ran. */
async function notHydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(0);
}

async function passwordStep(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("password and two-factor sign-in (TOTP code, wrong code, recovery code) without JavaScript", async ({ browser }) => {
  test.setTimeout(300_000);
  const email = `nojs-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@example.com`;
  // Contexts made here take the file's `javaScriptEnabled: false` unless they say otherwise.
  const admin = await (await browser.newContext({ javaScriptEnabled: true })).newPage();
  await login(admin, "admin");
  await admin.goto("/users/new");
  await hydrated(admin);
  await admin.getByLabel("Email").fill(email);
  await admin.getByLabel("Name").fill("No Script");
  await admin.getByLabel("Role").selectOption({ label: "Editor" });
  await admin.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await admin.getByLabel("Password again").fill(PASSWORD);
  await admin.getByRole("button", { name: "Create user" }).click();
  await expect(admin.getByText(`Created ${email}.`)).toBeVisible();

  // Password only: a wrong password is refused on the page (email kept), the right one goes to the page asked for.
  const first = await noScriptPage(browser, "E2E NoScript 1");
  await first.goto("/vhosts");
  await expect(first).toHaveURL(/\/login\?callbackUrl=%2Fvhosts$/);
  await notHydrated(first);
  await passwordStep(first, email, "not the password");
  await expect(first.getByRole("alert")).toHaveText("Wrong email or password, or the account is disabled.");
  await expect(first.getByLabel("Email")).toHaveValue(email);
  await passwordStep(first, email);
  await expect(first).toHaveURL(/\/vhosts$/);
  await expect(first.getByTestId("current-user")).toContainText(email);
  await notHydrated(first);
  // Sign out is a form too.
  await first.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(first).toHaveURL(/\/login$/);
  await first.goto("/vhosts");
  await expect(first).toHaveURL(/\/login/);

  // The user turns on two-factor sign-in (in a browser with scripts).
  const laptop = await (await browser.newContext({ javaScriptEnabled: true })).newPage();
  await laptop.goto("/login");
  await hydrated(laptop);
  await passwordStep(laptop, email);
  await expect(laptop.getByTestId("current-user")).toContainText(email);
  await laptop.goto("/account");
  await hydrated(laptop);
  const secret = (await laptop.getByTestId("totp-secret").textContent())!.trim();
  await laptop.getByLabel("Code from the app").fill(codeFor(secret, Date.now()));
  await laptop.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  const list = laptop.getByRole("list", { name: "Recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const recovery = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  await laptop.getByRole("button", { name: "I have saved them" }).click();

  // Without scripts: the password step answers with the code step; the password is in neither the page nor the URL.
  const phone = await noScriptPage(browser, "E2E NoScript Phone");
  await phone.goto("/login");
  await passwordStep(phone, email);
  await expect(phone.getByLabel("Authentication code")).toBeVisible();
  await expect(phone.getByLabel("Password")).toHaveCount(0);
  await expect(phone.getByText(`Signing in as ${email}`)).toBeVisible();
  expect(await phone.content()).not.toContain(PASSWORD);
  expect(phone.url()).not.toContain(encodeURIComponent(PASSWORD).slice(0, 8));
  // A wrong code: the message on the page, still at the code step.
  await phone.getByLabel("Authentication code").fill("12345x");
  await phone.getByRole("button", { name: "Verify" }).click();
  await expect(phone.getByRole("alert")).toHaveText(/^That code is not valid/);
  // The next time step's code (the enrolment used this one's) signs in.
  await phone.getByLabel("Authentication code").fill(codeFor(secret, Date.now() + 30_000));
  await phone.getByRole("button", { name: "Verify" }).click();
  await expect(phone.getByTestId("current-user")).toContainText(email);
  await notHydrated(phone);

  // A recovery code signs in once.
  const tablet = await noScriptPage(browser, "E2E NoScript Tablet");
  await tablet.goto("/login?callbackUrl=%2Faccount");
  await passwordStep(tablet, email);
  await tablet.getByLabel("Authentication code").fill(recovery[0]!);
  await tablet.getByRole("button", { name: "Verify" }).click();
  await expect(tablet).toHaveURL(/\/account$/);
  await expect(tablet.getByTestId("two-factor-status")).toContainText("9 of 10 recovery codes left");
  const again = await noScriptPage(browser, "E2E NoScript Again");
  await again.goto("/login");
  await passwordStep(again, email);
  await again.getByLabel("Authentication code").fill(recovery[0]!);
  await again.getByRole("button", { name: "Verify" }).click();
  await expect(again.getByRole("alert")).toHaveText(/^That code is not valid/);
});

test("single sign-on and signing out at the provider without JavaScript", async ({ page }) => {
  await fetch(`${OIDC_ISSUER}/__test/reset`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  await page.goto("/login?callbackUrl=%2Fusers");
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.waitForURL(`${OIDC_ISSUER}/interaction/**`);
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill("alice-password");
  await page.getByRole("button", { name: "Log in to Test IdP" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId("current-user")).toHaveText("alice@idp.test · ADMIN");
  await notHydrated(page);

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL(`${OIDC_ISSUER}/session/end?**`, { waitUntil: "commit" });
  await page.getByRole("button", { name: "Yes, sign me out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.waitForURL(`${OIDC_ISSUER}/interaction/**`);
  await expect(page.getByLabel("Username")).toBeVisible();
});
