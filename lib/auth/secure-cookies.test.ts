// Session cookies are Secure whenever the panel is served over HTTPS, including a production start
// without NEXTAUTH_URL, and next-auth really sets them that way (its own cookie code, not our flag alone).
import { createRequire } from "node:module";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getAuthOptions } from "./options";
import { sessionCookiesSecure } from "./secure-cookies";

// next-auth's request handler, the one its Next.js route calls (not in the package's exports map).
const { AuthHandler } = createRequire(import.meta.url)(path.resolve("node_modules/next-auth/core/index.js")) as typeof import("../../node_modules/next-auth/core/index");

afterEach(() => vi.unstubAllEnvs());

async function csrfCookie() {
  const res = await AuthHandler({ req: { action: "csrf", method: "GET", headers: {}, cookies: {}, query: {}, body: {} }, options: getAuthOptions() });
  return res.cookies?.find((c) => c.name.includes("csrf-token"));
}

describe("session cookies", () => {
  it.each([
    [{ NEXTAUTH_URL: "https://panel.example.com", NODE_ENV: "production" }, true],
    [{ NEXTAUTH_URL: "HTTPS://panel.example.com", NODE_ENV: "development" }, true],
    [{ NEXTAUTH_URL: undefined, NODE_ENV: "production" }, true],
    [{ NEXTAUTH_URL: "http://127.0.0.1:3000", NODE_ENV: "production" }, false],
    [{ NEXTAUTH_URL: undefined, NODE_ENV: "development" }, false],
  ])("%j → Secure %s", (env, secure) => {
    expect(sessionCookiesSecure(env)).toBe(secure);
  });

  it("are Secure (with the __Secure-/__Host- names) when NEXTAUTH_URL is https", async () => {
    vi.stubEnv("NEXTAUTH_URL", "https://panel.example.com");
    const c = await csrfCookie();
    expect(c).toMatchObject({ name: "__Host-next-auth.csrf-token", options: { secure: true, httpOnly: true } });
    expect(getAuthOptions().useSecureCookies).toBe(true);
  });

  it("are Secure in production without NEXTAUTH_URL, where next-auth alone would not make them so", async () => {
    vi.stubEnv("NEXTAUTH_URL", undefined);
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("NEXTAUTH_SECRET", "x".repeat(48));
    const c = await csrfCookie();
    expect(c).toMatchObject({ name: "__Host-next-auth.csrf-token", options: { secure: true } });
  });

  it("are plain on a plain-HTTP development URL (browsers would drop Secure cookies there)", async () => {
    vi.stubEnv("NEXTAUTH_URL", "http://127.0.0.1:3000");
    vi.stubEnv("NODE_ENV", "development");
    const c = await csrfCookie();
    expect(c).toMatchObject({ name: "next-auth.csrf-token", options: { secure: false } });
  });
});
