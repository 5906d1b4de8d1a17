import { expect, test } from "@playwright/test";
import { login } from "./fixtures";

test("pages carry a nonce-based CSP without unsafe-inline scripts, and frames are refused", async ({ page }) => {
  const res = await page.goto("/login");
  const csp = res!.headers()["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp.split(";").find((d) => d.trim().startsWith("script-src"))).not.toContain("unsafe-inline");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res!.headers()["x-frame-options"]).toBe("DENY");
  expect(res!.headers()["x-content-type-options"]).toBe("nosniff");
  // Hydration works under that policy: the login form is interactive and signs in.
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await login(page, "admin");
  await page.goto("/vhosts");
  expect(violations).toEqual([]);
});

test("the session cookie is HttpOnly and SameSite=Lax", async ({ page, context }) => {
  await login(page, "auditor");
  const cookie = (await context.cookies()).find((c) => c.name.includes("next-auth.session-token"));
  expect(cookie).toBeDefined();
  expect(cookie!.httpOnly).toBe(true);
  expect(cookie!.sameSite).toBe("Lax");
});
