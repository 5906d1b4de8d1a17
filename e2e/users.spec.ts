import { expect, test, type Page } from "@playwright/test";
import { hydrated, loggedInPage, login } from "./fixtures";

function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@example.com`;
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Creates a user through the "New user" form (the admin's page must be signed in). */
async function createUserViaForm(page: Page, user: { email: string; name: string; role: "Admin" | "Editor" | "Auditor"; password: string }) {
  await page.goto("/users/new");
  await hydrated(page);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Role").selectOption({ label: user.role });
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByLabel("Password again").fill(user.password);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText(`Created ${user.email}.`)).toBeVisible();
  await expect(page).toHaveURL(/\/users$/);
}

test("an admin creates an editor, with field errors for bad input first, and the new editor signs in", async ({ page, browser }) => {
  const email = uniqueEmail("editor");
  await login(page, "admin");
  await page.getByRole("link", { name: "Users", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByRole("link", { name: "New user" }).click();

  // Bad input: inline errors, nothing created.
  await page.getByLabel("Email").fill("not an email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Password again").fill("different");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByText("Enter the person's name.")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters")).toBeVisible();
  await expect(page.getByText("The two passwords differ")).toBeVisible();

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name").fill("Erin Editor");
  await page.getByLabel("Password", { exact: true }).fill(email);
  await page.getByLabel("Password again").fill(email);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText("The password cannot be the email address.")).toBeVisible();

  const password = "erin's long passphrase";
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password again").fill(password);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText(`Created ${email}.`)).toBeVisible();
  const row = page.locator(`[data-testid="user-row"][data-email="${email}"]`);
  await expect(row).toContainText("Erin Editor");
  await expect(row).toContainText("Editor");
  await expect(row).toContainText("Active");

  const erin = await (await browser.newContext()).newPage();
  await signIn(erin, email, password);
  await expect(erin.getByTestId("current-user")).toContainText(`${email} · EDITOR`);
  await expect(erin.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);

  await page.goto("/audit");
  await expect(page.getByTestId("audit-row").filter({ hasText: `Created user ${email} (EDITOR)` })).toHaveCount(1);
});

test("an admin cannot disable themself or drop their own admin role; the server refuses a forged attempt too", async ({ page, browser }) => {
  await login(page, "admin");
  await page.goto("/users");
  const me = page.locator('[data-testid="user-row"][data-email="admin@palisade.local"]');
  await expect(me).toContainText("you");
  await expect(me.getByRole("button", { name: "Disable admin@palisade.local" })).toBeDisabled();
  await expect(me.getByRole("button", { name: "Change role of admin@palisade.local" })).toBeDisabled();
  const adminId = await me.getAttribute("data-user-id");

  // Disable someone else, through the confirmation dialog, and capture how the browser calls the action.
  const email = uniqueEmail("temp");
  await createUserViaForm(page, { email, name: "Temp Auditor", role: "Auditor", password: "temporary-password" });
  const temp = await (await browser.newContext()).newPage();
  await signIn(temp, email, "temporary-password");
  await expect(temp.getByTestId("current-user")).toContainText(email);

  const row = page.locator(`[data-testid="user-row"][data-email="${email}"]`);
  await row.getByRole("button", { name: `Disable ${email}` }).click();
  const dialog = page.getByRole("dialog", { name: `Disable ${email}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toContainText("Active");

  await row.getByRole("button", { name: `Disable ${email}` }).click();
  const called = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
  await dialog.getByRole("button", { name: "Disable account" }).click();
  const call = await called;
  await expect(page.getByText(`Disabled ${email}: their sessions ended.`)).toBeVisible();
  await expect(row).toContainText("Disabled");

  // The disabled user's open session ends at once.
  await temp.goto("/vhosts");
  await expect(temp).toHaveURL(/\/login/);

  // Replay the call with the admin's own id: refused by the server, nothing changes.
  const body = JSON.parse(call.postData() ?? "[]") as [Record<string, unknown>];
  expect(body[0]).toMatchObject({ disabled: true });
  body[0] = { ...body[0], id: adminId };
  const res = await page.request.post("/users", {
    headers: { "next-action": call.headers()["next-action"]!, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component" },
    data: JSON.stringify(body),
  });
  expect(await res.text()).toContain("You cannot disable your own account");
  await page.reload();
  await expect(me).toContainText("Active");
  await expect(page.getByTestId("current-user")).toContainText("admin@palisade.local");
});

test("an editor gets no Users link, and the users pages refuse them", async ({ browser }) => {
  const editor = await loggedInPage(browser, "editor");
  await expect(editor.getByRole("link", { name: "Virtual hosts", exact: true })).toBeVisible();
  await expect(editor.getByRole("link", { name: "Templates", exact: true })).toBeVisible();
  await expect(editor.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);
  for (const path of ["/users", "/users/new"]) {
    await editor.goto(path);
    await expect(editor.getByTestId("forbidden")).toContainText("this page is for admins only");
    await expect(editor.getByTestId("user-row")).toHaveCount(0);
    await expect(editor.getByRole("button", { name: "Create user" })).toHaveCount(0);
  }
  // Each refused view is a security event an admin can find.
  const admin = await loggedInPage(browser, "admin");
  await admin.goto("/audit?action=security.denied&q=users");
  for (const path of ["/users", "/users/new"]) {
    await expect(admin.getByTestId("audit-row").filter({ hasText: `editor@palisade.local (EDITOR) was refused GET ${path}: needs user.manage` }).first()).toBeVisible();
  }
});
