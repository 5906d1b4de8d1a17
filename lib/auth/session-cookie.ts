// Renews the session cookie of the request in hand with a new sessionVersion. A change that bumps the
// user's sessionVersion (their own password change) ends every session; renewing the one that asked
// keeps it, so in effect only the user's *other* sessions end. Same cookie name, flags and lifetime as
// next-auth's own (lib/auth/options.ts, lib/auth/secure-cookies.ts).
import { decode, encode } from "next-auth/jwt";
import { cookies } from "next/headers";
import { SESSION_MAX_AGE_SECONDS } from "./options";
import { authSecret } from "./secret";
import { sessionCookiesSecure } from "./secure-cookies";

export function sessionCookieName(): string {
  return `${sessionCookiesSecure() ? "__Secure-" : ""}next-auth.session-token`;
}

/** True when the cookie was renewed; false outside a request (tests, scripts) or without a session cookie. */
export async function renewSessionCookie(userId: string, sessionVersion: number): Promise<boolean> {
  let jar: Awaited<ReturnType<typeof cookies>>;
  try {
    jar = await cookies();
  } catch {
    return false; // not in a request
  }
  const name = sessionCookieName();
  const raw = jar.get(name)?.value;
  if (!raw) return false;
  const token = await decode({ token: raw, secret: authSecret() }).catch(() => null);
  if (!token || token.uid !== userId) return false;
  const renewed = await encode({ token: { ...token, sv: sessionVersion }, secret: authSecret(), maxAge: SESSION_MAX_AGE_SECONDS });
  jar.set(name, renewed, { httpOnly: true, sameSite: "lax", path: "/", secure: sessionCookiesSecure(), maxAge: SESSION_MAX_AGE_SECONDS });
  return true;
}
