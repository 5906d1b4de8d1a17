// Pages a role may not open answer with a refusal message (or a redirect) instead of their content, and
// the refused view is a security event, like a refused server action (lib/auth/action.ts) or a refused
// route handler (lib/audit/denied.ts): who opened which page, and what it needed.
import { recordDeniedRequest } from "@/lib/audit/denied";
import { requestMeta } from "./action";
import { can, type Permission } from "./permissions";
import type { SessionUser } from "./session";

/** True when `user` may open `page`; otherwise records the refused view (never throws) and returns false. */
export async function canOpenPage(user: SessionUser, permission: Permission, page: string): Promise<boolean> {
  if (can(user.role, permission)) return true;
  await recordDeniedRequest(user, await requestMeta(), `GET ${page}`, permission);
  return false;
}
