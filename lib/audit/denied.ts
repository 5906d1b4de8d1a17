// A refused request (a route handler, not a server action) is a security event, like the refused
// actions lib/auth/action.ts records: who, what they tried, and what it needed.
import type { Permission } from "@/lib/auth/permissions";
import type { SessionUser } from "@/lib/auth/session";
import { audited, type RequestMeta } from "./audited";

/** Records the refusal; never throws (the refusal itself must still reach the user). */
export async function recordDeniedRequest(user: SessionUser, meta: RequestMeta, request: string, permission: Permission): Promise<void> {
  try {
    await audited({ actor: { id: user.id, email: user.email }, meta }, async () => ({
      result: null,
      audit: {
        action: "security.denied",
        entityType: "Request",
        entityId: request,
        summary: `${user.email} (${user.role}) was refused ${request}: needs ${permission}`,
        after: { request, permission, role: user.role },
      },
    }));
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "could not record denied request", error: String(err) }));
  }
}
