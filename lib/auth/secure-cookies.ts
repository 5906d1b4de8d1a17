// Whether the session cookies carry `Secure`. One answer for next-auth (which sets them) and proxy.ts
// (which reads them by name: "__Secure-next-auth.session-token" when secure).
//
// Served over HTTPS means NEXTAUTH_URL starts with https://. In production without NEXTAUTH_URL the panel
// assumes HTTPS too (next-auth alone would then fall back to plain cookies): a deployment that really
// serves plain HTTP says so with an http:// NEXTAUTH_URL, and browsers only keep Secure cookies over HTTPS
// (or on localhost).
type Env = Record<string, string | undefined>;

export function sessionCookiesSecure(env: Env = process.env): boolean {
  const url = env.NEXTAUTH_URL?.trim();
  if (url) return url.toLowerCase().startsWith("https://");
  return env.NODE_ENV === "production";
}
