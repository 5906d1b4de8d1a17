import { expect, test } from "@playwright/test";
import { hydrated, loggedInPage } from "./fixtures";

test("a token created on /account is shown once, lists vhosts through the API, and stops working when revoked", async ({ browser, baseURL }) => {
  const page = await loggedInPage(browser, "editor");
  await page.goto("/account");
  await hydrated(page);
  const name = `e2e ${Date.now().toString(36)}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Scope").selectOption("read");
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByTestId("api-token");
  await expect(shown).toContainText(name);
  const token = (await shown.locator("code").textContent())!.trim();
  expect(token).toMatch(/^pal_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  await page.getByRole("button", { name: "I have saved it" }).click();
  // Shown once: after a reload the page has only its prefix.
  await page.reload();
  await expect(page.getByRole("table", { name: "Your API tokens" })).toContainText(name);
  expect(await page.content()).not.toContain(token);

  const list = await fetch(`${baseURL}/api/v1/vhosts?limit=5`, { headers: { authorization: `Bearer ${token}` } });
  expect(list.status).toBe(200);
  const body = (await list.json()) as { items: unknown[]; next: string | null };
  expect(Array.isArray(body.items)).toBe(true);
  // Read-only: a change is refused.
  const create = await fetch(`${baseURL}/api/v1/vhosts`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" });
  expect(create.status).toBe(403);
  expect(create.headers.get("content-type")).toBe("application/problem+json");

  await hydrated(page);
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: `Revoke token ${name}` }).click();
  await expect(page.getByText(`Token “${name}” revoked.`)).toBeVisible();
  const after = await fetch(`${baseURL}/api/v1/vhosts`, { headers: { authorization: `Bearer ${token}` } });
  expect(after.status).toBe(401);
  await page.context().close();
});

test("the API reference page is rendered from the OpenAPI document", async ({ browser, baseURL }) => {
  const page = await loggedInPage(browser, "auditor");
  await page.goto("/api-docs");
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  await expect(page.getByRole("region", { name: "GET /api/v1/vhosts", exact: true })).toContainText("vhost.read");
  const doc = (await (await fetch(`${baseURL}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
  expect(doc.openapi).toBe("3.1.0");
  expect(Object.keys(doc.paths)).toContain("/api/v1/vhosts/{id}/policy");
  await page.context().close();
});
