// Runs before every page request:
// 1. security headers, with a per-request nonce so the Content-Security-Policy allows no inline script
//    except Next's own (Next reads the nonce from the request's CSP header and puts it on its scripts);
// 2. pages need a session: without one, a redirect to /login. That is a convenience for the browser,
//    not the guard — every server action and page checks the session and role itself.
import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { oidcConfig } from "@/lib/auth/oidc-config";
import { authSecret } from "@/lib/auth/secret";
import { sessionCookiesSecure } from "@/lib/auth/secure-cookies";
import { csrfCookieName, SSO_CSRF_HEADER, ssoCsrf } from "@/lib/auth/sso-csrf";

const PUBLIC = [/^\/login(\/|$)/, /^\/api\/auth(\/|$)/, /^\/api\/v1(\/|$)/];

/**
 * Where a form may lead besides the panel: the identity provider. "Continue with <provider>" and "Sign out"
 * of a single sign-on session (lib/auth/sign-out.ts) are form POSTs answered by a redirect there, and
 * browsers hold such redirects to form-action.
 */
function formActionOrigins(): string {
  const origin = ssoIssuerOrigin();
  return origin ? ` ${origin}` : "";
}

/** The identity provider's origin when single sign-on is configured, else null. */
function ssoIssuerOrigin(): string | null {
  try {
    const cfg = oidcConfig();
    return cfg ? new URL(cfg.issuer).origin : null;
  } catch {
    return null; // an incomplete setup is reported where single sign-on is used
  }
}

export function contentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV !== "production", formTargets = formActionOrigins()) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React and the toast library set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self'${formTargets}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

function withSecurityHeaders(res: NextResponse, csp: string, requestId: string) {
  res.headers.set("X-Request-Id", requestId);
  res.headers.set("Content-Security-Policy", csp);
  res.headers.set("X-Content-Type-Options", "nosniff");
  res.headers.set("X-Frame-Options", "DENY");
  res.headers.set("Referrer-Policy", "same-origin");
  res.headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (process.env.NODE_ENV === "production") res.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return res;
}

export async function proxy(req: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce);
  // A request id for the structured logs (lib/log.ts); a proxy in front may supply its own.
  const incoming = req.headers.get("x-request-id");
  const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  const { pathname, search } = req.nextUrl;

  if (!PUBLIC.some((re) => re.test(pathname))) {
    const token = await getToken({ req, secret: authSecret(), secureCookie: sessionCookiesSecure() });
    if (!token) {
      const login = new URL("/login", req.url);
      if (pathname + search !== "/") login.searchParams.set("callbackUrl", pathname + search);
      return withSecurityHeaders(NextResponse.redirect(login), csp, requestId);
    }
  }
  const requestHeaders = new Headers(req.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  requestHeaders.set("x-request-id", requestId);
  // The login page's "Continue with <provider>" form posts to next-auth with its CSRF token (lib/auth/sso-csrf.ts).
  requestHeaders.delete(SSO_CSRF_HEADER);
  let csrfCookie: string | null = null;
  if (/^\/login\/?$/.test(pathname) && ssoIssuerOrigin()) {
    const secure = sessionCookiesSecure();
    const csrf = await ssoCsrf(req.cookies.get(csrfCookieName(secure))?.value, authSecret());
    requestHeaders.set(SSO_CSRF_HEADER, csrf.token);
    csrfCookie = csrf.cookie;
  }
  const res = NextResponse.next({ request: { headers: requestHeaders } });
  if (csrfCookie) res.cookies.set(csrfCookieName(sessionCookiesSecure()), csrfCookie, { httpOnly: true, sameSite: "lax", path: "/", secure: sessionCookiesSecure() });
  return withSecurityHeaders(res, csp, requestId);
}

export const config = {
  // Everything but static files and the node API (/api/v1/nodes/: token auth, checked by its own routes,
  // which set their request id; JSON needs no CSP). Thousands of nodes poll it, and the proxy's nonce, CSP
  // and request-header copy are work on every poll. nosniff and HSTS still reach it (next.config.js headers).
  matcher: ["/((?!_next/static|_next/image|api/v1/nodes/|favicon.ico|icon.svg|.*\\.png$).*)"],
};
