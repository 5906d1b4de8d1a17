import { expect, test } from "@playwright/test";
import { hydrated, login, loggedInPage, uniqueDomain } from "./fixtures";

test("an admin creates a template, an editor starts a vhost from it, copies another policy over it, and the dashboard flags it", async ({ page, browser }) => {
  const name = `shop-${Date.now().toString(36)}`;
  await login(page, "admin");
  await page.getByRole("link", { name: "Templates", exact: true }).click();
  await expect(page.getByTestId("template").filter({ hasText: "built-in" })).toHaveCount(3);
  await page.getByRole("link", { name: "New template", exact: true }).click();

  await page.getByLabel("Name").fill("strict");
  await page.getByLabel("Engine mode").selectOption({ label: "Detection only" });
  await page.getByLabel("Blocking paranoia level").selectOption("3");
  await page.getByLabel("Detection paranoia level").selectOption("2");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  await page.getByLabel("Exclusion 1: kind").selectOption({ label: "Turn off CRS rules (by tag)" });
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByText("must be at least the blocking level")).toBeVisible();
  await expect(page.getByText("Enter a tag")).toBeVisible();

  await page.getByLabel("Detection paranoia level").selectOption("3");
  await page.getByLabel("Tag").fill("attack-sqli");
  await page.getByLabel("Note (optional)").fill("legacy search");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByText('"strict" is the name of a built-in template')).toBeVisible();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description").fill("For the shop sites");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByText(`Created the template "${name}".`)).toBeVisible();
  const card = page.getByTestId("template").filter({ hasText: name });
  await expect(card).toContainText("Detection only, paranoia 3, thresholds 5 / 4, 1 exclusion");
  await expect(card).toContainText("Rules tagged attack-sqli off");

  // An editor sees the templates, cannot change them, and starts a vhost from one.
  const editor = await loggedInPage(browser, "editor");
  await editor.getByRole("link", { name: "Templates", exact: true }).click();
  await expect(editor.getByRole("link", { name: "New template", exact: true })).toHaveCount(0);
  await expect(editor.getByRole("button", { name: `Delete the template ${name}` })).toHaveCount(0);
  await editor.getByTestId("template").filter({ hasText: name }).getByRole("link", { name: "New virtual host from this template" }).click();
  await expect(editor.getByLabel("Start from template")).toHaveValue(/[0-9a-f-]{36}/);
  const domain = uniqueDomain("tpl");
  await editor.getByLabel("Domain", { exact: true }).fill(domain);
  await editor.getByLabel("Backend URL").fill("http://10.0.3.1");
  await editor.getByRole("button", { name: "Create virtual host" }).click();
  await expect(editor.getByRole("heading", { name: domain })).toBeVisible();
  await expect(editor.getByText("Detection only · PL3")).toBeVisible();

  // The dashboard lists it as not blocking and as excluding a whole rule family, linking to the vhost.
  await editor.getByRole("link", { name: "Dashboard", exact: true }).click();
  const attention = editor.getByTestId("attention");
  await expect(attention).toContainText("WAF not blocking");
  await expect(attention.getByRole("link", { name: domain }).first()).toBeVisible();
  await expect(attention).toContainText("every rule tagged attack-sqli is off on the whole site (“legacy search”)");
  await expect(editor.getByTestId("recent-changes")).toContainText(`from the template "${name}"`);

  // Copy the built-in "balanced" policy over it, keeping the exclusion; confirm first.
  await attention.getByRole("link", { name: domain }).first().click();
  await expect(editor.getByText("Policy version 1")).toBeVisible();
  await editor.getByLabel("Copy from").selectOption({ label: "balanced" });
  await editor.getByRole("button", { name: "Copy policy…" }).click();
  const dialog = editor.getByRole("dialog", { name: `Replace the policy of ${domain}?` });
  await expect(dialog).toContainText("Its rule exclusions are kept.");
  await dialog.getByRole("button", { name: "Replace policy" }).click();
  await expect(editor.getByText('Copied the policy of the template "balanced"; exclusions kept.')).toBeVisible();
  await expect(editor.getByText("Policy version 2")).toBeVisible();
  await expect(editor.getByText("Blocking · PL1")).toBeVisible();

  // The admin deletes the template (after confirming); the vhost keeps its policy.
  await page.goto("/templates");
  await hydrated(page);
  await page.getByRole("button", { name: `Delete the template ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete template" }).click();
  await expect(page.getByText(`Deleted the template "${name}".`)).toBeVisible();
  await expect(page.getByTestId("template").filter({ hasText: name })).toHaveCount(0);
});
