// Ending one session on the server. Sessions are JWTs in a cookie, so clearing the cookie alone leaves any
// copy of it valid until it expires. Each session gets an id (`sid`) and its sign-in time (`at`) when it
// is created; "Sign out" records the id here, and getSessionUser refuses it. Other sessions of the same
// user (other browsers) keep working; "Sign out everywhere" (sessionVersion) ends all of them.
// A row is needed only while the session could otherwise still be valid: sessions end at the latest
// SESSION_MAX_AGE_SECONDS after sign-in (enforced in getSessionUser, however often the cookie is renewed),
// so rows older than that are deleted as new ones are written.
import { audited } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { SESSION_MAX_AGE_SECONDS } from "./options";

export type SessionIdentity = { uid: string; sid: string; at: number };

/** Ends the session `sid` of user `uid`, signed in at `at` (seconds since the epoch), with an audit event. */
export async function revokeSession(session: SessionIdentity, now = new Date()): Promise<void> {
  const expiresAt = new Date((session.at + SESSION_MAX_AGE_SECONDS) * 1000);
  const user = await db.user.findUnique({ where: { id: session.uid }, select: { id: true, email: true } });
  if (!user) return;
  await audited({ actor: { id: user.id, email: user.email } }, async (tx) => {
    await tx.revokedSession.deleteMany({ where: { expiresAt: { lt: now } } });
    await tx.revokedSession.upsert({ where: { sid: session.sid }, create: { sid: session.sid, userId: user.id, expiresAt }, update: {} });
    await tx.userSession.deleteMany({ where: { sid: session.sid } }); // off the user's list of active sessions
    return {
      result: null,
      audit: { action: "user.signed_out", entityType: "User", entityId: user.id, summary: `${user.email} signed out (this session ended on the server)` },
    };
  });
}
