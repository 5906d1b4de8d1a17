// Single sign-on through a real OpenID provider (lib/testing/oidc-provider.ts, started by
// e2e/global-setup.ts on OIDC_PORT): the browser goes to the provider's login form and back; the panel
// maps the groups claim to a role and asks the provider again on every request (PALISADE_OIDC_RECHECK_SECONDS=0).
import { expect, test, type Page } from "@playwright/test";
import { OIDC_ISSUER } from "./databases";
import { hydrated } from "./fixtures";

async function idp(path: string, body: unknown = {}) {
  const res = await fetch(`${OIDC_ISSUER}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.ok, `${path} answered ${res.status}`).toBe(true);
}

async function signInAtProvider(page: Page, username: string, path = "/login") {
  await page.goto(path);
  await hydrated(page);
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.waitForURL(`${OIDC_ISSUER}/interaction/**`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(`${username}-password`);
  await page.getByRole("button", { name: "Log in to Test IdP" }).click();
}

test.beforeEach(() => idp("/__test/reset"));
test.afterAll(() => idp("/__test/reset"));

test("signs in through the provider's login form and lands in the panel with the mapped role", async ({ page }) => {
  await signInAtProvider(page, "alice", "/login?callbackUrl=%2Fusers");
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId("current-user")).toHaveText("alice@idp.test · ADMIN");
  // The user was created by the sign-in, audited as the system.
  await page.goto("/audit?q=alice%40idp.test");
  await expect(page.getByText("at their first sign-in through the identity provider").first()).toBeVisible();
});

test("a user whose groups change at the provider gets the new role, and loses access on the next request when removed", async ({ page }) => {
  await signInAtProvider(page, "bob");
  await expect(page.getByTestId("current-user")).toHaveText("bob@idp.test · EDITOR");

  await idp("/__test/account", { id: "bob", groups: ["waf-auditors"] });
  await page.reload();
  await expect(page.getByTestId("current-user")).toHaveText("bob@idp.test · AUDITOR");

  await idp("/__test/account", { id: "bob", groups: ["staff"] });
  await page.reload();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("button", { name: "Continue with Test IdP" })).toBeVisible();

  // Back in the group: the same cookie works again (nothing else ended the session).
  await idp("/__test/account", { id: "bob", groups: ["waf-editors"] });
  await page.goto("/");
  await expect(page.getByTestId("current-user")).toHaveText("bob@idp.test · EDITOR");

  // Disabled at the provider: refused as well.
  await idp("/__test/account", { id: "bob", disabled: true });
  await page.reload();
  await expect(page).toHaveURL(/\/login/);
});

test("a user in no mapped group is refused with a clear message", async ({ page }) => {
  await signInAtProvider(page, "eve");
  await expect(page).toHaveURL(/\/login\?(.*&)?error=OidcUnmapped/);
  await expect(page.getByRole("alert").filter({ hasText: "in no group that has access to Palisade" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
});

test("a forged ID token (another key's signature) and an expired one are refused", async ({ page }) => {
  for (const mode of ["bad-signature", "expired"]) {
    await page.context().clearCookies();
    await idp("/__test/forgery", { mode });
    await signInAtProvider(page, "alice");
    await expect(page).toHaveURL(/\/login\?(.*&)?error=OAuthCallback/);
    await expect(page.getByRole("alert").filter({ hasText: "its answer could not be verified" })).toBeVisible();
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
  }
});

test("signing out ends the provider's session too: the next sign-in asks for the provider's login again", async ({ page }) => {
  await signInAtProvider(page, "alice");
  await expect(page.getByTestId("current-user")).toHaveText("alice@idp.test · ADMIN");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  // RP-initiated logout: the provider's end-session page (with the ID token as hint), then back to /login.
  // (its page imports a web font, which this machine cannot fetch: go on once the page is committed.)
  await page.waitForURL(`${OIDC_ISSUER}/session/end?**`, { waitUntil: "commit" });
  expect(new URL(page.url()).searchParams.get("id_token_hint")).toBeTruthy();
  await page.getByRole("button", { name: "Yes, sign me out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  // The provider's session ended: "Continue with Test IdP" shows its login form instead of signing in silently.
  await hydrated(page);
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.waitForURL(`${OIDC_ISSUER}/interaction/**`);
  await expect(page.getByLabel("Username")).toBeVisible();
  // And signing in there works as before.
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill("alice-password");
  await page.getByRole("button", { name: "Log in to Test IdP" }).click();
  await expect(page.getByTestId("current-user")).toHaveText("alice@idp.test · ADMIN");
});
