import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { csrfCookieName, ssoCsrf } from "./sso-csrf";

const SECRET = "unit-test-secret-0123456789abcdefghijklmnopqrstuvwxyz";

/** next-auth's own check (next-auth/core/lib/csrf-token.js), restated. */
function nextAuthAccepts(cookie: string, bodyToken: string, secret: string): boolean {
  const [token, hash] = cookie.split("|");
  return hash === createHash("sha256").update(`${token}${secret}`).digest("hex") && token === bodyToken;
}

describe("next-auth CSRF token for the server-rendered SSO form", () => {
  it("makes a cookie next-auth accepts together with the form's token", async () => {
    const { token, cookie } = await ssoCsrf(undefined, SECRET);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(nextAuthAccepts(cookie!, token, SECRET)).toBe(true);
    expect(nextAuthAccepts(cookie!, token, `${SECRET}x`)).toBe(false);
  });

  it("keeps a valid cookie, and replaces a forged or foreign one", async () => {
    const first = await ssoCsrf(undefined, SECRET);
    expect(await ssoCsrf(first.cookie!, SECRET)).toEqual({ token: first.token, cookie: null });
    const forged = `${"a".repeat(64)}|${"b".repeat(64)}`;
    const replaced = await ssoCsrf(forged, SECRET);
    expect(replaced.token).not.toBe("a".repeat(64));
    expect(nextAuthAccepts(replaced.cookie!, replaced.token, SECRET)).toBe(true);
    expect((await ssoCsrf(first.cookie!, `${SECRET}-other`)).cookie).not.toBeNull();
    for (const junk of ["", "|", "x|y", first.token]) expect((await ssoCsrf(junk, SECRET)).cookie).not.toBeNull();
  });

  it("uses next-auth's cookie names", () => {
    expect(csrfCookieName(false)).toBe("next-auth.csrf-token");
    expect(csrfCookieName(true)).toBe("__Host-next-auth.csrf-token");
  });
});
