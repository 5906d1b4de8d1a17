// "Sign out": ends the request's own session on the server (revoked, off the session list, its OIDC tokens
// dropped: endSessionOf in lib/auth/options.ts, the same as next-auth's sign-out event), clears the cookie,
// and, for a session that came from the identity provider, answers where the browser goes to end the
// provider's session as well (lib/auth/oidc.ts providerLogoutUrl), so the next "Continue with …" asks for
// the provider's login again instead of signing in silently.
import "server-only";
import { headers } from "next/headers";
import { log } from "@/lib/log";
import { OIDC_PROVIDER_ID, providerLogoutUrl } from "./oidc";
import { endSessionOf } from "./options";
import { sessionCookiesSecure } from "./secure-cookies";
import { clearSessionCookie, readSessionToken } from "./session-cookie";

/** The panel's own /login, where the provider sends the browser back (it must be registered there as a post-logout redirect URI). */
async function loginUrl(): Promise<string> {
  const configured = process.env.NEXTAUTH_URL?.trim();
  if (configured) return new URL("/login", configured).href;
  const h = await headers();
  return `${sessionCookiesSecure() ? "https" : "http"}://${h.get("host") ?? "localhost"}/login`;
}

/** Signs the request's session out; returns where to go next: the provider's end-session URL or /login. */
export async function signOutCurrentSession(): Promise<string> {
  const token = await readSessionToken();
  try {
    await endSessionOf(token);
  } catch (err) {
    // The cookie still goes: this browser is signed out even if the server could not record it.
    void log.error("could not end the session on the server at sign-out", { error: err });
  }
  await clearSessionCookie();
  if (token?.idp !== OIDC_PROVIDER_ID) return "/login";
  return (await providerLogoutUrl({ idToken: typeof token.idt === "string" ? token.idt : null, postLogoutRedirectUri: await loginUrl() })) ?? "/login";
}
