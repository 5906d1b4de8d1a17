"use server";
// The sign-in form's server action and "Sign out": public by nature (the caller has no session yet, or
// ends their own), so they do not go through defineAction; lib/auth/authorization-matrix.int.test.ts lists
// them as such. As <form action={…}> they work with JavaScript off: the browser posts the form, the server
// answers with the next step (the code field) or a redirect. Next checks the Origin of every server action
// call, which is this form's CSRF protection.
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { isDatabaseUnavailable } from "@/lib/db";
import { log } from "@/lib/log";
import { callbackBase, safeCallbackPath } from "./callback-url";
import { LoginLockedError } from "./login-guard";
import { loginMeta, SIGN_IN_DB_UNAVAILABLE, SIGN_IN_FAILED, type LoginRequestMeta } from "./options";
import { openPendingSignIn } from "./pending-sign-in";
import { setNewSessionCookie } from "./session-cookie";
import { codeStep, passwordStep, PendingSignInError, SIGN_IN_WRONG, type SignInUser } from "./sign-in";
import { signOutCurrentSession } from "./sign-out";
import { TwoFactorSignInError } from "./two-factor-sign-in";

/** What the form shows after a refused submission: the password step (email kept) or the code step (with its pending token). */
export type SignInFormState =
  | { step: "password"; email: string; error: string }
  | { step: "code"; pending: string; email: string; error: string | null }
  | null;

function field(formData: FormData, name: string): string {
  const v = formData.get(name);
  return typeof v === "string" ? v : "";
}

async function meta(): Promise<LoginRequestMeta> {
  try {
    return loginMeta({ headers: await headers() });
  } catch {
    return { ip: null, userAgent: null }; // outside a request (tests)
  }
}

/** Our own sentences only: never a database's text. */
function messageFor(err: unknown): string {
  if (err instanceof LoginLockedError || err instanceof TwoFactorSignInError || err instanceof PendingSignInError) return err.message;
  void log.error("sign-in failed on the server", { error: err });
  return isDatabaseUnavailable(err) ? SIGN_IN_DB_UNAVAILABLE : SIGN_IN_FAILED;
}

export async function signInForm(_prev: SignInFormState, formData: FormData): Promise<SignInFormState> {
  const request = await meta();
  let user: SignInUser | null;
  const pending = formData.get("pending");
  if (typeof pending === "string") {
    const email = openPendingSignIn(pending)?.email ?? "";
    try {
      user = await codeStep({ pending, code: field(formData, "code") }, request);
    } catch (err) {
      // A wrong code or a lockout: the code step again. A stale token or a server error: start over.
      if (email && (err instanceof TwoFactorSignInError || err instanceof LoginLockedError)) return { step: "code", pending, email, error: err.message };
      return { step: "password", email, error: messageFor(err) };
    }
    if (!user) return { step: "password", email, error: SIGN_IN_WRONG };
  } else {
    const email = field(formData, "email").trim();
    try {
      const answer = await passwordStep({ email, password: field(formData, "password") }, request);
      if (!answer) return { step: "password", email, error: SIGN_IN_WRONG };
      if (answer.step === "code") return { step: "code", pending: answer.pending, email: answer.email, error: null };
      user = answer.user;
    } catch (err) {
      return { step: "password", email, error: messageFor(err) };
    }
  }
  await setNewSessionCookie(user);
  // Outside any try/catch: redirect() throws by design.
  redirect(safeCallbackPath(field(formData, "callbackUrl"), callbackBase()));
}

/** "Sign out": this session ends on the server, then the browser goes to /login (or through the provider's sign-out first). */
export async function signOutForm(): Promise<void> {
  redirect(await signOutCurrentSession());
}
