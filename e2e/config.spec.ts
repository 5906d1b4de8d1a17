import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

/** Publish leads to the preview; publishing happens from there, then the config page shows the revisions. */
async function publish(page: Page) {
  await page.goto("/config");
  await page.getByRole("link", { name: "Publish", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Preview the publish" })).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: /^Publish revision \d+$/ }).click();
  await expect(page.getByText(/^Published revision \d+: /)).toBeVisible();
  await expect(page).toHaveURL(/\/config$/);
}

test("publish: unpublished vhosts are marked, a revision is made with a summary, diffed and rolled back", async ({ page }) => {
  const domain = uniqueDomain("publish");
  await login(page, "admin");
  const { id } = await createVhost(page, domain);

  await page.goto(`/vhosts?q=${domain}`);
  await expect(page.getByRole("row", { name: new RegExp(domain) }).getByText("Unpublished changes")).toBeVisible();
  await page.goto("/config");
  await expect(page.getByTestId("pending-vhost").filter({ hasText: domain })).toContainText("New, not published");
  await expect(page.getByTestId("engine-status")).toBeVisible();

  await publish(page);
  const latestRow = page.getByTestId("revision-row").first();
  await expect(latestRow).toContainText(domain);
  await expect(latestRow).toContainText("latest");
  const first = Number((await latestRow.locator("td").first().innerText()).match(/^\d+/)![0]);
  await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();
  await page.goto(`/vhosts?q=${domain}`);
  await expect(page.getByRole("row", { name: new RegExp(domain) }).getByText("Unpublished changes")).toHaveCount(0);

  // A policy change: marked again, shown as a line diff before publishing, then published.
  await page.goto(`/vhosts/${id}/policy`);
  await hydrated(page);
  await page.getByLabel("Inbound anomaly threshold").fill("3");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await page.goto("/config");
  await expect(page.getByTestId("pending-vhost").filter({ hasText: domain })).toContainText("Unpublished changes");
  await page.getByRole("link", { name: /Preview what Publish would store/ }).click();
  const rulesFile = page.getByRole("region", { name: `Changes in rules/${domain}.conf` });
  await expect(rulesFile).toContainText("removed: ");
  await expect(rulesFile).toContainText("tx.inbound_anomaly_score_threshold=3");
  await publish(page);
  await expect(page.getByTestId("revision-row").first()).toContainText(`Changed ${domain}`);

  await page.getByRole("link", { name: `Diff of revision ${first + 1} against ${first}` }).click();
  await expect(page.getByRole("region", { name: `Changes in rules/${domain}.conf` })).toContainText("tx.inbound_anomaly_score_threshold=5");
  await page.getByRole("link", { name: "Back to the revisions" }).click();

  await page.getByRole("button", { name: `Roll back to revision ${first}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByText(new RegExp(`^Published revision ${first + 2}: Rollback to revision ${first}: changed ${domain.replace(/\./g, "\\.")}`))).toBeVisible();
  // The stored policy still says 3: the vhost shows as unpublished again.
  await expect(page.getByTestId("pending-vhost").filter({ hasText: domain })).toContainText("Unpublished changes");

  await page.goto("/audit");
  await expect(page.getByTestId("audit-row").filter({ hasText: "config.rollback" }).first()).toContainText(`Rollback to revision ${first}`);
});

test("preview then publish: the changed vhost and its file diff, publishing exactly the preview, the revision's files and the vhost's own", async ({ page, context }) => {
  const domain = uniqueDomain("preview");
  await login(page, "admin");
  const { id } = await createVhost(page, domain);
  // Not published yet: its Published config tab says so.
  await page.goto(`/vhosts/${id}/config`);
  await expect(page.getByTestId("vhost-config-status")).toContainText(`${domain} is not in the latest revision`);
  await publish(page);

  await page.goto(`/vhosts/${id}/policy`);
  await hydrated(page);
  await page.getByLabel("Inbound anomaly threshold").fill("3");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();

  await page.goto("/config");
  await page.getByRole("link", { name: "Publish", exact: true }).click();
  await expect(page.getByTestId("preview-vhost").filter({ hasText: domain })).toContainText("Changed");
  const rulesDiff = page.getByRole("region", { name: `Changes in rules/${domain}.conf` });
  await expect(rulesDiff).toContainText("added: ");
  await expect(rulesDiff).toContainText("tx.inbound_anomaly_score_threshold=3");
  await hydrated(page);

  // Meanwhile, in a second tab, the policy changes again.
  const other = await context.newPage();
  await other.goto(`/vhosts/${id}/policy`);
  await hydrated(other);
  await other.getByLabel("Inbound anomaly threshold").fill("6");
  await other.getByRole("button", { name: "Save policy" }).click();
  await expect(other.getByText("Policy saved.")).toBeVisible();
  await other.close();

  // Publishing the stale preview publishes nothing: it says so and shows the refreshed preview.
  const button = page.getByRole("button", { name: /^Publish revision \d+$/ });
  const next = Number((await button.innerText()).match(/\d+/)![0]);
  await button.click();
  await expect(page.getByTestId("preview-changed")).toContainText("The configuration changed since this preview");
  await expect(rulesDiff).toContainText("tx.inbound_anomaly_score_threshold=6");
  await expect(rulesDiff).not.toContainText("threshold=3");
  await expect(page).toHaveURL(/\/config\/preview$/);
  await expect(page.getByRole("button", { name: `Publish revision ${next}` })).toBeEnabled();

  await page.getByRole("button", { name: `Publish revision ${next}` }).click();
  await expect(page.getByText(new RegExp(`^Published revision ${next}: Changed ${domain.replace(/\./g, "\\.")}`))).toBeVisible();
  await expect(page).toHaveURL(/\/config$/);

  // The revision's files: a tree, and the chosen file's text.
  await page.getByRole("link", { name: `Files of revision ${next}` }).click();
  await expect(page.getByRole("heading", { name: `Revision ${next}` })).toBeVisible();
  const tree = page.getByRole("navigation", { name: "Files" });
  await expect(tree.getByText("vhosts/")).toBeVisible();
  await expect(page.getByRole("region", { name: "File nginx.conf" })).toBeVisible();
  await tree.locator(`a[href$="file=${encodeURIComponent(`rules/${domain}.conf`)}"]`).click();
  await expect(page.getByRole("region", { name: `File rules/${domain}.conf` })).toBeVisible();
  await expect(page.getByTestId("config-file-text")).toContainText("tx.inbound_anomaly_score_threshold=6");

  // The vhost's own part of the latest revision, on its Published config tab.
  await page.goto(`/vhosts/${id}`);
  await page.getByRole("navigation", { name: "Virtual host sections" }).getByRole("link", { name: "Published config" }).click();
  await expect(page.getByTestId("vhost-config-status")).toContainText(`revision ${next}, the latest`);
  await expect(page.getByRole("region", { name: `File vhosts/${domain}.conf` })).toBeVisible();
  await expect(page.getByTestId("config-file-text")).toContainText(domain);
  await page.getByRole("navigation", { name: "Files" }).locator(`a[href$="file=${encodeURIComponent(`rules/${domain}.conf`)}"]`).click();
  await expect(page.getByTestId("config-file-text")).toContainText("tx.inbound_anomaly_score_threshold=6");
  await expect(page.getByRole("navigation", { name: "Files" }).getByText("nginx.conf")).toHaveCount(0);
});

test("nodes: the token is shown once, rotating replaces it, revoking is confirmed", async ({ page }) => {
  const name = `edge-${Date.now().toString(36)}`;
  await login(page, "admin");
  await page.goto("/nodes");
  await hydrated(page);
  await page.getByLabel("Node name").fill("bad name!");
  await page.getByRole("button", { name: "Register node" }).click();
  await expect(page.getByText("Use letters, digits, dots, dashes and underscores")).toBeVisible();
  await page.getByLabel("Node name").fill(name);
  await page.getByRole("button", { name: "Register node" }).click();
  const token = await page.getByLabel(`Token for ${name}`, { exact: true }).innerText();
  expect(token).toMatch(/^pn_[A-Za-z0-9_-]{43}$/);
  const row = page.getByTestId("node-row").filter({ hasText: name });
  await expect(row).toContainText("Stale");
  await expect(row).toContainText("It has never contacted the panel.");
  await expect(row).toContainText(`${token.slice(0, 11)}…`);

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("node-token")).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);

  await row.getByRole("button", { name: `Rotate token for ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Issue new token" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const rotated = await page.getByLabel(`Token for ${name}`, { exact: true }).innerText();
  expect(rotated).toMatch(/^pn_/);
  expect(rotated).not.toBe(token);

  await row.getByRole("button", { name: `Revoke the token of ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toContainText("Revoked");
});

test("an auditor reads revisions and nodes but cannot publish or manage nodes", async ({ page }) => {
  await login(page, "auditor");
  await page.goto("/config");
  await expect(page.getByRole("heading", { name: "Configuration" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();
  await expect(page.getByRole("button", { name: /Roll back to revision/ })).toHaveCount(0);
  // The preview is readable; its Publish is not for an auditor.
  await page.goto("/config/preview");
  await expect(page.getByRole("heading", { name: "Preview the publish" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Publish revision \d+$/ })).toBeDisabled();
  await page.goto("/nodes");
  await expect(page.getByRole("heading", { name: "WAF nodes" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Register node" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Revoke the token/ })).toHaveCount(0);
});
