import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { getServerSession } from "next-auth";
import { db, readWithRetry, type Role } from "@/lib/db";
import { redirect } from "next/navigation";
import { ForbiddenError } from "@/lib/errors";
import { checkOidcSession, OIDC_PROVIDER_ID } from "./oidc";
import { getAuthOptions, SESSION_MAX_AGE_SECONDS } from "./options";
import { can, type Permission } from "./permissions";
import { touchSession } from "./user-sessions";

/** `signedInWith: "oidc"`: a single sign-on session (the identity provider handles the second factor). */
export type SessionUser = { id: string; email: string; name: string; role: Role; signedInWith?: "oidc" };
/** `sid` and `at` (sign-in time, seconds): every cookie session has them; explicit claims (tests, scripts) may omit them. */
/** `idp`: "oidc" for a session signed in through the OpenID Connect provider (re-checked there, lib/auth/oidc.ts). */
type SessionClaim = { uid: string; sv: number; sid?: string; at?: number; idp?: string } | null;

// Outside a browser request (tests calling actions directly, scripts), the session claim comes from
// here instead of the cookie. It goes through exactly the same database checks below.
const explicitSession = new AsyncLocalStorage<SessionClaim>();

/** Runs `fn` as if the request carried a session for `claim` (null: signed out). */
export function runWithSession<T>(claim: SessionClaim, fn: () => Promise<T>): Promise<T> {
  return explicitSession.run(claim, fn);
}

async function currentClaim(): Promise<SessionClaim> {
  const explicit = explicitSession.getStore();
  if (explicit !== undefined) return explicit;
  const session = (await getServerSession(getAuthOptions())) as { uid?: string; sv?: number; sid?: string; at?: number; idp?: string } | null;
  // A cookie without a session id or sign-in time (issued before they existed) cannot be signed out: refused.
  if (!session?.uid || typeof session.sid !== "string" || typeof session.at !== "number") return null;
  return { uid: session.uid, sv: session.sv ?? -1, sid: session.sid, at: session.at, idp: session.idp };
}

/**
 * The signed-in user, re-read from the database: null when signed out, disabled, the session was revoked
 * (sign out, or sign out everywhere), or it began more than SESSION_MAX_AGE_SECONDS ago; a session signed in
 * through the OpenID Connect provider also when the provider no longer grants access (lib/auth/oidc.ts).
 */
export async function getSessionUser(now = Date.now()): Promise<SessionUser | null> {
  const claim = await currentClaim();
  if (!claim) return null;
  if (claim.at !== undefined && now / 1000 - claim.at > SESSION_MAX_AGE_SECONDS) return null;
  // Every panel page starts with these reads: retried once, so a page rendered while PostgreSQL restarts still shows.
  const [user, revoked] = await readWithRetry(() =>
    Promise.all([
    db.user.findUnique({
      where: { id: claim.uid },
      select: { id: true, email: true, name: true, role: true, disabled: true, sessionVersion: true },
    }),
    claim.sid !== undefined ? db.revokedSession.findUnique({ where: { sid: claim.sid }, select: { sid: true } }) : null,
    ]),
  );
  if (!user || user.disabled || user.sessionVersion !== claim.sv || revoked) return null;
  if (claim.sid !== undefined) void touchSession(claim.sid, now);
  if (claim.idp === OIDC_PROVIDER_ID) {
    // Still in a mapped group, and not disabled, at the identity provider? (at most every PALISADE_OIDC_RECHECK_SECONDS)
    const role = claim.sid !== undefined ? await checkOidcSession({ sid: claim.sid, user }, now) : null;
    if (!role) return null;
    return { id: user.id, email: user.email, name: user.name, role, signedInWith: "oidc" };
  }
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** The id of the session this request carries (for marking it in the list of sessions), or null. */
export async function currentSessionId(): Promise<string | null> {
  return (await currentClaim())?.sid ?? null;
}

/** For pages: the signed-in user, or a redirect to the login page. Route handlers use getSessionUser and answer 401. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/login");
  return user;
}

export function assertCan(user: SessionUser, permission: Permission): void {
  if (!can(user.role, permission)) throw new ForbiddenError();
}
