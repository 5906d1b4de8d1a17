// Two-factor sign-in in the browser, on both databases: a user enrols on /account (codes made with the
// same library an authenticator app uses), signs in with a code and with a recovery code, ends another of
// their sessions from the list, and an admin resets their second factor.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { hydrated, loggedInPage } from "./fixtures";

const PASSWORD = "two factor e2e password";

function codeFor(secret: string, timestamp: number) {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({ timestamp });
}

async function newContextPage(browser: Browser, userAgent: string) {
  return (await browser.newContext({ userAgent })).newPage();
}

/** Signs in; `code` is typed into the second step when the panel asks for it. */
async function signIn(page: Page, email: string, code?: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (code !== undefined) {
    await page.getByLabel("Authentication code").fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
  }
  await expect(page.getByTestId("current-user")).toContainText(email);
}

test("enrol, sign in with a code and a recovery code, end another session, admin reset", async ({ browser }) => {
  // One story across five browsers: longer than one page's budget on a busy machine.
  test.setTimeout(360_000);
  const email = `totp-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@example.com`;
  const admin = await loggedInPage(browser, "admin");
  await admin.goto("/users/new");
  await hydrated(admin);
  await admin.getByLabel("Email").fill(email);
  await admin.getByLabel("Name").fill("Two Factor");
  await admin.getByLabel("Role").selectOption({ label: "Editor" });
  await admin.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await admin.getByLabel("Password again").fill(PASSWORD);
  await admin.getByRole("button", { name: "Create user" }).click();
  await expect(admin.getByText(`Created ${email}.`)).toBeVisible();

  // Enrolment on /account.
  const laptop = await newContextPage(browser, "E2E Laptop");
  await signIn(laptop, email);
  await laptop.goto("/account");
  await hydrated(laptop);
  await expect(laptop.getByRole("img", { name: /QR code for setting up two-factor sign-in/ })).toBeVisible();
  const secret = (await laptop.getByTestId("totp-secret").textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await laptop.getByLabel("Code from the app").fill(codeFor(secret, Date.now()) === "000000" ? "111111" : "000000");
  await laptop.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(laptop.getByText(/That code does not match/).first()).toBeVisible();
  await laptop.getByLabel("Code from the app").fill(codeFor(secret, Date.now()));
  await laptop.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  const list = laptop.getByRole("list", { name: "Recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const recovery = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  await laptop.getByRole("button", { name: "I have saved them" }).click();
  await expect(laptop.getByTestId("two-factor-status")).toContainText("10 of 10 recovery codes left");

  // A new sign-in asks for the code: a wrong one is refused, the next time step's code signs in.
  const phone = await newContextPage(browser, "E2E Phone");
  await phone.goto("/login");
  await hydrated(phone);
  await phone.getByLabel("Email").fill(email);
  await phone.getByLabel("Password").fill(PASSWORD);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await phone.getByLabel("Authentication code").fill("12345x");
  await phone.getByRole("button", { name: "Verify" }).click();
  await expect(phone.getByText(/^That code is not valid/)).toBeVisible();
  // The step after the enrolment's (codes are accepted one step either side, and each step once).
  await phone.getByLabel("Authentication code").fill(codeFor(secret, Date.now() + 30_000));
  await phone.getByRole("button", { name: "Verify" }).click();
  await expect(phone.getByTestId("current-user")).toContainText(email);

  // A recovery code signs in once.
  const tablet = await newContextPage(browser, "E2E Tablet");
  await signIn(tablet, email, recovery[0]!);
  await tablet.goto("/account");
  await hydrated(tablet);
  await expect(tablet.getByTestId("two-factor-status")).toContainText("9 of 10 recovery codes left");

  // The sessions list: three sessions, this one marked; ending the phone's signs it out at once.
  const rows = tablet.getByTestId("session-row");
  await expect(rows).toHaveCount(3);
  await expect(tablet.locator('[data-testid="session-row"][data-current="true"]')).toContainText("E2E Tablet");
  await tablet.getByRole("button", { name: /^End session: E2E Phone/ }).click();
  await expect(rows).toHaveCount(2);
  await phone.goto("/vhosts");
  await expect(phone).toHaveURL(/\/login/);
  await laptop.goto("/vhosts");
  await expect(laptop.getByTestId("current-user")).toContainText(email);

  // The used recovery code does not work again.
  const again = await newContextPage(browser, "E2E Again");
  await again.goto("/login");
  await hydrated(again);
  await again.getByLabel("Email").fill(email);
  await again.getByLabel("Password").fill(PASSWORD);
  await again.getByRole("button", { name: "Sign in" }).click();
  await again.getByLabel("Authentication code").fill(recovery[0]!);
  await again.getByRole("button", { name: "Verify" }).click();
  await expect(again.getByText(/^That code is not valid/)).toBeVisible();

  // An admin resets it (a lost phone): the password alone signs in again.
  await admin.goto("/users");
  await hydrated(admin);
  await admin.getByRole("button", { name: `Reset two-factor sign-in of ${email}` }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Reset two-factor" }).click();
  await expect(admin.getByText(`Two-factor sign-in of ${email} reset.`)).toBeVisible();
  await signIn(await newContextPage(browser, "E2E After reset"), email);

  await admin.goto("/audit?action=twofactor.enable");
  await expect(admin.getByText(`${email} turned on two-factor sign-in`)).toBeVisible();
  await admin.goto("/audit?action=twofactor.recovery_used");
  await expect(admin.getByText(`${email} signed in with a recovery code (9 left)`)).toBeVisible();
  await admin.goto("/audit?action=user.session_ended");
  await expect(admin.getByText(new RegExp(`^${email.replace(/[.]/g, "\\.")} ended a session`))).toBeVisible();
});
