// The step between a right password and the second factor, for a sign-in without JavaScript: the server
// answers the password with the code step and a pending-sign-in token in a hidden field. The token is
// sealed (AES-256-GCM, lib/auth/secret-box.ts, its own key purpose), names the user, lives a few minutes,
// and carries a fingerprint of the user's password hash and session version: it never holds the password,
// cannot be read or altered by the browser, and dies when the password changes or the user signs out everywhere.
import { createHash } from "node:crypto";
import { openSecret, sealSecret } from "./secret-box";

export const PENDING_SIGN_IN_TTL_SECONDS = 5 * 60;
const PURPOSE = "pending-sign-in";

export type PendingSignIn = { uid: string; email: string; fp: string };

/** What must not change between the two steps: the password (its hash) and the session version. */
export function credentialFingerprint(user: { passwordHash: string; sessionVersion: number }): string {
  return createHash("sha256").update(`${user.sessionVersion}:${user.passwordHash}`).digest("base64url");
}

export function sealPendingSignIn(pending: PendingSignIn, now = Date.now(), secret?: string): string {
  const exp = Math.floor(now / 1000) + PENDING_SIGN_IN_TTL_SECONDS;
  return sealSecret(JSON.stringify({ uid: pending.uid, email: pending.email, fp: pending.fp, exp }), PURPOSE, secret);
}

/** The pending sign-in, or null when the token was altered, sealed with another secret or has expired. */
export function openPendingSignIn(token: unknown, now = Date.now(), secret?: string): PendingSignIn | null {
  if (typeof token !== "string" || token.length > 2048) return null;
  let claim: unknown;
  try {
    claim = JSON.parse(openSecret(token, PURPOSE, secret));
  } catch {
    return null;
  }
  const c = claim as Partial<PendingSignIn & { exp: number }> | null;
  if (!c || typeof c.uid !== "string" || typeof c.email !== "string" || typeof c.fp !== "string" || typeof c.exp !== "number") return null;
  if (now / 1000 >= c.exp) return null;
  return { uid: c.uid, email: c.email, fp: c.fp };
}
