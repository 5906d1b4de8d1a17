// Pages a role may not open answer 403 with the panel of app/(panel)/forbidden.tsx instead of their
// content, and the refused view is a security event, like a refused server action (lib/auth/action.ts) or
// a refused route handler (lib/audit/denied.ts): who opened which page, and what it needed.
import "server-only";
import { forbidden } from "next/navigation";
import { recordDeniedRequest } from "@/lib/audit/denied";
import { requestMeta } from "./action";
import { pageRule } from "./page-permissions";
import { can, type Permission } from "./permissions";
import { requireUser, type SessionUser } from "./session";

/** True when `user` may open `page`; otherwise records the refused view (never throws) and returns false. */
export async function canOpenPage(user: SessionUser, permission: Permission, page: string): Promise<boolean> {
  if (can(user.role, permission)) return true;
  await recordDeniedRequest(user, await requestMeta(), `GET ${page}`, permission);
  return false;
}

/**
 * For pages: the signed-in user when their role may open `page` (the path as opened, e.g. `/vhosts/<id>/events`),
 * which needs the permission PAGE_RULES gives its route. Otherwise the refusal is recorded and the page
 * answers 403 with the refusal panel. Signed out: the login page, as requireUser.
 */
export async function requirePageAccess(page: string): Promise<SessionUser> {
  const rule = pageRule(page);
  // A programming error, not a refusal: every guarded page has its row in PAGE_RULES (the panel needs it).
  if (!rule) throw new Error(`${page} has no entry in PAGE_RULES (lib/auth/page-permissions.ts)`);
  const user = await requireUser();
  if (!(await canOpenPage(user, rule.permission, page))) forbidden();
  return user;
}
