// The pages a role can be refused, what each needs and where its refusal points back to. One table, read
// twice: by the page before it renders (requirePageAccess, lib/auth/page-access.ts) and by the 403 panel
// (app/(panel)/forbidden.tsx), which Next renders without telling it which check failed. No server-only
// imports: the panel reads it in the browser too.
import type { Role } from "@/lib/db";
import { PERMISSIONS, type Permission } from "./permissions";

export type PageRule = {
  permission: Permission;
  /** The nearest page the refused role can open. `[id]` is replaced by the opened page's id. */
  back: { href: string; label: string };
  /** What to do instead, when there is more to say than "ask an admin". */
  hint?: string;
};

/** Route patterns as in app/ (route groups left out); `[id]` matches one path segment. */
export const PAGE_RULES = {
  "/users": { permission: "user.manage", back: { href: "/", label: "the dashboard" }, hint: "Ask an admin if you need an account created, a role changed or a password reset." },
  "/users/new": { permission: "user.manage", back: { href: "/", label: "the dashboard" }, hint: "Ask an admin if you need an account created, a role changed or a password reset." },
  "/vhosts/new": { permission: "vhost.write", back: { href: "/vhosts", label: "the virtual hosts" } },
  "/templates/new": { permission: "template.manage", back: { href: "/templates", label: "the templates" } },
  "/audit/verify": { permission: "audit.verify", back: { href: "/audit", label: "the audit log" }, hint: "You can still read the log itself." },
  "/events": { permission: "event.read", back: { href: "/", label: "the dashboard" } },
  "/events/retention": { permission: "event.read", back: { href: "/events", label: "the WAF events" } },
  "/events/[id]": { permission: "event.read", back: { href: "/", label: "the dashboard" } },
  "/vhosts/[id]/events": { permission: "event.read", back: { href: "/vhosts/[id]", label: "the virtual host" } },
} as const satisfies Record<string, PageRule>;

export type GuardedRoute = keyof typeof PAGE_RULES;

/** The rule of the page at `pathname`, with `[id]` in its back link filled in; null for a page without one. */
export function pageRule(pathname: string): (PageRule & { route: GuardedRoute }) | null {
  const parts = pathname.replace(/\/+$/, "").split("/");
  for (const [route, rule] of Object.entries(PAGE_RULES) as [GuardedRoute, PageRule][]) {
    const pattern = route.split("/");
    if (pattern.length !== parts.length) continue;
    let id: string | undefined;
    const matches = pattern.every((p, i) => {
      if (p !== "[id]") return p === parts[i];
      id = parts[i];
      return parts[i] !== "";
    });
    if (matches) return { ...rule, route, back: { ...rule.back, href: rule.back.href.replace("[id]", id ?? "") } };
  }
  return null;
}

const ROLE_PLURAL: Record<Role, string> = { ADMIN: "admins", EDITOR: "editors", AUDITOR: "auditors" };

/** "admins", "admins and editors", "admins, editors and auditors". */
export function rolesThatMay(permission: Permission): string {
  const names = (PERMISSIONS[permission] as readonly Role[]).map((r) => ROLE_PLURAL[r]);
  return names.length <= 1 ? (names[0] ?? "nobody") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
