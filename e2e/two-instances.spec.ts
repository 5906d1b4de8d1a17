// Two panel instances on one PostgreSQL database (issue 21): the chromium-postgres project's server is A;
// this spec starts a second `next start` of the same build, B, on the same database (SECOND_INSTANCE_PORT)
// and stops it afterwards. Nothing that matters may live in one process: sessions, their revocation,
// the audit chain, the sign-in lockout and the published revision are all seen alike by both.
// Cookies belong to the host, not the port: a context signed in on A (127.0.0.1) sends the same cookie to B.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Page } from "@playwright/test";
import { E2E_DATABASES, E2E_SECRET, SECOND_INSTANCE_PORT } from "./databases";
import { hydrated, login, uniqueDomain, USERS } from "./fixtures";

const ROOT = path.join(__dirname, "..");
const PG = E2E_DATABASES.find((d) => d.kind === "postgres")!;
const A = `http://127.0.0.1:${PG.port}`;
const B = `http://127.0.0.1:${SECOND_INSTANCE_PORT}`;

let second: ChildProcess | null = null;
let secondLog = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({}, testInfo) => {
  test.skip(testInfo.project.name !== PG.project, "two instances share one PostgreSQL database: chromium-postgres only");
  testInfo.setTimeout(180_000);
  second = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(SECOND_INSTANCE_PORT), "-H", "127.0.0.1"], {
    cwd: ROOT,
    detached: true, // its own process group, so afterAll stops next's children too
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DATABASE_URL: PG.url, NEXTAUTH_URL: B, NEXTAUTH_SECRET: E2E_SECRET, NEXT_TELEMETRY_DISABLED: "1" },
  });
  second.stdout!.on("data", (c: Buffer) => void (secondLog += c.toString()));
  second.stderr!.on("data", (c: Buffer) => void (secondLog += c.toString()));
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (second.exitCode !== null) throw new Error(`instance B exited (${second.exitCode}):\n${secondLog}`);
    const ok = await fetch(`${B}/login`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`instance B did not answer on ${B}:\n${secondLog}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

test.afterAll(async () => {
  if (!second?.pid) return;
  const exited = new Promise((r) => second!.once("exit", r));
  try {
    process.kill(-second.pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (second.exitCode === null) process.kill(-second.pid, "SIGKILL");
});

async function createVhostOn(page: Page, origin: string, domain: string) {
  await page.goto(`${origin}/vhosts/new`);
  await hydrated(page);
  await page.getByLabel("Domain", { exact: true }).fill(domain);
  await page.getByLabel("Backend URL").fill("http://10.0.0.5:8080");
  await page.getByRole("button", { name: "Create virtual host" }).click();
  await expect(page.getByRole("heading", { name: domain })).toBeVisible();
}

async function publishOn(page: Page, origin: string): Promise<number> {
  await page.goto(`${origin}/config`);
  await page.getByRole("link", { name: "Publish", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Preview the publish" })).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: /^Publish revision \d+$/ }).click();
  const done = page.getByText(/^Published revision \d+: /);
  await expect(done).toBeVisible();
  return Number(/^Published revision (\d+)/.exec(await done.innerText())![1]);
}

test("a session made on A works on B, and Sign out everywhere on A ends it on B", async ({ browser }) => {
  const context = await browser.newContext();
  const onA = await context.newPage();
  await login(onA, "editor");
  const onB = await context.newPage();
  await onB.goto(`${B}/vhosts`);
  await expect(onB.getByTestId("current-user")).toContainText(USERS.editor.email);

  // A second browser of the same user, signed in on B: "everywhere" includes it.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${B}/login`);
  await hydrated(otherPage);
  await otherPage.getByLabel("Email").fill(USERS.editor.email);
  await otherPage.getByLabel("Password").fill(USERS.editor.password);
  await otherPage.getByRole("button", { name: "Sign in" }).click();
  await expect(otherPage.getByTestId("current-user")).toContainText(USERS.editor.email);
  const copied = await context.cookies();

  await onA.goto(`${A}/vhosts`);
  await hydrated(onA);
  onA.once("dialog", (d) => void d.accept());
  await onA.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(onA).toHaveURL(/\/login/);

  await otherPage.goto(`${B}/vhosts`);
  await expect(otherPage).toHaveURL(/\/login/);
  // The cookie A issued before, replayed on B, no longer opens a page there.
  const thief = await browser.newContext();
  await thief.addCookies(copied);
  const thiefPage = await thief.newPage();
  await thiefPage.goto(`${B}/vhosts`);
  await expect(thiefPage).toHaveURL(/\/login/);
  await Promise.all([context.close(), other.close(), thief.close()]);
});

