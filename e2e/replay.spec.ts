import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, login, uniqueDomain } from "./fixtures";

// Impact preview (issue 20): on the publish preview, "Replay traffic" runs the unpublished configuration and
// the live revision side by side in the real engine; the report names what the change newly blocks, and the
// revision published from that preview keeps it.

async function publishFromPreview(page: Page) {
  await page.goto("/config/preview");
  await hydrated(page);
  const publish = page.getByRole("button", { name: /^Publish revision \d+$/ });
  if (await publish.isDisabled()) return; // nothing pending
  await publish.click();
  await expect(page.getByText(/^Published revision \d+: /)).toBeVisible();
  await expect(page).toHaveURL(/\/config$/);
}

test("preview → replay traffic → publish: paranoia 2 newly blocks benign prose, no attack gets through, and the revision keeps the report", async ({ page }) => {
  await login(page, "admin");
  const domain = uniqueDomain("replay");
  const { id } = await createVhost(page, domain);
  await publishFromPreview(page); // everything pending goes out first: the replay then covers only this change

  await page.goto(`/vhosts/${id}/policy`);
  await hydrated(page);
  await page.getByLabel("Blocking paranoia level").selectOption("2");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();

  await page.goto("/config/preview");
  await hydrated(page);
  const panel = page.getByTestId("replay-panel");
  await panel.getByRole("button", { name: "Replay traffic" }).click();
  const report = panel.getByTestId("replay-report");
  await expect(report).toBeVisible({ timeout: 60_000 });
  await expect(report.getByText("No attack of the built-in corpus is newly let through.")).toBeVisible();
  const row = report.getByTestId("replay-vhost").filter({ hasText: domain });
  await expect(row).toHaveCount(1);
  const newlyBlocked = Number(await row.locator("td").nth(2).innerText());
  expect(newlyBlocked).toBeGreaterThanOrEqual(2);
  // One difference, opened: the request, and the rules that decided under each revision.
  const dashes = report.getByTestId("replay-difference").filter({ hasText: "Message with a double dash" });
  await expect(dashes).toContainText("Newly blocked");
  await dashes.locator("summary").click();
  await expect(dashes).toContainText("200 passed");
  await expect(dashes).toContainText(/403 blocked · rules .*942440/);

  // Reloading the preview shows the same report (it is stored with what it previewed).
  await page.reload();
  await expect(page.getByTestId("replay-report")).toBeVisible();

  await page.getByRole("button", { name: /^Publish revision \d+$/ }).click();
  await expect(page.getByText(/^Published revision \d+: /)).toBeVisible();
  await expect(page).toHaveURL(/\/config$/);
  const latest = page.getByTestId("revision-row").first();
  await latest.getByRole("link", { name: /Files/ }).click();
  const kept = page.getByTestId("revision-replay");
  await expect(kept.getByTestId("replay-vhost").filter({ hasText: domain })).toBeVisible();
  await expect(kept).toContainText("Replayed by admin@palisade.local");
});

test("an auditor sees the preview without the replay button (the action itself refuses the role: lib/auth/authorization-matrix.int.test.ts)", async ({ browser }) => {
  const admin = await browser.newPage();
  await login(admin, "admin");
  const { id } = await createVhost(admin, uniqueDomain("replay-auditor"));
  const auditor = await browser.newPage();
  await login(auditor, "auditor");
  await auditor.goto("/config/preview");
  const panel = auditor.getByTestId("replay-panel");
  await expect(panel).toContainText("Only an admin or an editor can run a replay.");
  await expect(panel.getByRole("button", { name: "Replay traffic" })).toHaveCount(0);
  expect(id).toBeTruthy();
});
