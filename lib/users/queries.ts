import "server-only";
import { z } from "zod";
import { db, retryingRead } from "@/lib/db";

const USER_FIELDS = { id: true, email: true, name: true, role: true, disabled: true, createdAt: true, updatedAt: true } as const;

/** Every user, admins first, then by email. The list is short: an admin team, not a customer base. */
export const listUsers = retryingRead(async function listUsers() {
  const rows = await db.user.findMany({ select: USER_FIELDS, orderBy: [{ email: "asc" }] });
  const rank = { ADMIN: 0, EDITOR: 1, AUDITOR: 2 } as const;
  return rows.sort((a, b) => rank[a.role] - rank[b.role] || a.email.localeCompare(b.email));
});

export type UserListRow = Awaited<ReturnType<typeof listUsers>>[number];

export function getUser(id: string) {
  if (!z.uuid().safeParse(id).success) return Promise.resolve(null);
  return db.user.findUnique({ where: { id }, select: USER_FIELDS });
}

/** Active admins: the users page says when someone is the last one (their controls are then explained, not offered). */
export function countActiveAdmins() {
  return db.user.count({ where: { role: "ADMIN", disabled: false } });
}
