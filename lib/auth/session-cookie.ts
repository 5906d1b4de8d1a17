// Renews the session cookie of the request in hand with a new sessionVersion. A change that bumps the
// user's sessionVersion (their own password change) ends every session; renewing the one that asked
// keeps it, so in effect only the user's *other* sessions end. Same cookie name, flags and lifetime as
// next-auth's own (lib/auth/options.ts, lib/auth/secure-cookies.ts).
import { decode, encode, type JWT } from "next-auth/jwt";
import { cookies } from "next/headers";
import { SESSION_MAX_AGE_SECONDS, startSessionToken, type SignedInUser } from "./options";
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

function cookieOptions(maxAge: number) {
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure: sessionCookiesSecure(), maxAge };
}

/**
 * Signs `user` in from a server action (the password form, lib/auth/sign-in-actions.ts): the same token
 * next-auth's credentials callback makes (its default claims + the jwt callback's), encoded with next-auth's
 * own encode() into next-auth's cookie, so getServerSession, proxy.ts and next-auth's sign-out read it as theirs.
 */
export async function setNewSessionCookie(user: SignedInUser & { name: string; email: string }): Promise<void> {
  const token = await startSessionToken({ name: user.name, email: user.email, sub: user.id }, user);
  const value = await encode({ token, secret: authSecret(), maxAge: SESSION_MAX_AGE_SECONDS });
  const jar = await cookies();
  clearChunks(jar, sessionCookieName());
  jar.set(sessionCookieName(), value, cookieOptions(SESSION_MAX_AGE_SECONDS));
}

/** The request's decoded session token (whatever its validity on the server), or null; null outside a request. */
export async function readSessionToken(): Promise<JWT | null> {
  let jar: Awaited<ReturnType<typeof cookies>>;
  try {
    jar = await cookies();
  } catch {
    return null;
  }
  const name = sessionCookieName();
  // next-auth splits a token longer than a cookie can hold into name.0, name.1, …
  const raw =
    jar.get(name)?.value ??
    jar
      .getAll()
      .filter((c) => c.name.startsWith(`${name}.`))
      .sort((a, b) => Number(a.name.slice(name.length + 1)) - Number(b.name.slice(name.length + 1)))
      .map((c) => c.value)
      .join("");
  if (!raw) return null;
  return decode({ token: raw, secret: authSecret() }).catch(() => null);
}

/** Removes the session cookie (and its chunks) with the flags it was set with (a __Secure- cookie needs Secure to be replaced). */
export async function clearSessionCookie(): Promise<void> {
  let jar: Awaited<ReturnType<typeof cookies>>;
  try {
    jar = await cookies();
  } catch {
    return; // not in a request
  }
  clearChunks(jar, sessionCookieName());
  jar.set(sessionCookieName(), "", cookieOptions(0));
}

function clearChunks(jar: Awaited<ReturnType<typeof cookies>>, name: string) {
  for (const c of jar.getAll()) if (c.name.startsWith(`${name}.`)) jar.set(c.name, "", cookieOptions(0));
}
