// Every page route of the panel, the URLs that open it and the roles that may, with the data that gives
// every dynamic page something to show (./page-data.ts). Shared by read-only-pages.spec.ts (reads never
// write) and accessibility.spec.ts (axe and the phone layout on every page).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { E2eDatabase } from "./databases";

export type Role = "admin" | "editor" | "auditor" | "anonymous";
export type Ids = { vhostId: string; templateId: string; builtInTemplateId: string; revision: number; auditEventId: string; wafEventId: string };

export const ALL: Role[] = ["admin", "editor", "auditor"];

/** Every page route (app/**\/page.tsx), the URLs that open it, and the roles that may. */
export const PAGES: { route: string; urls: (ids: Ids) => string[]; roles: Role[] }[] = [
  { route: "/login", urls: () => ["/login"], roles: ["anonymous"] },
  { route: "/", urls: () => ["/"], roles: ALL },
  { route: "/account", urls: () => ["/account"], roles: ALL },
  { route: "/api-docs", urls: () => ["/api-docs"], roles: ALL },
  { route: "/two-factor/setup", urls: () => ["/two-factor/setup"], roles: ALL },
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
  { route: "/events/retention", urls: () => ["/events/retention"], roles: ALL },
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

/** Makes the pages' data in the project's database (through the service layer) and returns its ids. */
export async function loadPageData(d: E2eDatabase): Promise<Ids> {
  const { stdout } = await promisify(execFile)("npx", ["tsx", "e2e/page-data.ts"], { cwd: path.join(__dirname, ".."), env: { ...process.env, DATABASE_URL: d.url } });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Ids;
}
