// next-auth's CSRF token for a server-rendered "Continue with <provider>" form (a native POST to
// /api/auth/signin/oidc, so single sign-on starts without JavaScript). next-auth checks that the form's
// `csrfToken` equals the token in its csrf cookie, whose value is `<token>|sha256(<token><secret>)`
// (next-auth/core/lib/csrf-token.js). proxy.ts makes that cookie for /login when it is missing or not
// ours, and hands the token to the page in a request header. Web Crypto only: proxy.ts runs it.

/** next-auth's own cookie name (`__Host-` when cookies are Secure). */
export function csrfCookieName(secure: boolean): string {
  return `${secure ? "__Host-" : ""}next-auth.csrf-token`;
}

/** The request header proxy.ts sets for the login page (and removes from every other request). */
export const SSO_CSRF_HEADER = "x-palisade-sso-csrf";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The token for the form: the one in a valid existing cookie, or a new one with the cookie value to set
 * (`cookie` is null when the existing cookie stays).
 */
export async function ssoCsrf(existing: string | undefined, secret: string): Promise<{ token: string; cookie: string | null }> {
  const [token, hash] = (existing ?? "").split("|");
  if (token && hash && /^[0-9a-f]{64}$/.test(token) && (await sha256Hex(`${token}${secret}`)) === hash) return { token, cookie: null };
  const fresh = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  return { token: fresh, cookie: `${fresh}|${await sha256Hex(`${fresh}${secret}`)}` };
}
