// Pages need a session: without one the proxy redirects to /login. This is a convenience for the
// browser, not the guard — every server action and page checks the session and role itself.
import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { authSecret } from "@/lib/auth/secret";

export async function proxy(req: NextRequest) {
  const token = await getToken({ req, secret: authSecret() });
  if (token) return NextResponse.next();
  const login = new URL("/login", req.url);
  const back = req.nextUrl.pathname + req.nextUrl.search;
  if (back !== "/") login.searchParams.set("callbackUrl", back);
  return NextResponse.redirect(login);
}

export const config = {
  // Everything except the login page, next-auth's own routes, the node API (token auth) and static files.
  matcher: ["/((?!login|api/auth|api/v1|_next/static|_next/image|favicon.ico|.*\\.png$).*)"],
};
