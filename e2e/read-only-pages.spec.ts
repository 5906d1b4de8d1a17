// Reads never write: every page of the panel, opened by every role that may open it, leaves the
// database exactly as it was (the row count of every table and the audit chain head), on SQLite and on
// PostgreSQL. Pages a role may not open are left out on purpose: a refused view is written to the audit
// log as `security.denied` by design (lib/auth/page-access.ts); the spec fails if one slips in anyway.
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E_DATABASES } from "./databases";
import { execSql, snapshot } from "./db-snapshot";
import { loggedInPage } from "./fixtures";
import { ALL, PAGES, loadPageData, type Role } from "./pages";

/** The route of every app/**\/page.tsx, route groups left out: "/vhosts/[id]/policy". */
function appPageRoutes(dir = path.join(__dirname, "..", "app"), prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isFile()) return e.name === "page.tsx" ? [prefix || "/"] : [];
    if (!e.isDirectory()) return [];
    return appPageRoutes(path.join(dir, e.name), /^\(.*\)$/.test(e.name) ? prefix : `${prefix}/${e.name}`);
  });
}

/** A built-in template that differs from the code, as after an upgrade before `npm run db:migrate` has run. */
const STALE = " [stale: an older Palisade's text]";

async function pageFor(browser: Browser, role: Role): Promise<Page> {
  if (role !== "anonymous") return loggedInPage(browser, role);
  return (await browser.newContext()).newPage();
}

test("the spec visits every page route of the app", () => {
  expect(PAGES.map((p) => p.route).sort()).toEqual(appPageRoutes().sort());
});

test("rendering every page, as each role that may open it, writes nothing to the database", async ({ browser }, testInfo) => {
  test.setTimeout(360_000);
  const d = E2E_DATABASES.find((x) => x.project === testInfo.project.name);
  expect(d, `an e2e database for project ${testInfo.project.name}`).toBeDefined();
  const ids = await loadPageData(d!);
  await execSql(d!, `UPDATE "PolicyTemplate" SET description = description || $1 WHERE name = 'strict'`, [STALE]);
  try {
    // Signed in first: signing in is a write of its own (attempt throttling, audit).
    const pages = {} as Record<Role, Page>;
    for (const role of ["anonymous", ...ALL] as Role[]) pages[role] = await pageFor(browser, role);
    const before = await snapshot(d!);
    const visited: string[] = [];
    for (const role of ["anonymous", ...ALL] as Role[]) {
      const page = pages[role];
      for (const p of PAGES.filter((x) => x.roles.includes(role))) {
        for (const url of p.urls(ids)) {
          const res = await page.goto(url);
          expect(res?.status(), `${role} GET ${url}`).toBe(200);
          // Link prefetches are page renders too: let them finish before the next page.
          await page.waitForLoadState("networkidle");
          await expect(page.getByText("Something went wrong"), `${role} GET ${url}`).toHaveCount(0);
          visited.push(`${role} ${url}`);
        }
      }
    }
    const after = await snapshot(d!);
    expect(visited.length).toBeGreaterThan(60);
    expect(after.chainHead, "the audit chain head").toEqual(before.chainHead);
    expect(after.rowCounts, "the row count of every table").toEqual(before.rowCounts);
  } finally {
    await execSql(d!, `UPDATE "PolicyTemplate" SET description = replace(description, $1, '') WHERE name = 'strict'`, [STALE]);
  }
});
