// The user's active sessions: one UserSession row per sign-in, keyed by the JWT's session id (sid). The
// row is only a list for the user to see: whether a session is valid is still decided by getSessionUser
// (sessionVersion, RevokedSession, age). Ending one from the list revokes its sid (revoked-sessions.ts).
// lastSeenAt is written at most once a minute per session and process, so page views do not each write.
import "server-only";
import { audited, type AuditContext, type RequestMeta } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { log } from "@/lib/log";
import { SESSION_MAX_AGE_SECONDS } from "./options";

export const LAST_SEEN_RESOLUTION_MS = 60_000;
const MAX_TRACKED = 10_000;

export type SignedInSession = { uid: string; sid: string; sv: number; at: number };

/** Records a new sign-in; expired rows of anyone are cleared on the way (indexed, few). */
export async function recordSignIn(session: SignedInSession, meta: RequestMeta, now = new Date()): Promise<void> {
  const expiresAt = new Date((session.at + SESSION_MAX_AGE_SECONDS) * 1000);
  await db.userSession.deleteMany({ where: { expiresAt: { lt: now } } });
  await db.userSession.create({
    data: {
      sid: session.sid,
      userId: session.uid,
      sessionVersion: session.sv,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      createdAt: new Date(session.at * 1000),
      lastSeenAt: now,
      expiresAt,
    },
  });
}

const lastWritten = new Map<string, number>();

/** Marks the session as seen now; coalesced to one write a minute (per process). Never fails the request. */
export function touchSession(sid: string, now = Date.now()): Promise<void> | undefined {
  const last = lastWritten.get(sid);
  if (last !== undefined && now - last < LAST_SEEN_RESOLUTION_MS) return undefined;
  if (lastWritten.size >= MAX_TRACKED) lastWritten.clear();
  lastWritten.set(sid, now);
  return db.userSession
    .updateMany({ where: { sid }, data: { lastSeenAt: new Date(now) } })
    .then(() => undefined)
    .catch((error: unknown) => void log.warn("could not record a session's last activity", { error }));
}

export type ActiveSession = { sid: string; ip: string | null; userAgent: string | null; createdAt: Date; lastSeenAt: Date; current: boolean };

/** The user's sessions that are still valid, newest activity first; `currentSid` is marked. */
export async function listActiveSessions(user: { id: string }, currentSid: string | null, now = new Date()): Promise<ActiveSession[]> {
  const me = await db.user.findUnique({ where: { id: user.id }, select: { sessionVersion: true } });
  if (!me) return [];
  const rows = await db.userSession.findMany({
    where: { userId: user.id, sessionVersion: me.sessionVersion, expiresAt: { gt: now } },
    orderBy: { lastSeenAt: "desc" },
    select: { sid: true, ip: true, userAgent: true, createdAt: true, lastSeenAt: true },
    take: 100,
  });
  const revoked = new Set(
    (await db.revokedSession.findMany({ where: { sid: { in: rows.map((r) => r.sid) } }, select: { sid: true } })).map((r) => r.sid),
  );
  return rows.filter((r) => !revoked.has(r.sid)).map((r) => ({ ...r, current: r.sid === currentSid }));
}

/** Ends one of the user's own sessions (another browser, a lost laptop) at once. */
export async function endSession(ctx: AuditContext, input: { userId: string; sid: string }): Promise<void> {
  await audited(ctx, async (tx) => {
    const row = await tx.userSession.findUnique({ where: { sid: input.sid }, select: { sid: true, userId: true, createdAt: true, expiresAt: true, ip: true, userAgent: true } });
    // Another user's sid is "not found" too: nothing to learn about sessions that are not yours.
    if (!row || row.userId !== input.userId) throw new NotFoundError("That session has already ended.");
    await tx.revokedSession.upsert({ where: { sid: row.sid }, create: { sid: row.sid, userId: row.userId, expiresAt: row.expiresAt }, update: {} });
    await tx.userSession.delete({ where: { sid: row.sid } });
    return {
      result: null,
      audit: {
        action: "user.session_ended",
        entityType: "User",
        entityId: row.userId,
        summary: `${ctx.actor.email} ended a session signed in at ${row.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC${row.ip ? ` from ${row.ip}` : ""}`,
        before: { sid: row.sid, ip: row.ip, userAgent: row.userAgent },
      },
    };
  });
}
