import { expect, test, type Page } from "@playwright/test";
import { createVhost, hydrated, login, loggedInPage, uniqueDomain } from "./fixtures";

function goodRule(id: number, pattern = "(?i)<script") {
  return `SecRule ARGS:q "@rx ${pattern}" "id:${id},phase:2,deny,status:403,log,msg:'No script tags'"`;
}

/** Fills the add form with the proposed id and submits; returns that id. */
async function addRule(page: Page, description: string, rule: (id: number) => string) {
  const id = Number(await page.getByLabel("Rule id").inputValue());
  await page.getByLabel("Description").fill(description);
  await page.getByLabel("SecRule").fill(rule(id));
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText(`Added custom rule ${id}.`)).toBeVisible();
  return id;
}

test("an editor adds a custom rule and an exclusion (bad input first) and finds both in the audit log", async ({ page }) => {
  await login(page, "editor");
  const domain = uniqueDomain("rules");
  const { id: vhostId } = await createVhost(page, domain, "http://10.0.3.1");

  await page.getByRole("link", { name: "Custom rules" }).click();
  await expect(page.getByTestId("custom-rules-empty")).toContainText("add a rule below");
  const ruleId = Number(await page.getByLabel("Rule id").inputValue());
  expect(ruleId).toBeGreaterThanOrEqual(1);
  expect(ruleId).toBeLessThanOrEqual(89_999);

  // A rule whose regex does not compile: the error says what and where, and nothing is added.
  await page.getByLabel("Description").fill("No script tags in q");
  await page.getByLabel("SecRule").fill(`SecRule ARGS:q "@rx (?i)<script(" "id:${ruleId},phase:2,deny"`);
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText("Column 21: The regular expression does not compile")).toBeVisible();
  await expect(page.getByTestId("secrule-error-pointer")).toContainText("^");
  await page.getByRole("button", { name: "Put the cursor at column 21" }).click();
  await expect(page.getByLabel("SecRule")).toBeFocused();

  // A second directive smuggled in after the first: refused too.
  await page.getByLabel("SecRule").fill(`${goodRule(ruleId)} SecRuleEngine Off`);
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText(/A second directive \(SecRuleEngine\) is not allowed/)).toBeVisible();
  await expect(page.getByTestId("custom-rule")).toHaveCount(0);

  await page.getByLabel("SecRule").fill(goodRule(ruleId));
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText(`Added custom rule ${ruleId}.`)).toBeVisible();
  const rule = page.getByTestId("custom-rule");
  await expect(rule).toHaveCount(1);
  await expect(rule).toContainText(goodRule(ruleId));
  await expect(rule).toContainText("Enabled");
  // The form starts over and proposes the next free id.
  await expect(page.getByLabel("SecRule")).toHaveValue("");
  await expect(page.getByLabel("Rule id")).not.toHaveValue(String(ruleId));

  await page.getByRole("link", { name: "Exclusions" }).click();
  await expect(page.getByTestId("exclusions-empty")).toContainText("add an exclusion below");
  // The blocking-evaluation rule is refused with the reason.
  await page.getByLabel("Kind").selectOption("REMOVE_TARGET_BY_ID");
  await page.getByLabel("CRS rule id").fill("949110");
  await page.getByLabel("Input to ignore").fill("ARGS:password");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  await expect(page.getByText("949110 is a rule that turns the anomaly score into a block")).toBeVisible();
  // So is an id outside CRS's range.
  await page.getByLabel("CRS rule id").fill("42100");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  await expect(page.getByText(/CRS rules have ids 900000–999999/)).toBeVisible();

  await page.getByLabel("CRS rule id").fill("942100");
  await page.getByLabel("Only under path (optional)").fill("/login");
  await page.getByLabel("Note (optional)").fill("Passwords trip the SQLi rule");
  await page.getByLabel("Note (optional)").press("Enter");
  await expect(page.getByText("Added exclusion: Rule 942100 ignores ARGS:password on /login.")).toBeVisible();
  // The form starts over, keeping the kind.
  await expect(page.getByLabel("Only under path (optional)")).toHaveValue("");
  await expect(page.getByLabel("CRS rule id")).toHaveValue("");
  await expect(page.getByLabel("Kind")).toHaveValue("REMOVE_TARGET_BY_ID");
  await expect(page.getByTestId("exclusion")).toHaveCount(1);
  await expect(page.getByTestId("exclusion")).toContainText("Passwords trip the SQLi rule");

  await page.goto(`/audit?vhost=${vhostId}`);
  const rows = page.getByTestId("audit-row");
  await expect(rows.filter({ hasText: `Added custom rule ${ruleId} to ${domain}` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `Excluded rule 942100 target ARGS:password under /login on ${domain}` })).toHaveCount(1);
  await expect(rows.filter({ hasText: "editor@palisade.local" }).first()).toBeVisible();
  await rows.filter({ hasText: `Excluded rule 942100` }).getByRole("link").click();
  await expect(page.getByRole("region", { name: "After" })).toContainText("ARGS:password");
});

