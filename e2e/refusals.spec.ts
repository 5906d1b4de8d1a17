// Refusals and wording (issue 19): one 403 panel wherever a role may not open a page, the reason Publish
// is disabled in plain sight, and audit diffs in the forms' words.
import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, loggedInPage, uniqueDomain } from "./fixtures";

async function expectRefused(page: Page, path: string, needs: string, back: { name: string; href: string }) {
  const res = await page.goto(path);
  expect(res?.status(), `${path} answers 403`).toBe(403);
  await expect(page).toHaveURL(new RegExp(`${path.replace(/\//g, "\\/")}$`)); // not redirected elsewhere
  await expect(page.getByRole("heading", { level: 1, name: "You cannot open this page" })).toBeVisible();
  const panel = page.getByTestId("forbidden");
  await expect(panel).toContainText(`this page is for ${needs} only`);
  await expect(panel.getByRole("link", { name: back.name })).toHaveAttribute("href", back.href);
  // Inside the panel: the navigation is still there.
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

test("a role that may not open a page gets the same 403 panel everywhere, and the refusal is on record", async ({ browser }) => {
  const editor = await loggedInPage(browser, "editor");
  await expectRefused(editor, "/templates/new", "admins", { name: "← Back to the templates", href: "/templates" });
  await expect(editor.getByLabel("Name")).toHaveCount(0); // the form is not rendered
  await expectRefused(editor, "/users", "admins", { name: "← Back to the dashboard", href: "/" });
  await expect(editor.getByTestId("forbidden")).toContainText("Ask an admin if you need an account created");
  await expect(editor.getByTestId("user-row")).toHaveCount(0);
  await expectRefused(editor, "/audit/verify", "admins and auditors", { name: "← Back to the audit log", href: "/audit" });
  await expect(editor.getByTestId("chain-verdict")).toHaveCount(0);

  const auditor = await loggedInPage(browser, "auditor");
  await expectRefused(auditor, "/vhosts/new", "admins and editors", { name: "← Back to the virtual hosts", href: "/vhosts" });
  await expect(auditor.getByRole("button", { name: "Create virtual host" })).toHaveCount(0);

  // Following the link back works, and a permitted role still opens the pages.
  await auditor.getByRole("link", { name: "← Back to the virtual hosts" }).click();
  await expect(auditor).toHaveURL(/\/vhosts$/);
  const admin = await loggedInPage(browser, "admin");
  for (const path of ["/templates/new", "/vhosts/new", "/users"]) expect((await admin.goto(path))?.status(), path).toBe(200);
  await expect(admin.getByTestId("forbidden")).toHaveCount(0);

  await admin.goto("/audit?action=security.denied");
  const rows = admin.getByTestId("audit-row");
  await expect(rows.filter({ hasText: "editor@palisade.local (EDITOR) was refused GET /templates/new: needs template.manage" }).first()).toBeVisible();
  await expect(rows.filter({ hasText: "auditor@palisade.local (AUDITOR) was refused GET /vhosts/new: needs vhost.write" }).first()).toBeVisible();
});

test("editors and auditors read why Publish is disabled and how many changes wait, properly pluralised", async ({ browser }) => {
  const editor = await loggedInPage(browser, "editor");
  await createVhost(editor, uniqueDomain("waiting")); // at least one unpublished change
  for (const page of [editor, await loggedInPage(browser, "auditor")]) {
    await page.goto("/config");
    await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();
    await expect(page.getByTestId("publish-disabled-reason")).toBeVisible();
    await expect(page.getByTestId("publish-disabled-reason")).toHaveText("Only an admin can publish.");
    const n = await page.getByTestId("pending-vhost").count();
    expect(n).toBeGreaterThan(0);
    const line = page.getByTestId("unpublished-for-admin");
    await expect(line).toHaveText(`${n} unpublished ${n === 1 ? "change" : "changes"} — an admin publishes them.`);
    await expect(line).not.toContainText("(s)");
  }
  // An admin may publish: no such line.
  const admin = await loggedInPage(browser, "admin");
  await admin.goto("/config");
  await expect(admin.getByTestId("unpublished-for-admin")).toHaveCount(0);
});

test("a policy change's audit entry reads \"Blocking paranoia 1 → 2\" and lists no version bump", async ({ browser }) => {
  const editor = await loggedInPage(browser, "editor");
  const { id } = await createVhost(editor, uniqueDomain("labels"));
  await editor.goto(`/vhosts/${id}/policy`);
  await hydrated(editor);
  await editor.getByLabel("Blocking paranoia level").selectOption("2");
  await editor.getByLabel("Detection paranoia level").selectOption("2");
  await editor.getByRole("button", { name: "Save policy" }).click();
  await expect(editor.getByText("Policy saved.")).toBeVisible();

  await editor.goto(`/audit?vhost=${id}&action=policy.update`);
  await editor.getByTestId("audit-row").first().getByRole("link").first().click();
  await expect(editor.getByRole("heading", { name: /^Event #\d+: policy\.update$/ })).toBeVisible();
  const rows = editor.getByTestId("diff-row");
  await expect(rows).toHaveCount(2);
  expect((await rows.filter({ hasText: "Blocking paranoia" }).innerText()).replace(/\s+/g, " ").trim()).toBe("Blocking paranoia 1 → 2");
  expect((await rows.filter({ hasText: "Detection paranoia" }).innerText()).replace(/\s+/g, " ").trim()).toBe("Detection paranoia 1 → 2");
  await expect(rows.filter({ hasText: /version/i })).toHaveCount(0);
  await expect(rows.filter({ hasText: "blockingParanoia" })).toHaveCount(0);
  // The raw values, version included, stay available to reviewers.
  await expect(editor.getByRole("region", { name: "After" })).toContainText("version");
  await expect(editor.getByRole("region", { name: "After" })).toContainText("blockingParanoia");
});