test("a sign-in lockout triggered through A holds on B", async ({ request, browser }) => {
  const email = `lockout-${Date.now().toString(36)}@example.test`;
  for (let i = 0; i < 5; i++) {
    const { csrfToken } = (await (await request.get(`${A}/api/auth/csrf`)).json()) as { csrfToken: string };
    await request.post(`${A}/api/auth/callback/credentials`, { form: { csrfToken, email, password: `guess ${i}`, json: "true" } });
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${B}/login`);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("another guess");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(/^Too many failed sign-ins\. Try again in \d+ minutes?\.$/)).toBeVisible();
  await context.close();
});

test("audited writes through both instances at once keep one contiguous chain", async ({ browser }) => {
  const context = await browser.newContext();
  await login(await context.newPage(), "admin");
  const prefix = uniqueDomain("twoinst").replace(/\.example\.com$/, "");
  const writes = [A, B, A, B, A, B].map(async (origin, i) => {
    const page = await context.newPage();
    await createVhostOn(page, origin, `${prefix}-${i}.example.com`);
  });
  await Promise.all(writes);
  const check = await context.newPage();
  await check.goto(`${B}/vhosts?q=${prefix}`);
  for (let i = 0; i < 6; i++) await expect(check.getByRole("row", { name: new RegExp(`${prefix}-${i}\\.example\\.com`) })).toBeVisible();
  // One audit event per write, whichever instance made it.
  await check.goto(`${A}/audit?action=vhost.create&q=${prefix}`);
  await expect(check.getByRole("row").filter({ hasText: new RegExp(`${prefix}-\\d\\.example\\.com`) })).toHaveCount(6);
  // The chain check of `npm run audit:verify` on the shared database: every seq once, every hash linked.
  const { stdout } = await promisify(execFile)("npx", ["tsx", "lib/audit/cli.ts"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: PG.url } });
  expect(stdout).toMatch(/Chain intact through #\d+/);
  await context.close();
});

test("a publish on A is what a node polling B gets, and wakes B's long poll", async ({ browser, request }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, "admin");
  const name = `twoinst-${Date.now().toString(36)}`;
  await page.goto(`${A}/nodes`);
  await hydrated(page);
  await page.getByLabel("Node name").fill(name);
  await page.getByRole("button", { name: "Register node" }).click();
  const token = await page.getByLabel(`Token for ${name}`, { exact: true }).innerText();
  const auth = { authorization: `Bearer ${token}` };

  await createVhostOn(page, A, uniqueDomain("twoinst-pub"));
  const first = await publishOn(page, A);
  const polled = await request.get(`${B}/api/v1/nodes/config`, { headers: auth });
  expect(polled.status()).toBe(200);
  expect(((await polled.json()) as { revision: number }).revision).toBe(first);
  const etag = polled.headers()["etag"]!;
  expect((await request.get(`${B}/api/v1/nodes/config`, { headers: { ...auth, "if-none-match": etag } })).status()).toBe(304);

  // A node waiting on B while A publishes: answered with the new revision, not at the end of its wait.
  const started = Date.now();
  const waiting = request.get(`${B}/api/v1/nodes/config?wait=60`, { headers: { ...auth, "if-none-match": etag }, timeout: 90_000 });
  await new Promise((r) => setTimeout(r, 1500));
  await createVhostOn(page, A, uniqueDomain("twoinst-wake"));
  const second = await publishOn(page, A);
  expect(second).toBeGreaterThan(first);
  const woken = await waiting;
  expect(woken.status()).toBe(200);
  expect(((await woken.json()) as { revision: number }).revision).toBe(second);
  expect(Date.now() - started).toBeLessThan(60_000);
  await context.close();
});
