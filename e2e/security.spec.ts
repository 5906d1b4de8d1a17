import { expect, test } from "@playwright/test";
import { hydrated, login } from "./fixtures";

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

test("server actions refuse a cross-origin request, and change nothing", async ({ page }) => {
  await login(page, "admin");
  await page.goto("/vhosts/new");
  await hydrated(page);
  await page.getByLabel("Domain", { exact: true }).fill(`origin-${Date.now()}.example.com`);
  await page.getByLabel("Backend URL").fill("http://10.9.9.9");
  const call = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
  await page.getByRole("button", { name: "Create virtual host" }).click();
  const req = await call;
  await expect(page.getByRole("heading", { name: /origin-/ })).toBeVisible();

  const domain = `evil-${Date.now()}.example.com`;
  const body = JSON.parse(req.postData() ?? "[]") as [Record<string, unknown>];
  body[0] = { ...body[0], domain };
  const res = await page.request.post("/vhosts/new", {
    headers: { "next-action": req.headers()["next-action"]!, "content-type": "text/plain;charset=UTF-8", origin: "https://evil.example", accept: "text/x-component" },
    data: JSON.stringify(body),
  });
  expect(res.status()).toBeGreaterThanOrEqual(400);
  await page.goto(`/vhosts?q=${domain}`);
  await expect(page.getByText(`No virtual host matches “${domain}”`)).toBeVisible();
});

test("no secret reaches the browser: the client bundle holds no session secret, database URL or password hashing code", async () => {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const dir = path.join(process.cwd(), ".next", "static");
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|css|json)$/.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  expect(files.length).toBeGreaterThan(0);
  const forbidden = [
    process.env.NEXTAUTH_SECRET ?? "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "palisade-development-only-secret-not-for-production",
    "postgresql://",
    "passwordHash",
    "$2b$12$", // a bcrypt hash
    "better-sqlite3",
    "PALISADE_ADMIN_PASSWORD",
  ];
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    for (const s of forbidden) expect(text.includes(s), `${s} found in ${path.relative(process.cwd(), f)}`).toBe(false);
  }
});

test("nosniff and HSTS reach every response of the production build: pages, the login redirect, static files, route handlers", async ({ page, request }) => {
  const res = await page.goto("/login");
  // A static file the login page really loads (proxy.ts does not run for /_next/static).
  const script = await page.locator('script[src*="/_next/static/"]').first().getAttribute("src");
  expect(script).toBeTruthy();
  const responses = {
    page: res!,
    redirect: await request.get("/vhosts", { maxRedirects: 0 }),
    static: await request.get(script!),
    missingStatic: await request.get("/_next/static/chunks/does-not-exist.js"),
    png: await request.get("/screenshot.png"),
    api: await request.get("/api/v1/nodes/config"),
  };
  expect(responses.static.status()).toBe(200);
  expect(responses.png.status()).toBe(200);
  for (const [what, r] of Object.entries(responses)) {
    expect(r.headers()["x-content-type-options"], what).toBe("nosniff");
    expect(r.headers()["strict-transport-security"], what).toBe("max-age=63072000; includeSubDomains");
  }
});
