import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, login, loggedInPage, uniqueDomain } from "./fixtures";

test("daily flow: blocking at paranoia 2, deny ranges by bulk paste, each step in the audit log", async ({ page }) => {
  const domain = uniqueDomain("daily");
  await login(page, "editor");
  const { url } = await createVhost(page, domain);

  await page.getByRole("link", { name: "WAF policy" }).click();
  await expect(page.getByLabel("Inbound anomaly threshold")).toHaveValue("5");
  await expect(page.getByText(/Lower: blocks sooner/)).toBeVisible();
  // Detection paranoia follows blocking paranoia up; a detection level chosen below the blocking level is a field error.
  await page.getByLabel("Blocking paranoia level").selectOption("3");
  await expect(page.getByLabel("Detection paranoia level")).toHaveValue("3");
  await page.getByLabel("Detection paranoia level").selectOption("2");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText(/detection paranoia level must be at least the blocking level/)).toBeVisible();
  await page.getByLabel("Blocking paranoia level").selectOption("2");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByTestId("policy-summary")).toContainText("Blocking at paranoia 2, inbound threshold 5");

  await page.getByRole("link", { name: "IP lists" }).click();
  await page.getByLabel("Addresses").fill(["203.0.113.0/24 scanners", "198.51.100.7", "2001:db8:bad::/48", "10.1.2.3/16", "0.0.0.0/0"].join("\n"));
  await page.getByRole("button", { name: "Add to list" }).click();
  const report = page.getByTestId("ip-report");
  await expect(report).toContainText("added 203.0.113.0/24");
  await expect(report).toContainText("Did you mean 10.1.0.0/16?");
  await expect(report).toContainText("covers every address; confirm to add");
  await expect(page.getByLabel("Addresses")).toHaveValue("10.1.2.3/16\n0.0.0.0/0");
  const deny = page.getByRole("region", { name: "Deny list" });
  await expect(deny).toContainText("203.0.113.0/24");
  await expect(deny).toContainText("2001:db8:bad::/48");
  await expect(page.getByTestId("policy-summary")).toContainText("3 deny ranges");

  // The vhost list shows the mode badge with the same summary on hover.
  await page.goto(`/vhosts?q=${domain}`);
  await expect(page.getByTitle("Blocking at paranoia 2, inbound threshold 5, 3 deny ranges")).toContainText("Blocking · PL2");

  await page.goto(`/audit?vhost=${url.split("/").pop()}`);
  const rows = page.getByTestId("audit-row");
  await expect(rows.filter({ hasText: `Added 3 deny entries to ${domain} (2 refused)` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `Policy of ${domain}: blockingParanoia 1 → 2, detectionParanoia 1 → 2` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `Created virtual host ${domain}` })).toHaveCount(1);
});

test("two admins edit the same policy: the second save gets a conflict naming the first, keeps its input, and can re-apply it", async ({ browser }) => {
  const domain = uniqueDomain("policyrace");
  const admin = await loggedInPage(browser, "admin");
  const { url } = await createVhost(admin, domain);
  const editor = await loggedInPage(browser, "editor");
  await admin.goto(`${url}/policy`);
  await editor.goto(`${url}/policy`);
  await hydrated(admin);
  await hydrated(editor);

  await admin.getByLabel("Inbound anomaly threshold").fill("10");
  await admin.getByRole("button", { name: "Save policy" }).click();
  await expect(admin.getByText("Policy saved.")).toBeVisible();

  await editor.getByLabel("Detection only").check();
  await editor.getByLabel("Outbound anomaly threshold").fill("8");
  await editor.getByRole("button", { name: "Save policy" }).click();
  await expect(editor.getByTestId("conflict")).toContainText("admin@palisade.local saved this");
  await expect(editor.getByLabel("Outbound anomaly threshold")).toHaveValue("8");
  await expect(editor.getByLabel("Detection only")).toBeChecked();

  await editor.getByRole("button", { name: "Save mine over theirs" }).click();
  await expect(editor.getByText("Policy saved.")).toBeVisible();
  await admin.reload();
  await expect(admin.getByLabel("Outbound anomaly threshold")).toHaveValue("8");
  await expect(admin.getByLabel("Detection only")).toBeChecked();
});

test("an auditor sees the policy and IP lists read-only", async ({ browser }) => {
  const domain = uniqueDomain("ropolicy");
  const admin = await loggedInPage(browser, "admin");
  const { url } = await createVhost(admin, domain);
  const auditor = await loggedInPage(browser, "auditor");
  await auditor.goto(`${url}/policy`);
  await expect(auditor.getByTestId("policy-readonly")).toContainText("5 / 4");
  await expect(auditor.getByRole("button", { name: "Save policy" })).toHaveCount(0);
  await auditor.goto(`${url}/ip-lists`);
  await expect(auditor.getByRole("button", { name: "Add to list" })).toHaveCount(0);
});
