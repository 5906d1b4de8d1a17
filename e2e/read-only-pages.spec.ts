// Reads never write: every page of the panel, opened by every role that may open it, leaves the
// database exactly as it was (the row count of every table and the audit chain head), on SQLite and on
// PostgreSQL. Pages a role may not open are left out on purpose: a refused view is written to the audit
// log as `security.denied` by design (lib/auth/page-access.ts); the spec fails if one slips in anyway.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E_DATABASES } from "./databases";
import { execSql, snapshot } from "./db-snapshot";
import { loggedInPage } from "./fixtures";

type Role = "admin" | "editor" | "auditor" | "anonymous";
type Ids = { vhostId: string; templateId: string; builtInTemplateId: string; revision: number; auditEventId: string; wafEventId: string };

const ALL: Role[] = ["admin", "editor", "auditor"];

/** Every page route (app/**\/page.tsx), the URLs that open it, and the roles that may. */
const PAGES: { route: string; urls: (ids: Ids) => string[]; roles: Role[] }[] = [
  { route: "/login", urls: () => ["/login"], roles: ["anonymous"] },
  { route: "/", urls: () => ["/"], roles: ALL },
  { route: "/account", urls: () => ["/account"], roles: ALL },
  { route: "/vhosts", urls: () => ["/vhosts", "/vhosts?q=pages&sort=domain"], roles: ALL },
  { route: "/vhosts/new", urls: (i) => ["/vhosts/new", `/vhosts/new?template=${i.templateId}`], roles: ["admin", "editor"] },
  { route: "/vhosts/[id]", urls: (i) => [`/vhosts/${i.vhostId}`], roles: ALL },
  { route: "/vhosts/[id]/policy", urls: (i) => [`/vhosts/${i.vhostId}/policy`], roles: ALL },
  { route: "/vhosts/[id]/ip-lists", urls: (i) => [`/vhosts/${i.vhostId}/ip-lists`], roles: ALL },
  { route: "/vhosts/[id]/rules", urls: (i) => [`/vhosts/${i.vhostId}/rules`], roles: ALL },
  {
    route: "/vhosts/[id]/exclusions",
    urls: (i) => [`/vhosts/${i.vhostId}/exclusions`, `/vhosts/${i.vhostId}/exclusions?kind=REMOVE_TARGET_BY_ID&ruleId=942100&target=ARGS:q&pathPrefix=/search&fromEvent=${i.wafEventId}`],
    roles: ALL,
  },
  { route: "/vhosts/[id]/config", urls: (i) => [`/vhosts/${i.vhostId}/config`, `/vhosts/${i.vhostId}/config?file=nginx.conf`], roles: ALL },
  { route: "/vhosts/[id]/events", urls: (i) => [`/vhosts/${i.vhostId}/events`, `/vhosts/${i.vhostId}/events?range=7d&rule=942100`], roles: ALL },
  { route: "/events", urls: (i) => ["/events", `/events?range=30d&client=192.0.2.0/24&path=/search&tag=attack-sqli&outcome=blocked&vhost=${i.vhostId}`, "/events?rule=abc&client=nope"], roles: ALL },
  { route: "/events/[id]", urls: (i) => [`/events/${i.wafEventId}`], roles: ALL },
  { route: "/templates", urls: () => ["/templates"], roles: ALL },
  { route: "/templates/new", urls: (i) => ["/templates/new", `/templates/new?from=${i.builtInTemplateId}`], roles: ["admin"] },
  { route: "/templates/[id]", urls: (i) => [`/templates/${i.templateId}`, `/templates/${i.builtInTemplateId}`], roles: ALL },
  { route: "/config", urls: () => ["/config"], roles: ALL },
  { route: "/config/diff", urls: (i) => [`/config/diff?from=${i.revision}&to=draft`], roles: ALL },
  { route: "/config/preview", urls: () => ["/config/preview"], roles: ALL },
  {
    route: "/config/revisions/[number]",
    urls: (i) => [`/config/revisions/${i.revision}`, `/config/revisions/${i.revision}?file=modsecurity%2Fmain.conf`, `/config/revisions/${i.revision}?file=missing.conf`],
    roles: ALL,
  },
  { route: "/nodes", urls: () => ["/nodes"], roles: ALL },
  { route: "/audit", urls: () => ["/audit", "/audit?q=pages", "/audit?entityType=VirtualHost"], roles: ALL },
  { route: "/audit/[id]", urls: (i) => [`/audit/${i.auditEventId}`], roles: ALL },
  { route: "/audit/overview", urls: () => ["/audit/overview"], roles: ALL },
  { route: "/audit/verify", urls: () => ["/audit/verify"], roles: ["admin", "auditor"] },
  { route: "/audit/archive", urls: () => ["/audit/archive"], roles: ALL },
  { route: "/users", urls: () => ["/users"], roles: ["admin"] },
  { route: "/users/new", urls: () => ["/users/new"], roles: ["admin"] },
];

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
  const { stdout } = await promisify(execFile)("npx", ["tsx", "e2e/page-data.ts"], { cwd: path.join(__dirname, ".."), env: { ...process.env, DATABASE_URL: d!.url } });
  const ids = JSON.parse(stdout.trim().split("\n").pop()!) as Ids;
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
