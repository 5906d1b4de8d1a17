// /events on both databases: find an event by filter, read why it was blocked, tune from it ("Exclude
// this" → the prefilled form with its 7-day impact → save → the exclusion and an audit row naming the
// event), and an AUDITOR reads the same event without any tune control.
import { expect, test } from "@playwright/test";
import { E2E_DATABASES } from "./databases";
import { createVhost, hydrated, login, loggedInPage, uniqueDomain } from "./fixtures";
import { insertWafEvent, type E2eMatch } from "./waf-events";

const m = (ruleId: number, more: Partial<E2eMatch> = {}): E2eMatch => ({ ruleId, message: `Rule ${ruleId}`, tags: [], severity: 2, paranoiaLevel: 1, variable: null, data: null, value: null, ...more });
const SQLI = m(942100, { message: "SQL Injection Attack Detected via libinjection", tags: ["attack-sqli", "paranoia-level/1"], variable: "ARGS:q", data: "1' or '1'='1", value: "1' or '1'='1" });
const XSS = m(941100, { message: "XSS Attack Detected via libinjection", tags: ["attack-xss"], variable: "ARGS:comment", data: "<script>" });
const BLOCK = m(949110, { message: "Inbound Anomaly Score Exceeded (Total Score: 5)", tags: ["anomaly-evaluation"], severity: null, paranoiaLevel: null });

test("find an event by rule and address, read why, exclude the narrowest thing; the audit row names the event", async ({ page, browser }, testInfo) => {
  const d = E2E_DATABASES.find((x) => x.project === testInfo.project.name)!;
  await login(page, "editor");
  const domain = uniqueDomain("events");
  const { id: vhostId } = await createVhost(page, domain, "http://10.0.9.1");
  const client = `203.0.113.${10 + Math.floor(Math.random() * 200)}`;
  const eventId = await insertWafEvent(d, { vhostId, vhost: domain, client, uri: "/search?q=1%27+or+%271%27%3D%271", revision: 7, matches: [SQLI, BLOCK] });
  await insertWafEvent(d, { vhostId, vhost: domain, client: "198.51.100.23", uri: "/search/advanced?q=x", matches: [SQLI, XSS, BLOCK] });
  await insertWafEvent(d, { vhostId, vhost: domain, client, uri: "/contact", outcome: "detected", matches: [XSS] });

  // Find it: the filter lives in the URL.
  await page.getByRole("link", { name: "Events", exact: true }).first().click();
  await expect(page).toHaveURL(/\/events$/);
  await page.getByLabel("Rule id").fill("942100");
  await page.getByLabel("Client address or range").fill(client);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`rule=942100.*client=${client.replace(/\./g, "\\.")}`));
  const rows = page.getByTestId("event-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("/search?q=");
  await expect(rows.first()).toContainText("942100");
  // The same list on the vhost's Events tab, with a range filter.
  await page.goto(`/vhosts/${vhostId}/events?client=203.0.113.0/24`);
  await expect(page.getByTestId("event-row")).toHaveCount(2);
  await page.goto(`/events?rule=942100&client=${client}`);
  await page.getByTestId("event-row").first().getByRole("link").first().click();

  // Why: the scoring rule with its variable, 949110 set apart.
  await expect(page).toHaveURL(new RegExp(`/events/${eventId}$`));
  const scoring = page.getByTestId("scoring-rule");
  await expect(scoring).toHaveCount(1);
  await expect(scoring).toContainText("942100");
  await expect(scoring.getByTestId("match-variable")).toHaveText("ARGS:q");
  await expect(scoring).toContainText("PL1");
  await expect(page.getByTestId("bookkeeping").getByTestId("bookkeeping-rule")).toContainText("949110");
  await expect(page.getByTestId("event-revision")).toContainText("revision 7");
  await expect(page.getByTestId("inbound-score")).toHaveText("5");
  const suggestions = page.getByTestId("suggestion");
  await expect(suggestions.first()).toContainText("Rule 942100 ignores ARGS:q on /search");
  await expect(page.getByTestId("tune")).not.toContainText("949110");

  // Exclude this: the form prefilled, and what the draft would also have let through.
  await suggestions.first().getByRole("link", { name: "Exclude this" }).click();
  await expect(page).toHaveURL(new RegExp(`/vhosts/${vhostId}/exclusions\\?`));
  await hydrated(page);
  await expect(page.getByLabel("Kind")).toHaveValue("REMOVE_TARGET_BY_ID");
  await expect(page.getByLabel("CRS rule id")).toHaveValue("942100");
  await expect(page.getByLabel("Input to ignore")).toHaveValue("ARGS:q");
  await expect(page.getByLabel("Only under path (optional)")).toHaveValue("/search");
  const impact = page.getByTestId("draft-impact");
  await expect(impact.getByTestId("draft-let-through")).toHaveText("1");
  await expect(impact.getByTestId("draft-other-rules")).toHaveText("1");
  await expect(impact).toContainText("941100");
  await page.getByRole("button", { name: "Add exclusion" }).click();
  await expect(page.getByTestId("exclusion")).toContainText("ARGS:q");

  await page.goto("/audit?action=exclusion.create");
  await expect(page.getByTestId("audit-row").first()).toContainText(`Excluded rule 942100 target ARGS:q under /search on ${domain} (from WAF event ${eventId})`);

  // An auditor reads the event, and sees no tune control.
  const auditor = await loggedInPage(browser, "auditor");
  await auditor.goto(`/events/${eventId}`);
  await expect(auditor.getByTestId("scoring-rule")).toContainText("942100");
  await expect(auditor.getByTestId("tune")).toHaveCount(0);
  await expect(auditor.getByRole("link", { name: "Exclude this" })).toHaveCount(0);
  await expect(auditor.getByRole("button", { name: /^Deny / })).toHaveCount(0);
  await auditor.goto(`/vhosts/${vhostId}/exclusions?kind=REMOVE_BY_ID&ruleId=942100&fromEvent=${eventId}`);
  await expect(auditor.getByRole("button", { name: "Add exclusion" })).toHaveCount(0);
  await auditor.context().close();
});

