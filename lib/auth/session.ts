import { getServerSession } from "next-auth";
import { db, type Role } from "@/lib/db";
import { ForbiddenError, UnauthenticatedError } from "@/lib/errors";
import { getAuthOptions } from "./options";
import { can, type Permission } from "./permissions";

export type SessionUser = { id: string; email: string; name: string; role: Role };

/** The signed-in user, re-read from the database: null when signed out, disabled, or the session was revoked. */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = (await getServerSession(getAuthOptions())) as { uid?: string; sv?: number } | null;
  if (!session?.uid) return null;
  const user = await db.user.findUnique({
    where: { id: session.uid },
    select: { id: true, email: true, name: true, role: true, disabled: true, sessionVersion: true },
  });
  if (!user || user.disabled || user.sessionVersion !== session.sv) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) throw new UnauthenticatedError();
  return user;
}

export function assertCan(user: SessionUser, permission: Permission): void {
  if (!can(user.role, permission)) throw new ForbiddenError();
}
