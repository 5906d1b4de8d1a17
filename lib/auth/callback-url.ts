// Where to go after signing in: only a path on this panel, never another site (no open redirect).
// The check parses the candidate the way the browser will (the WHATWG URL parser drops tabs and
// newlines, reads `\` as `/`, resolves dot segments), so `/\evil.example`, `/\t/evil.example` and
// `/.//evil.example` are judged by what they become, not by how they look.

/**
 * The same-origin path (pathname + search + hash) that `raw` leads to from `origin`, or "/" when it
 * leads anywhere else or cannot be followed safely.
 */
export function safeCallbackPath(raw: string | null | undefined, origin: string): string {
  if (!raw) return "/";
  let base: URL;
  let target: URL;
  try {
    base = new URL(origin);
    target = new URL(raw, base);
  } catch {
    return "/";
  }
  if (target.origin !== base.origin || (target.protocol !== "http:" && target.protocol !== "https:")) return "/";
  const path = target.pathname + target.search + target.hash;
  // A pathname can still start with `//` (`/.//evil` resolves to `//evil`), which the router would read as
  // another host: follow only a path that parses back to this origin as exactly itself.
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  const again = new URL(path, base);
  return again.origin === base.origin && again.pathname + again.search + again.hash === path ? path : "/";
}

/**
 * The origin a server-side check judges callbackUrl against: NEXTAUTH_URL's when set (a full URL of the panel
 * is then accepted too), else one that matches nothing, so only a path is followed.
 */
export function callbackBase(env: Record<string, string | undefined> = process.env): string {
  return env.NEXTAUTH_URL?.trim() || "http://palisade.invalid";
}