test("an editor edits, reorders, disables and deletes rules, with confirmation before deleting", async ({ page }) => {
  await login(page, "editor");
  const domain = uniqueDomain("order");
  await createVhost(page, domain, "http://10.0.3.1");
  await page.getByRole("link", { name: "Custom rules" }).click();
  const first = await addRule(page, "First rule", (id) => goodRule(id));
  const second = await addRule(page, "Second rule", (id) => goodRule(id, "(?i)onerror="));
  const rules = page.getByTestId("custom-rule");
  await expect(rules).toHaveCount(2);

  // Reorder with the keyboard: focus the button and press Enter.
  await page.getByRole("button", { name: `Move rule ${second} up` }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText(`Moved custom rule ${second} up.`)).toBeVisible();
  await expect(rules.first()).toContainText("Second rule");
  await expect(page.getByRole("button", { name: `Move rule ${second} up` })).toBeDisabled();

  // Edit: a wrong id inside the rule is an inline error; then a valid change is saved.
  await page.getByRole("button", { name: `Edit rule ${first}` }).click();
  const edit = page.getByRole("form", { name: `Edit custom rule ${first}` });
  await expect(edit.getByLabel("Description")).toBeFocused();
  await edit.getByLabel("Description").fill("First rule, narrowed");
  await edit.getByLabel("SecRule").fill(goodRule(first + 1, "(?i)<script\\b"));
  await edit.getByRole("button", { name: "Save rule" }).click();
  await expect(edit.getByText(`says id:${first + 1}, but this custom rule's id is ${first}`)).toBeVisible();
  await edit.getByLabel("SecRule").fill(goodRule(first, "(?i)<script\\b"));
  await edit.getByRole("button", { name: "Save rule" }).click();
  await expect(page.getByText(`Saved custom rule ${first}.`)).toBeVisible();
  await expect(rules.nth(1)).toContainText("First rule, narrowed");
  await expect(rules.nth(1)).toContainText("<script\\b");

  await page.getByRole("button", { name: `Disable rule ${first}` }).click();
  await expect(page.getByText(`Disabled custom rule ${first}.`)).toBeVisible();
  await expect(rules.nth(1)).toContainText("Disabled");

  // Dismissing the confirmation deletes nothing; accepting it deletes the rule.
  page.once("dialog", (d) => void d.dismiss());
  await page.getByRole("button", { name: `Delete rule ${second}` }).click();
  await expect(rules).toHaveCount(2);
  page.once("dialog", (d) => {
    expect(d.message()).toContain(`Delete custom rule ${second}`);
    void d.accept();
  });
  await page.getByRole("button", { name: `Delete rule ${second}` }).click();
  await expect(page.getByText(`Deleted custom rule ${second}.`)).toBeVisible();
  await expect(rules).toHaveCount(1);

  await page.goto("/audit");
  const audit = page.getByTestId("audit-row");
  await expect(audit.filter({ hasText: `Moved custom rule ${second} up on ${domain}` })).toHaveCount(1);
  await expect(audit.filter({ hasText: `Updated custom rule ${first} on ${domain}: description, secRule` })).toHaveCount(1);
  await expect(audit.filter({ hasText: `Disabled custom rule ${first} on ${domain}` })).toHaveCount(1);
  await expect(audit.filter({ hasText: `Deleted custom rule ${second} from ${domain}` })).toHaveCount(1);
});

test("an auditor sees custom rules and exclusions but no controls", async ({ browser }) => {
  const editor = await loggedInPage(browser, "editor");
  const domain = uniqueDomain("audited");
  const { id: vhostId } = await createVhost(editor, domain, "http://10.0.3.1");
  await editor.goto(`/vhosts/${vhostId}/rules`);
  await hydrated(editor);
  const ruleId = await addRule(editor, "Visible to auditors", (id) => goodRule(id));
  await editor.goto(`/vhosts/${vhostId}/exclusions`);
  await hydrated(editor);
  await editor.getByLabel("Kind").selectOption("REMOVE_BY_TAG");
  await editor.getByLabel("Tag").fill("attack-sqli");
  await editor.getByRole("button", { name: "Add exclusion" }).click();
  await expect(editor.getByText("Added exclusion: Rules tagged attack-sqli off.")).toBeVisible();

  const auditor = await loggedInPage(browser, "auditor");
  await auditor.goto(`/vhosts/${vhostId}/rules`);
  await expect(auditor.getByTestId("custom-rule")).toContainText(goodRule(ruleId));
  await expect(auditor.getByRole("button", { name: /^(Edit|Disable|Enable|Move|Delete) rule/ })).toHaveCount(0);
  await expect(auditor.getByRole("button", { name: "Add rule" })).toHaveCount(0);
  await expect(auditor.getByRole("form", { name: "Add a custom rule" })).toHaveCount(0);
  await expect(auditor.getByLabel("SecRule")).toHaveCount(0);

  await auditor.goto(`/vhosts/${vhostId}/exclusions`);
  await expect(auditor.getByTestId("exclusion")).toContainText("Rules tagged attack-sqli off");
  await expect(auditor.getByRole("button", { name: /Delete/ })).toHaveCount(0);
  await expect(auditor.getByRole("form", { name: "Add an exclusion" })).toHaveCount(0);

  // A vhost without any: the empty state tells the auditor who can add them.
  const { id: emptyId } = await createVhost(editor, uniqueDomain("empty"), "http://10.0.3.1");
  await auditor.goto(`/vhosts/${emptyId}/rules`);
  await expect(auditor.getByTestId("custom-rules-empty")).toContainText("Editors and administrators can add them.");

  // Rule ids are unique across vhosts: the server's refusal lands on the id field and names the owner.
  await editor.goto(`/vhosts/${emptyId}/rules`);
  await hydrated(editor);
  await editor.getByLabel("Rule id").fill(String(ruleId));
  await editor.getByLabel("Description").fill("Same id elsewhere");
  await editor.getByLabel("SecRule").fill(goodRule(ruleId));
  await editor.getByRole("button", { name: "Add rule" }).click();
  await expect(editor.getByText(`Rule id ${ruleId} is already used by a custom rule of ${domain}`)).toBeVisible();
  await expect(editor.getByLabel("Rule id")).toBeFocused();
  await auditor.reload();
  await auditor.goto(`/vhosts/${vhostId}/rules`);
  await expect(editor.getByTestId("custom-rules-empty")).toBeVisible();
});
