import "server-only";
import { db } from "@/lib/db";

/** The users who have two-factor sign-in on, for the admins' reset list on /users. */
export async function listTwoFactorUsers() {
  const rows = await db.userTwoFactor.findMany({ where: { enabledAt: { not: null } }, select: { userId: true, enabledAt: true } });
  const users = await db.user.findMany({ where: { id: { in: rows.map((r) => r.userId) } }, select: { id: true, email: true }, orderBy: { email: "asc" } });
  const since = new Map(rows.map((r) => [r.userId, r.enabledAt!]));
  return users.map((u) => ({ ...u, enabledAt: since.get(u.id)! }));
}
