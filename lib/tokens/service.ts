// Personal API tokens: create (the token is returned once), revoke (audited), and authenticate a
// request's bearer token with its per-token rate limit (counted in the database: every panel instance
// shares it). A token acts as its user: the user's role decides what it may do, its scope only narrows it.
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { db, type Role } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import type { CreateApiTokenInput, TokenScope } from "./schema";
import { apiTokenPrefix, generateApiToken, hashApiToken } from "./token";
import { timingSafeEqual } from "node:crypto";

const DAY_MS = 86_400_000;
/** Requests per token per window (API_RATE_LIMIT overrides the count), and the window. */
export const API_RATE_WINDOW_MS = 60_000;
export function apiRateLimit(): number {
  const n = Number(process.env.API_RATE_LIMIT);
  return Number.isInteger(n) && n > 0 ? n : 600;
}

export function tokenView(t: { id: string; name: string; scope: string; prefix: string; expiresAt: Date; revokedAt: Date | null; userId: string }) {
  return { id: t.id, userId: t.userId, name: t.name, scope: t.scope, prefix: t.prefix, expiresAt: t.expiresAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null };
}

/** Makes a token for `userId`; the returned `token` is the only time it exists outside the caller. */
export async function createApiToken(ctx: AuditContext, input: CreateApiTokenInput & { userId: string }, now = new Date()) {
  const { token, prefix } = generateApiToken();
  const row = await audited(ctx, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true, disabled: true } });
    if (!user || user.disabled) throw new NotFoundError("That user does not exist or is disabled.");
    const created = await tx.apiToken.create({
      data: {
        userId: user.id,
        name: input.name,
        scope: input.scope,
        prefix,
        hash: hashApiToken(token),
        expiresAt: new Date(now.getTime() + input.expiresInDays * DAY_MS),
      },
    });
    return {
      result: created,
      audit: {
        action: "token.create",
        entityType: "ApiToken",
        entityId: created.id,
        summary: `Created API token "${created.name}" (${created.scope}, pal_${prefix}…, expires ${created.expiresAt.toISOString().slice(0, 10)}) for ${user.email}`,
        after: tokenView(created),
      },
    };
  });
  return { token, row };
}

/**
 * Revokes a token. `asUserId`: the caller may revoke only their own tokens (null: an administrator,
 * any token). Revoking an already revoked token changes nothing and says so.
 */
export async function revokeApiToken(ctx: AuditContext, input: { id: string; asUserId: string | null }, now = new Date()) {
  return audited(ctx, async (tx) => {
    const current = await tx.apiToken.findUnique({ where: { id: input.id } });
    // Someone else's token is "not found" to a non-administrator: its existence is not theirs to learn.
    if (!current || (input.asUserId !== null && current.userId !== input.asUserId)) throw new NotFoundError("That token does not exist.");
    const owner = await tx.user.findUnique({ where: { id: current.userId }, select: { email: true } });
    const updated = current.revokedAt ? current : await tx.apiToken.update({ where: { id: current.id }, data: { revokedAt: now } });
    return {
      result: updated,
      audit: {
        action: "token.revoke",
        entityType: "ApiToken",
        entityId: current.id,
        summary: current.revokedAt
          ? `API token "${current.name}" of ${owner?.email ?? "a deleted user"} was already revoked`
          : `Revoked API token "${current.name}" (pal_${current.prefix}…) of ${owner?.email ?? "a deleted user"}`,
        before: tokenView(current),
        after: tokenView(updated),
      },
    };
  });
}

export type TokenUser = { id: string; email: string; name: string; role: Role };
export type AuthenticatedToken = { token: { id: string; name: string; scope: TokenScope }; user: TokenUser };
export type TokenRefusal = "missing" | "malformed" | "unknown" | "expired" | "revoked" | "user-disabled";

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token's row and user, or why it is refused. One indexed read for the token, one for its user. */
export async function authenticateApiToken(token: string | null, now = new Date()): Promise<AuthenticatedToken | { refused: TokenRefusal }> {
  if (!token) return { refused: "missing" };
  const prefix = apiTokenPrefix(token);
  if (!prefix) return { refused: "malformed" };
  const row = await db.apiToken.findUnique({ where: { prefix }, select: { id: true, userId: true, name: true, scope: true, hash: true, expiresAt: true, revokedAt: true } });
  if (!row || !sameHex(row.hash, hashApiToken(token))) return { refused: "unknown" };
  if (row.revokedAt) return { refused: "revoked" };
  if (row.expiresAt.getTime() <= now.getTime()) return { refused: "expired" };
  const user = await db.user.findUnique({ where: { id: row.userId }, select: { id: true, email: true, name: true, role: true, disabled: true } });
  if (!user || user.disabled) return { refused: "user-disabled" };
  return { token: { id: row.id, name: row.name, scope: row.scope === "write" ? "write" : "read" }, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}

/**
 * Counts one request of the token in its window: null when allowed, else the seconds until the window
 * ends. A window opens at the first request after the previous one ended (that is when lastUsedAt is
 * written: at most once a window, not per request). Both steps are single conditional statements, so
 * concurrent requests on any instance are all counted.
 */
export async function countTokenRequest(tokenId: string, options: { limit?: number; windowMs?: number; now?: Date } = {}): Promise<number | null> {
  const limit = options.limit ?? apiRateLimit();
  const windowMs = options.windowMs ?? API_RATE_WINDOW_MS;
  const now = options.now ?? new Date();
  const opened = await db.apiToken.updateMany({
    where: { id: tokenId, OR: [{ windowStart: null }, { windowStart: { lte: new Date(now.getTime() - windowMs) } }] },
    data: { windowStart: now, windowCount: 1, lastUsedAt: now },
  });
  if (opened.count > 0) return limit >= 1 ? null : Math.ceil(windowMs / 1000);
  const row = await db.apiToken.update({ where: { id: tokenId }, data: { windowCount: { increment: 1 } }, select: { windowCount: true, windowStart: true } });
  if (row.windowCount <= limit) return null;
  const msLeft = (row.windowStart?.getTime() ?? now.getTime()) + windowMs - now.getTime();
  return Math.max(1, Math.ceil(msLeft / 1000));
}

/** A scope allows a request: read for GET/HEAD, write for everything else. */
export function scopeAllows(scope: TokenScope, needs: TokenScope): boolean {
  return needs === "read" || scope === "write";
}
