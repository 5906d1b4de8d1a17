// The password form's two steps as services (the server action is lib/auth/sign-in-actions.ts): the same
// checks as next-auth's credentials provider (verifyCredentials: throttling, equal-time password check,
// disabled accounts, the second factor), with the code step carried by a sealed pending-sign-in token
// (lib/auth/pending-sign-in.ts) instead of the password.
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { assertNotLocked, recordLoginAttempt } from "./login-guard";
import { type LoginRequestMeta, verifyCredentials } from "./options";
import { credentialFingerprint, openPendingSignIn, sealPendingSignIn } from "./pending-sign-in";
import { passSecondFactor, TwoFactorCodeRequired } from "./two-factor-sign-in";

export const SIGN_IN_WRONG = "Wrong email or password, or the account is disabled.";
export const PENDING_SIGN_IN_EXPIRED = "The sign-in took too long or could not be checked. Enter your email and password again.";

export const PasswordStepSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});
export const CodeStepSchema = z.object({ pending: z.string().min(1).max(2048), code: z.string().max(64) });

export type SignInUser = NonNullable<Awaited<ReturnType<typeof verifyCredentials>>>;

/** The pending token was altered, is too old, or its user changed (password, sign out everywhere, disabled). */
export class PendingSignInError extends AppError {
  constructor() {
    super(PENDING_SIGN_IN_EXPIRED);
  }
}

export type PasswordStep = { step: "signed-in"; user: SignInUser } | { step: "code"; pending: string; email: string };

/**
 * Email and password. Signed in when the account has no second factor; the code step (with a pending token)
 * when it has one; null for a wrong email or password or a disabled account. Throws LoginLockedError while
 * throttled (and the server's errors).
 */
export async function passwordStep(raw: unknown, meta: LoginRequestMeta, now = Date.now()): Promise<PasswordStep | null> {
  const parsed = PasswordStepSchema.safeParse(raw);
  if (!parsed.success) return null;
  try {
    const user = await verifyCredentials(parsed.data, meta);
    return user ? { step: "signed-in", user } : null;
  } catch (err) {
    if (!(err instanceof TwoFactorCodeRequired)) throw err;
    // verifyCredentials found the password right; nothing is recorded yet (the code step records the outcome).
    const user = await db.user.findUniqueOrThrow({ where: { email: parsed.data.email } });
    const pending = sealPendingSignIn({ uid: user.id, email: user.email, fp: credentialFingerprint(user) }, now);
    return { step: "code", pending, email: user.email };
  }
}

/**
 * The second factor after a right password: a TOTP code or a recovery code. Throttled like the password
 * (a wrong code counts as a failed sign-in, a lockout refuses even the right code). Null when the account
 * was disabled meanwhile; throws PendingSignInError for a bad or stale token, TwoFactorSignInError for a
 * missing or wrong code.
 */
export async function codeStep(raw: unknown, meta: LoginRequestMeta, now = Date.now()): Promise<SignInUser | null> {
  const parsed = CodeStepSchema.safeParse(raw);
  const pending = parsed.success ? openPendingSignIn(parsed.data.pending, now) : null;
  if (!parsed.success || !pending) throw new PendingSignInError();
  await assertNotLocked(pending.email, meta.ip);
  const user = await db.user.findUnique({ where: { id: pending.uid } });
  const gone = !user || user.disabled;
  if (gone || user.email !== pending.email || credentialFingerprint(user) !== pending.fp) {
    await recordLoginAttempt(pending.email, meta.ip, false, meta.userAgent);
    if (gone) return null; // disabled (or deleted) between the two steps: the password step's answer
    throw new PendingSignInError();
  }
  await passSecondFactor(user, parsed.data.code, meta); // a wrong code is recorded as a failure there
  await recordLoginAttempt(user.email, meta.ip, true, meta.userAgent);
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion, meta };
}
