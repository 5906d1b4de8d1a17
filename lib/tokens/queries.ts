import "server-only";
import { db } from "@/lib/db";

const LIST = { id: true, userId: true, name: true, scope: true, prefix: true, expiresAt: true, lastUsedAt: true, revokedAt: true, createdAt: true } as const;

/** A user's tokens, newest first (revoked ones included: the list says so). */
export function listOwnTokens(userId: string) {
  return db.apiToken.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: LIST, take: 200 });
}

/** Every user's tokens with their owners' emails, for administrators. */
export async function listAllTokens() {
  const tokens = await db.apiToken.findMany({ orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: LIST, take: 500 });
  const users = await db.user.findMany({ where: { id: { in: [...new Set(tokens.map((t) => t.userId))] } }, select: { id: true, email: true } });
  const email = new Map(users.map((u) => [u.id, u.email]));
  return tokens.map((t) => ({ ...t, ownerEmail: email.get(t.userId) ?? "(deleted user)" }));
}

export type TokenListRow = Awaited<ReturnType<typeof listOwnTokens>>[number];
