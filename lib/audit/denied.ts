// A refused attempt is a security event: who, what they tried, and what it needed. Server actions
// (lib/auth/action.ts), route handlers and page views (lib/auth/page-access.ts) all record it here.
import type { Permission } from "@/lib/auth/permissions";
import type { SessionUser } from "@/lib/auth/session";
import { log } from "@/lib/log";
import { audited, type RequestMeta } from "./audited";

/** What was refused: a server action by name, or a request ("GET /users"). */
export type Refused = { action: string } | { request: string };

/** Records the refusal; never throws (the refusal itself must still reach the user). */
export async function recordDenied(user: SessionUser, meta: RequestMeta, refused: Refused, permission: Permission): Promise<void> {
  const [entityType, name] = "action" in refused ? (["Action", refused.action] as const) : (["Request", refused.request] as const);
  try {
    await audited({ actor: { id: user.id, email: user.email }, meta }, async () => ({
      result: null,
      audit: {
        action: "security.denied",
        entityType,
        entityId: name,
        summary: `${user.email} (${user.role}) was refused ${name}: needs ${permission}`,
        after: { ...refused, permission, role: user.role },
      },
    }));
  } catch (err) {
    void log.error("could not record denied attempt", { error: err });
  }
}

/** A refused route handler or page view. */
export function recordDeniedRequest(user: SessionUser, meta: RequestMeta, request: string, permission: Permission): Promise<void> {
  return recordDenied(user, meta, { request }, permission);
}