test("deny this address adds the event's client to the vhost's deny list, audited with the event", async ({ page }, testInfo) => {
  const d = E2E_DATABASES.find((x) => x.project === testInfo.project.name)!;
  await login(page, "admin");
  const domain = uniqueDomain("deny");
  const { id: vhostId } = await createVhost(page, domain, "http://10.0.9.2");
  const client = `198.18.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const eventId = await insertWafEvent(d, { vhostId, vhost: domain, client, uri: "/login", matches: [SQLI, BLOCK] });
  await page.goto(`/events/${eventId}`);
  await hydrated(page);
  await page.getByRole("button", { name: `Deny ${client}` }).click();
  await expect(page.getByTestId("deny-result")).toContainText(`${client} is now on the deny list of ${domain}`);
  await page.goto(`/vhosts/${vhostId}/ip-lists`);
  await expect(page.getByText(client).first()).toBeVisible();
  await page.goto(`/audit?action=iplist.add&vhost=${vhostId}`);
  await expect(page.getByTestId("audit-row").first()).toContainText(`(from WAF event ${eventId})`);
});

test("an admin sets how long events are kept, audited; bad values are refused in the form; an auditor only reads it", async ({ page, browser }) => {
  await login(page, "admin");
  await page.goto("/events");
  await page.getByTestId("retention-link").click();
  await expect(page).toHaveURL(/\/events\/retention$/);
  await hydrated(page);
  const days = page.getByLabel("Keep WAF events for (days)");
  await days.fill("0");
  await page.getByRole("button", { name: "Save retention" }).click();
  await expect(page.getByText("Keep at least one day of events.")).toBeVisible();
  // Longer than the default, so that no other spec's events are purged meanwhile.
  const keep = 400 + Math.floor(Math.random() * 500);
  await days.fill(String(keep));
  await page.getByRole("button", { name: "Save retention" }).click();
  await expect(page.getByTestId("event-retention")).toContainText(`Events are kept ${keep} days, set by an admin`);
  await page.goto("/events");
  await expect(page.getByTestId("retention-link")).toHaveText(`Kept ${keep} days`);
  await page.goto("/audit?action=events.retention");
  await expect(page.getByTestId("audit-row").first()).toContainText(`WAF events are now kept ${keep} days`);

  const auditor = await loggedInPage(browser, "auditor");
  await auditor.goto("/events/retention");
  await expect(auditor.getByTestId("event-retention")).toContainText(`Events are kept ${keep} days`);
  await expect(auditor.getByText("Only an admin can change the retention.")).toBeVisible();
  await expect(auditor.getByRole("button", { name: "Save retention" })).toHaveCount(0);
  await auditor.context().close();
});
