import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { hydrated, login, loggedInPage, uniqueDomain } from "./fixtures";

/** An admin creates a vhost and changes its backend and aliases: two events for the reviewer to find. */
async function makeHistory(page: Page, domain: string) {
  await login(page, "admin");
  await page.goto("/vhosts/new");
  await hydrated(page);
  await page.getByLabel("Domain", { exact: true }).fill(domain);
  await page.getByLabel("Backend URL").fill("http://10.0.0.5:8080");
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByRole("heading", { name: domain })).toBeVisible();
  await page.getByLabel("Backend URL").fill("https://10.0.0.6:8443");
  await page.getByLabel("Aliases").fill(`www.${domain}`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
}

test("a reviewer filters, searches, opens a diff, exports exactly that view, and the export is on record", async ({ browser }) => {
  const domain = uniqueDomain("review");
  const adminPage = await (await browser.newContext()).newPage();
  await makeHistory(adminPage, domain);

  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await login(page, "auditor");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  const filters = page.getByRole("search", { name: "Filter the audit log" });
  const rows = page.getByTestId("audit-row");

  // Filter by action, then narrow with a search for the domain: both end up in the URL.
  await filters.getByLabel("Action", { exact: true }).selectOption("vhost.update");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]action=vhost\.update/);
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.allInnerTexts()) expect(text).toContain("vhost.update");

  await filters.getByLabel("Search summaries and values", { exact: true }).fill(domain);
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(domain).replace(/\./g, "\\.")}`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Updated ${domain}: aliases, backendUrl`);

  // The URL alone reproduces the view.
  const filteredUrl = page.url();
  await page.goto(filteredUrl);
  await expect(rows).toHaveCount(1);

  // The event's diff: one changed field and one list item added.
  await rows.first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: /^Event #\d+: vhost\.update$/ })).toBeVisible();
  const diff = page.getByTestId("diff-row");
  // In the form's words; the version bump is bookkeeping, not a change.
  await expect(diff.filter({ hasText: "Backend URL" })).toContainText("http://10.0.0.5:8080 → https://10.0.0.6:8443");
  await expect(diff.filter({ hasText: "Aliases" })).toContainText("item added");
  await expect(diff.filter({ hasText: "Aliases" })).toContainText(`www.${domain}`);
  await expect(diff).toHaveCount(2);
  await expect(diff.filter({ hasText: /version/i })).toHaveCount(0);

  // From the event to the vhost's other events.
  await page.getByRole("link", { name: "other events of this virtual host" }).click();
  await expect(page).toHaveURL(/[?&]vhost=[0-9a-f-]{36}/);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText(`Created virtual host ${domain}`);

  // Export the filtered view: the file holds exactly the one event.
  await page.goto(filteredUrl);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(csv.suggestedFilename()).toMatch(/^palisade-audit-\d{8}-\d{6}\.csv$/);
  const csvText = fs.readFileSync((await csv.path())!, "utf8");
  const lines = csvText.trimEnd().split("\r\n");
  expect(lines[0]).toBe("seq,createdAt,actorEmail,actorId,action,entityType,entityId,vhostId,vhostDomain,summary,before,after,ip,userAgent,prevHash,hash,id");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`"Updated ${domain}: aliases, backendUrl"`);
  expect(lines[1]).toContain("admin@palisade.local");
  expect(lines[1]).toContain(`,${domain},`); // the vhost by domain, beside its id

  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export JSON Lines" }).click()]);
  const records = fs.readFileSync((await jsonl.path())!, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ action: "vhost.update", vhostDomain: domain, summary: `Updated ${domain}: aliases, backendUrl`, after: { backendUrl: "https://10.0.0.6:8443" } });

  // Exporting is itself in the log, with the filter it used.
  await page.goto("/audit?action=audit.export");
  await expect(rows.first()).toContainText("auditor@palisade.local");
  await expect(rows.first()).toContainText(`Exported the audit log as JSON Lines (search "${domain}", action vhost.update)`);
  await expect(rows.filter({ hasText: "Exported the audit log as CSV" }).first()).toBeVisible();

  // The chain still verifies, and the reviewer can see but not run retention.
  await page.getByRole("link", { name: "Verify chain" }).click();
  await expect(page.getByTestId("chain-verdict")).toContainText(/Chain intact through #\d+\./);
  await page.getByRole("link", { name: "Archives" }).click();
  await expect(page.getByText("Only an admin can archive events.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Archive old events" })).toHaveCount(0);
});

test("an editor can neither export nor verify, the refusal is on record, and the overview counts it", async ({ browser }) => {
  const editor = await loggedInPage(browser, "editor");
  await editor.goto("/audit");
  await expect(editor.getByRole("link", { name: "Export CSV" })).toHaveCount(0);
  const refused = await editor.request.get("/api/audit/export?format=csv");
  expect(refused.status()).toBe(403);
  expect((await editor.goto("/audit/verify"))?.status()).toBe(403);
  await expect(editor.getByTestId("forbidden")).toContainText("this page is for admins and auditors only");
  await expect(editor.getByTestId("chain-verdict")).toHaveCount(0);

  const page = await loggedInPage(browser, "auditor");
  await page.goto("/audit?action=security.denied");
  await expect(page.getByTestId("audit-row").filter({ hasText: "editor@palisade.local (EDITOR) was refused GET /api/audit/export" }).first()).toBeVisible();
  // The refused page view is on record too, not only the refused download.
  await expect(page.getByTestId("audit-row").filter({ hasText: "editor@palisade.local (EDITOR) was refused GET /audit/verify" }).first()).toBeVisible();

  // The overview over the same filter: today's bar, and the editor among the actors.
  await page.getByRole("link", { name: "Activity overview" }).click();
  await expect(page).toHaveURL(/\/audit\/overview\?action=security\.denied/);
  const bars = page.getByTestId("activity-chart").locator("li");
  await expect(bars).toHaveCount(30);
  const today = new Date().toISOString().slice(0, 10);
  expect(Number(await bars.last().getAttribute("data-count"))).toBeGreaterThanOrEqual(1);
  await expect(bars.last()).toHaveAttribute("data-day", today);
  await expect(page.getByRole("region", { name: "Most active actors" })).toContainText("editor@palisade.local");
});
