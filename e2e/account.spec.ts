import { expect, test, type Browser, type Page } from "@playwright/test";
import { hydrated, loggedInPage } from "./fixtures";

async function signedIn(browser: Browser, email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toContainText(email);
  return page;
}

test("a user changes their own password from the header link: wrong current password refused, other sessions end, this one goes on", async ({ browser }) => {
  const email = `self-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@example.com`;
  const first = "first password for e2e";
  const second = "second password for e2e";
  const admin = await loggedInPage(browser, "admin");
  await admin.goto("/users/new");
  await hydrated(admin);
  await admin.getByLabel("Email").fill(email);
  await admin.getByLabel("Name").fill("Self Service");
  await admin.getByLabel("Role").selectOption({ label: "Auditor" });
  await admin.getByLabel("Password", { exact: true }).fill(first);
  await admin.getByLabel("Password again").fill(first);
  await admin.getByRole("button", { name: "Create user" }).click();
  await expect(admin.getByText(`Created ${email}.`)).toBeVisible();

  const here = await signedIn(browser, email, first);
  const elsewhere = await signedIn(browser, email, first);

  await here.getByRole("link", { name: "Your account" }).click();
  await expect(here.getByRole("heading", { name: "Your account" })).toBeVisible();
  await hydrated(here);
  await here.getByLabel("Current password").fill("not the password at all");
  await here.getByLabel("New password", { exact: true }).fill(second);
  await here.getByLabel("New password again").fill(second);
  await here.getByRole("button", { name: "Change password" }).click();
  await expect(here.getByText("That is not your current password.").first()).toBeVisible();
  await expect(here.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");

  await here.getByLabel("Current password").fill(first);
  await here.getByLabel("New password", { exact: true }).fill(second);
  await here.getByLabel("New password again").fill(second);
  await here.getByRole("button", { name: "Change password" }).click();
  await expect(here.getByText("Password changed. Your other sessions have ended; this one goes on.")).toBeVisible();
  // The password never comes back into the page.
  expect(await here.content()).not.toContain(second);

  // This session goes on; the other browser's is over.
  await here.goto("/vhosts");
  await expect(here.getByTestId("current-user")).toContainText(email);
  await elsewhere.goto("/vhosts");
  await expect(elsewhere).toHaveURL(/\/login/);

  // The new password signs in, the old one does not; the change is on record.
  await signedIn(browser, email, second);
  await admin.goto(`/audit?action=user.password_change`);
  await expect(admin.getByText(`${email} changed their password (their other sessions ended)`)).toBeVisible();
});
