import { audited, type AuditContext } from "@/lib/audit/audited";
import { hashPassword } from "@/lib/auth/password";
import type { Role } from "@/lib/db";

export function userView(u: { id: string; email: string; name: string; role: Role; disabled: boolean }) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled };
}

/** Creates a user; the audit row records everything but the password hash. */
export async function createUser(ctx: AuditContext, input: { email: string; name: string; role: Role; password: string }) {
  const passwordHash = await hashPassword(input.password);
  return audited(ctx, async (tx) => {
    const user = await tx.user.create({ data: { email: input.email.toLowerCase(), name: input.name, role: input.role, passwordHash } });
    return {
      result: user,
      audit: { action: "user.create", entityType: "User", entityId: user.id, summary: `Created user ${user.email} (${user.role})`, after: userView(user) },
    };
  });
}
