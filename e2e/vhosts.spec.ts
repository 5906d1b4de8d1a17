import { expect, test } from "@playwright/test";
import { hydrated, login, loggedInPage, uniqueDomain } from "./fixtures";

test("an admin creates and edits a virtual host and sees both events in the audit log", async ({ page }) => {
  const domain = uniqueDomain("shop");
  await login(page, "admin");
  await page.getByRole("link", { name: "Virtual hosts" }).click();
  await page.getByRole("link", { name: "New virtual host" }).click();

  // Bad input first: field errors, nothing saved.
  await page.getByLabel("Domain", { exact: true }).fill("not a domain");
  await page.getByLabel("Backend URL").fill("ftp://backend");
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByText("A domain name cannot contain spaces")).toBeVisible();
  await expect(page.getByText("must start with http:// or https://")).toBeVisible();

  await page.getByLabel("Domain", { exact: true }).fill(domain.toUpperCase());
  await page.getByLabel("Backend URL").fill("http://10.0.0.5:8080");
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByRole("heading", { name: domain })).toBeVisible();
  await expect(page.getByText("Blocking · PL1")).toBeVisible();

  await page.getByLabel("Backend URL").fill("https://10.0.0.6:8443");
  await page.getByLabel("Aliases").fill(`www.${domain}`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(page.getByText("Version 2")).toBeVisible();

  await page.getByRole("link", { name: "Audit log" }).click();
  const rows = page.getByTestId("audit-row");
  await expect(rows.filter({ hasText: `Updated ${domain}: aliases, backendUrl` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `Created virtual host ${domain}` })).toHaveCount(1);
  // Newest first: the update is above the create.
  const texts = await rows.allInnerTexts();
  const iUpdate = texts.findIndex((t) => t.includes(`Updated ${domain}`));
  const iCreate = texts.findIndex((t) => t.includes(`Created virtual host ${domain}`));
  expect(iUpdate).toBeLessThan(iCreate);

  await rows.filter({ hasText: `Updated ${domain}` }).getByRole("link").click();
  await expect(page.getByRole("region", { name: "Before" })).toContainText("http://10.0.0.5:8080");
  await expect(page.getByRole("region", { name: "After" })).toContainText("https://10.0.0.6:8443");
});

test("a duplicate domain is a field error, not a crash", async ({ page }) => {
  const domain = uniqueDomain("dup");
  await login(page, "editor");
  for (const attempt of [1, 2]) {
    await page.goto("/vhosts/new");
    await hydrated(page);
    await page.getByLabel("Domain", { exact: true }).fill(domain);
    await page.getByLabel("Backend URL").fill("http://10.0.0.7");
    await page.getByRole("button", { name: "Create virtual host" }).click();
    if (attempt === 1) await expect(page.getByRole("heading", { name: domain })).toBeVisible();
  }
  await expect(page.getByText(`A virtual host for ${domain} already exists.`)).toBeVisible();
});

test("the second of two concurrent saves gets a conflict naming who saved first, and keeps its input", async ({ browser }) => {
  const domain = uniqueDomain("race");
  const admin = await loggedInPage(browser, "admin");
  await admin.goto("/vhosts/new");
  await hydrated(admin);
  await admin.getByLabel("Domain", { exact: true }).fill(domain);
  await admin.getByLabel("Backend URL").fill("http://10.0.1.1");
  await admin.getByRole("button", { name: "Create virtual host" }).click();
  await expect(admin.getByRole("heading", { name: domain })).toBeVisible();
  const url = admin.url();

  const editor = await loggedInPage(browser, "editor");
  await editor.goto(url);
  await hydrated(editor);
  await expect(editor.getByLabel("Backend URL")).toHaveValue("http://10.0.1.1");

  await admin.getByLabel("Backend URL").fill("http://10.0.1.2");
  await admin.getByRole("button", { name: "Save changes" }).click();
  await expect(admin.getByText("Version 2")).toBeVisible();

  await editor.getByLabel("Backend URL").fill("http://10.0.1.3");
  await editor.getByRole("button", { name: "Save changes" }).click();
  await expect(editor.getByTestId("conflict")).toContainText("admin@palisade.local saved this");
  await expect(editor.getByLabel("Backend URL")).toHaveValue("http://10.0.1.3");

  // Nothing was lost: the admin's save stands until the editor chooses to overwrite it.
  await admin.reload();
  await expect(admin.getByLabel("Backend URL")).toHaveValue("http://10.0.1.2");
  await editor.getByRole("button", { name: "Save mine over theirs" }).click();
  await expect(editor.getByText("Saved.")).toBeVisible();
  await admin.reload();
  await expect(admin.getByLabel("Backend URL")).toHaveValue("http://10.0.1.3");
});

test("an auditor sees no edit controls, and a direct call of the action is refused and changes nothing", async ({ browser }) => {
  const domain = uniqueDomain("ro");
  const admin = await loggedInPage(browser, "admin");
  await admin.goto("/vhosts/new");
  await hydrated(admin);
  await admin.getByLabel("Domain", { exact: true }).fill(domain);
  await admin.getByLabel("Backend URL").fill("http://10.0.2.1");
  await admin.getByRole("button", { name: "Create virtual host" }).click();
  await expect(admin.getByRole("heading", { name: domain })).toBeVisible();
  const url = admin.url();

  // Capture how the browser calls the update action (its id and body), as the admin.
  const saved = admin.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
  await admin.getByLabel("Backend URL").fill("http://10.0.2.2");
  await admin.getByRole("button", { name: "Save changes" }).click();
  const call = await saved;
  await expect(admin.getByText("Version 2")).toBeVisible();

  const auditor = await loggedInPage(browser, "auditor");
  await auditor.goto("/vhosts");
  await expect(auditor.getByRole("link", { name: "New virtual host" })).toHaveCount(0);
  await auditor.goto(url);
  await expect(auditor.getByTestId("vhost-readonly")).toContainText("http://10.0.2.2");
  await expect(auditor.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await expect(auditor.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(auditor.getByRole("button", { name: /Disable/ })).toHaveCount(0);

  // Replay the admin's action call with the auditor's session, now trying to change the backend.
  const body = JSON.parse(call.postData() ?? "[]") as [Record<string, unknown>];
  body[0] = { ...body[0], backendUrl: "http://evil.example", version: 2 };
  const res = await auditor.request.post(url, {
    headers: { "next-action": call.headers()["next-action"]!, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component" },
    data: JSON.stringify(body),
  });
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain("Your role does not allow this action.");

  await admin.reload();
  await expect(admin.getByLabel("Backend URL")).toHaveValue("http://10.0.2.2");
  await expect(admin.getByText("Version 2")).toBeVisible();
  await admin.goto("/audit");
  await expect(admin.getByTestId("audit-row").filter({ hasText: "auditor@palisade.local (AUDITOR) was refused updateVhostAction" })).toHaveCount(1);
});

test("pages need a session: the proxy sends a signed-out visitor to the login page and back", async ({ page }) => {
  await page.goto("/vhosts?q=shop");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fvhosts%3Fq%3Dshop/);
  await hydrated(page);
  await page.getByLabel("Email").fill("admin@palisade.local");
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password")).toBeVisible();
  await page.getByLabel("Password").fill("palisade-admin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/vhosts\?q=shop$/);
});
