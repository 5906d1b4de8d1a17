// Issue 15 on the real build: the sign-in redirect stays on the panel, "Sign out" ends the session on the
// server (a copied cookie stops working), and a forged X-Forwarded-For does not become the client address.
import { expect, test } from "@playwright/test";
import { hydrated, login, USERS } from "./fixtures";

test("after sign-in, a callbackUrl that leaves the panel goes to the dashboard instead", async ({ page, baseURL }) => {
  for (const callback of ["/%5Cevil.example", "/%09/evil.example", "/.//evil.example"]) {
    await page.context().clearCookies();
    await page.goto(`/login?callbackUrl=${callback}`);
    await hydrated(page);
    await page.getByLabel("Email").fill(USERS.auditor.email);
    await page.getByLabel("Password").fill(USERS.auditor.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("current-user")).toContainText(USERS.auditor.email);
    expect(new URL(page.url()).origin, callback).toBe(new URL(baseURL!).origin);
  }
});

test("Sign out ends that session on the server; the user's other browser stays signed in", async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const laptopPage = await laptop.newPage();
  const phonePage = await phone.newPage();
  await login(laptopPage, "editor");
  await login(phonePage, "editor");
  const copied = await laptop.cookies();

  // A copy of the laptop's cookie works while the session lasts...
  const thief = await browser.newContext();
  await thief.addCookies(copied);
  const thiefPage = await thief.newPage();
  await thiefPage.goto("/vhosts");
  await expect(thiefPage.getByTestId("current-user")).toContainText(USERS.editor.email);

  await laptopPage.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(laptopPage).toHaveURL(/\/login/);

  // ...and not after the laptop signed out.
  await thiefPage.goto("/vhosts");
  await expect(thiefPage).toHaveURL(/\/login/);
  await phonePage.goto("/vhosts");
  await expect(phonePage.getByTestId("current-user")).toContainText(USERS.editor.email);
  await Promise.all([laptop.close(), phone.close(), thief.close()]);
});

test("the sign-in lockout records the connection's address, not the X-Forwarded-For the client sent", async ({ request, page }) => {
  const email = `xff-${Date.now().toString(36)}@example.test`;
  for (let i = 0; i < 5; i++) {
    const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await request.post("/api/auth/callback/credentials", {
      form: { csrfToken, email, password: `guess ${i}`, json: "true" },
      headers: { "x-forwarded-for": i % 2 ? "=1+2" : `198.51.100.${i}` },
    });
  }
  await login(page, "admin");
  await page.goto(`/audit?action=security.login_locked&q=${encodeURIComponent(email)}`);
  await expect(page.getByText(`Sign-in for ${email} locked`)).toContainText("(last from 127.0.0.1)");
});
