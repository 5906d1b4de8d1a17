// The REST API's conventions on a real database: 201 + Location, ETag / If-Match (412 with the current
// version), idempotent PUT, problem details with per-field errors, cursor paging, the audit row naming
// the token, the per-token rate limit in the database, and every route in the OpenAPI document with
// real responses validating against it.
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { ensureBuiltInTemplates } from "@/lib/templates/service";
import { countTokenRequest } from "@/lib/tokens/service";
import { call, userWithToken } from "./api-fixtures";
import { API_BASE, type Method } from "./define";
import { openApiDocument } from "./openapi";
import { API_ROUTES } from "./routes";

let admin: string;
let adminTokenId: string;
let auditorRead: string;

const VHOST = { domain: "api.example.test", aliases: ["www.api.example.test"], backendUrl: "http://10.0.0.7:8080", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true };

beforeAll(async () => {
  const a = await userWithToken("admin@conv.api.test", "ADMIN", "write");
  admin = a.token;
  adminTokenId = a.tokenId;
  auditorRead = (await userWithToken("auditor@conv.api.test", "AUDITOR", "read")).token;
});

afterEach(() => {
  delete process.env.API_RATE_LIMIT;
});

// --- the OpenAPI document as a validator of real responses ---------------------------------------
const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: { schemas: Record<string, unknown> } };
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat("date-time", { type: "string", validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) });
ajv.addSchema({ $id: "doc", components: doc.components });

/** Validates a response against the document's schema for its route, method and status. */
async function conforms(res: Response, method: Method, template: string): Promise<unknown> {
  const op = doc.paths[`${API_BASE}${template}`]?.[method.toLowerCase()];
  expect(op, `${method} ${template} is in the document`).toBeDefined();
  const spec = op!.responses[String(res.status)];
  expect(spec, `${method} ${template} documents status ${res.status}`).toBeDefined();
  const content = spec!.content;
  if (!content) return null;
  const [type, media] = Object.entries(content)[0]!;
  expect(res.headers.get("content-type")).toContain(type);
  // JSON, or a text answer (the YAML of GET /config) validated as a string.
  const body = /json/.test(type) ? await res.json() : await res.text();
  const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"doc#/components/'));
  const validate = ajv.compile(schema);
  expect(validate(body), `${method} ${template} ${res.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
  return body;
}

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(p);
    return e.name === "route.ts" ? [p] : [];
  });
}

describe(`REST API conventions (${process.env.TEST_DB})`, () => {
  it("has every route file in the document, and every documented route in a route file", () => {
    const root = path.join(process.cwd(), "app/api/v1");
    const files = routeFiles(root)
      .map((f) => path.relative(root, path.dirname(f)).split(path.sep).join("/"))
      .filter((p) => !p.startsWith("nodes") && p !== "openapi.json")
      .map((p) => `/${p.replace(/\[(\w+)\]/g, "{$1}")}`)
      .sort();
    const documented = Object.keys(doc.paths).map((p) => p.slice(API_BASE.length)).sort();
    expect(files).toEqual(documented);
    expect([...new Set(API_ROUTES.map((r) => r.path))].sort()).toEqual(documented);
    for (const r of API_ROUTES) {
      expect(doc.paths[`${API_BASE}${r.path}`]![r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
      const source = fs.readFileSync(path.join(root, r.path.replace(/\{(\w+)\}/g, "[$1]"), "route.ts"), "utf8");
      expect(source, `${r.path} exports ${r.method}`).toContain(`export const ${r.method} =`);
    }
  });

  it("creates with 201 + Location + ETag, reads with ETag, refuses a stale If-Match with 412 and the current version, and PUT is idempotent", async () => {
    const created = await call("POST", "/vhosts", { token: admin, body: VHOST });
    expect(created.status).toBe(201);
    const body = (await conforms(created.clone(), "POST", "/vhosts")) as { id: string; version: number; aliases: string[] };
    expect(created.headers.get("location")).toBe(`${API_BASE}/vhosts/${body.id}`);
    expect(created.headers.get("etag")).toBe('"1"');
    expect(body.aliases).toEqual(["www.api.example.test"]);

    const got = await call("GET", `/vhosts/${body.id}`, { token: auditorRead });
    expect(got.status).toBe(200);
    expect(got.headers.get("etag")).toBe('"1"');
    await conforms(got, "GET", "/vhosts/{id}");

    const changed = { ...VHOST, backendUrl: "http://10.0.0.8:8080" };
    const noIfMatch = await call("PUT", `/vhosts/${body.id}`, { token: admin, body: changed });
    expect(noIfMatch.status).toBe(428);
    await conforms(noIfMatch, "PUT", "/vhosts/{id}");

    const put = await call("PUT", `/vhosts/${body.id}`, { token: admin, body: changed, headers: { "if-match": '"1"' } });
    expect(put.status).toBe(200);
    expect(put.headers.get("etag")).toBe('"2"');
    await conforms(put, "PUT", "/vhosts/{id}");

    // The same PUT again: nothing changes (no new version, no audit row), whatever If-Match says.
    const events = await db.auditEvent.count();
    const again = await call("PUT", `/vhosts/${body.id}`, { token: admin, body: changed, headers: { "if-match": '"1"' } });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe('"2"');
    expect(await db.auditEvent.count()).toBe(events);

    // A different change on the old version: 412 with the current version.
    const stale = await call("PUT", `/vhosts/${body.id}`, { token: admin, body: { ...changed, enabled: false }, headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await conforms(stale, "PUT", "/vhosts/{id}")) as { currentVersion: number; status: number };
    expect(problem).toMatchObject({ status: 412, currentVersion: 2 });

    const staleDelete = await call("DELETE", `/vhosts/${body.id}`, { token: admin, headers: { "if-match": '"1"' } });
    expect(staleDelete.status).toBe(412);
    const policy = await call("GET", `/vhosts/${body.id}/policy`, { token: admin });
    const p = (await conforms(policy.clone(), "GET", "/vhosts/{id}/policy")) as Record<string, unknown>;
    const { vhostId: _v, updatedAt: _u, updatedByEmail: _e, version: _ver, ...fields } = p;
    const newPolicy = await call("PUT", `/vhosts/${body.id}/policy`, { token: admin, body: { ...fields, inboundThreshold: 10 }, headers: { "if-match": policy.headers.get("etag")! } });
    expect(newPolicy.status).toBe(200);
    await conforms(newPolicy, "PUT", "/vhosts/{id}/policy");
    const deleted = await call("DELETE", `/vhosts/${body.id}`, { token: admin, headers: { "if-match": '"2"' } });
    expect(deleted.status).toBe(200);
    await conforms(deleted, "DELETE", "/vhosts/{id}");
    expect((await call("GET", `/vhosts/${body.id}`, { token: admin })).status).toBe(404);
  });

  it("answers invalid input with problem details naming each field", async () => {
    const res = await call("POST", "/vhosts", { token: admin, body: { ...VHOST, domain: "not a domain", backendUrl: "ftp://x", tlsMode: "SOMETIMES" } });
    expect(res.status).toBe(400);
    const p = (await conforms(res, "POST", "/vhosts")) as { type: string; title: string; errors: Record<string, string[]> };
    expect(p.type).toMatch(/^https:\/\//);
    expect(Object.keys(p.errors).sort()).toEqual(expect.arrayContaining(["backendUrl", "domain", "tlsMode"]));
    const notJson = await call("POST", "/vhosts", { token: admin, rawBody: "{", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    const wrongType = await call("POST", "/vhosts", { token: admin, rawBody: "x", headers: { "content-type": "text/plain" } });
    expect(wrongType.status).toBe(415);
    const badCursor = await call("GET", "/vhosts?cursor=garbage", { token: admin });
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as { errors: Record<string, string[]> }).errors.cursor).toBeDefined();
  });

  it("pages with a cursor through every vhost once, in domain order", async () => {
    for (let i = 0; i < 7; i++) expect((await call("POST", "/vhosts", { token: admin, body: { ...VHOST, aliases: [], domain: `page${i}.example.test` } })).status).toBe(201);
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const res = await call("GET", `/vhosts?limit=3${next ? `&cursor=${next}` : ""}`, { token: auditorRead });
      const page = (await conforms(res, "GET", "/vhosts")) as { items: { domain: string }[]; next: string | null };
      seen.push(...page.items.map((v) => v.domain));
      next = page.next;
      pages++;
    } while (next);
    const all = (await db.virtualHost.findMany({ orderBy: { domain: "asc" }, select: { domain: true } })).map((v) => v.domain);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
  });

  it("names the user and the token in the audit row of a change made through it", async () => {
    const res = await call("POST", "/vhosts", { token: admin, body: { ...VHOST, aliases: [], domain: "audited.example.test" } });
    const { id } = (await res.json()) as { id: string };
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "vhost.create", entityId: id } });
    expect(e.actorEmail).toBe("admin@conv.api.test");
    expect(e.summary).toContain(`via API token "ADMIN write" ${adminTokenId}`);
    const token = await db.apiToken.findUniqueOrThrow({ where: { id: adminTokenId } });
    expect(token.lastUsedAt).not.toBeNull();
    // Readable through the API too, and valid against the document.
    const list = await call("GET", `/audit-events?action=vhost.create&limit=2`, { token: auditorRead });
    const page = (await conforms(list, "GET", "/audit-events")) as { items: { id: string; summary: string }[]; next: string | null };
    expect(page.items[0]!.summary).toContain("via API token");
    const one = await call("GET", `/audit-events/${page.items[0]!.id}`, { token: auditorRead });
    await conforms(one, "GET", "/audit-events/{id}");
    const next = await call("GET", `/audit-events?action=vhost.create&limit=2&cursor=${page.next}`, { token: auditorRead });
    const older = (await conforms(next, "GET", "/audit-events")) as { items: { id: string }[] };
    expect(older.items.map((i) => i.id)).not.toContain(page.items[0]!.id);
    const exp = await call("GET", "/audit-events/export?format=jsonl&action=vhost.create", { token: auditorRead });
    expect(exp.status).toBe(200);
    expect((await exp.text()).trim().split("\n").length).toBeGreaterThan(1);
    await conforms(await call("GET", "/waf-events?range=7d", { token: auditorRead }), "GET", "/waf-events");
  });

  it("previews, publishes what was previewed, lists, reads, diffs and rolls back revisions, validating each answer", async () => {
    const preview = await call("GET", "/revisions/preview", { token: auditorRead });
    expect(preview.status).toBe(200);
    const etag = preview.headers.get("etag")!;
    const p = (await conforms(preview, "GET", "/revisions/preview")) as { fingerprint: string; latest: number | null };
    expect(etag).toBe(`"${p.fingerprint}"`);
    expect(p.latest).toBeNull();
    const missing = await call("POST", "/revisions", { token: admin, body: { basedOn: null } });
    expect(missing.status).toBe(428);
    await conforms(missing, "POST", "/revisions");
    const first = await call("POST", "/revisions", { token: admin, body: { basedOn: null }, headers: { "if-match": etag } });
    expect(first.status).toBe(201);
    expect(first.headers.get("location")).toBe(`${API_BASE}/revisions/1`);
    await conforms(first, "POST", "/revisions");
    const unchanged = await call("POST", "/revisions", { token: admin, body: { basedOn: 1, previewed: p.fingerprint } });
    expect(unchanged.status).toBe(200);
    await conforms(unchanged, "POST", "/revisions");
    const stale = await call("POST", "/revisions", { token: admin, body: { basedOn: null }, headers: { "if-match": etag } });
    expect(stale.status).toBe(412);
    await conforms(stale, "POST", "/revisions");
    await call("POST", "/vhosts", { token: admin, body: { ...VHOST, aliases: [], domain: "second.example.test" } });
    const changed = await call("POST", "/revisions", { token: admin, body: { basedOn: 1 }, headers: { "if-match": etag } });
    expect(changed.status).toBe(412);
    const problem = (await conforms(changed.clone(), "POST", "/revisions")) as { currentHash: string };
    expect(changed.headers.get("etag")).toBe(`"${problem.currentHash}"`);
    expect((await call("POST", "/revisions", { token: admin, body: { basedOn: 1 }, headers: { "if-match": `"${problem.currentHash}"` } })).status).toBe(201);
    await conforms(await call("GET", "/revisions?limit=1", { token: auditorRead }), "GET", "/revisions");
    await conforms(await call("GET", "/revisions/1", { token: auditorRead }), "GET", "/revisions/{number}");
    await conforms(await call("GET", "/revisions/diff?from=1&to=2", { token: auditorRead }), "GET", "/revisions/diff");
    const rollback = await call("POST", "/revisions/1/rollback", { token: admin, body: { basedOn: 2 } });
    expect(rollback.status).toBe(201);
    expect(rollback.headers.get("location")).toBe(`${API_BASE}/revisions/3`);
    await conforms(rollback, "POST", "/revisions/{number}/rollback");
    await conforms(await call("GET", "/revisions/999", { token: auditorRead }), "GET", "/revisions/{number}");
  }, 60_000);

  it("manages IP lists, custom rules and exclusions, and lists templates, validating each answer", async () => {
    const v = (await (await call("POST", "/vhosts", { token: admin, body: { ...VHOST, aliases: [], domain: "items.example.test" } })).json()) as { id: string };
    const added = await call("POST", `/vhosts/${v.id}/ip-lists`, { token: admin, body: { kind: "DENY", text: "192.0.2.7\nnot-an-ip", confirmWide: false } });
    const report = (await conforms(added, "POST", "/vhosts/{id}/ip-lists")) as { addedCount: number; lines: { status: string }[] };
    expect(report.addedCount).toBe(1);
    expect(report.lines.map((l) => l.status)).toEqual(["added", "refused"]);
    const entries = (await conforms(await call("GET", `/vhosts/${v.id}/ip-lists`, { token: auditorRead }), "GET", "/vhosts/{id}/ip-lists")) as { items: { id: string }[] };
    await conforms(await call("DELETE", `/vhosts/${v.id}/ip-lists/${entries.items[0]!.id}`, { token: admin }), "DELETE", "/vhosts/{id}/ip-lists/{entryId}");

    const rule = { ruleId: 10_042, enabled: true, description: "Block a test path", secRule: 'SecRule REQUEST_URI "@beginsWith /blocked" "id:10042,phase:1,deny,status:403"' };
    const created = await call("POST", `/vhosts/${v.id}/custom-rules`, { token: admin, body: rule });
    expect(created.status, await created.clone().text()).toBe(201);
    const r = (await conforms(created.clone(), "POST", "/vhosts/{id}/custom-rules")) as { id: string; version: number };
    expect(created.headers.get("location")).toBe(`${API_BASE}/vhosts/${v.id}/custom-rules/${r.id}`);
    await conforms(await call("GET", `/vhosts/${v.id}/custom-rules/${r.id}`, { token: auditorRead }), "GET", "/vhosts/{id}/custom-rules/{ruleId}");
    const put = await call("PUT", `/vhosts/${v.id}/custom-rules/${r.id}`, { token: admin, body: { ...rule, description: "Renamed" }, headers: { "if-match": `"${r.version}"` } });
    expect(put.status).toBe(200);
    await conforms(put, "PUT", "/vhosts/{id}/custom-rules/{ruleId}");
    const stale = await call("PUT", `/vhosts/${v.id}/custom-rules/${r.id}`, { token: admin, body: { ...rule, description: "Again" }, headers: { "if-match": `"${r.version}"` } });
    expect(stale.status).toBe(412);
    await conforms(await call("GET", `/vhosts/${v.id}/custom-rules`, { token: auditorRead }), "GET", "/vhosts/{id}/custom-rules");
    await conforms(await call("DELETE", `/vhosts/${v.id}/custom-rules/${r.id}`, { token: admin }), "DELETE", "/vhosts/{id}/custom-rules/{ruleId}");

    const ex = await call("POST", `/vhosts/${v.id}/exclusions`, { token: admin, body: { kind: "REMOVE_BY_ID", ruleId: 942100, note: "" } });
    const exBody = (await conforms(ex, "POST", "/vhosts/{id}/exclusions")) as { id: string };
    await conforms(await call("GET", `/vhosts/${v.id}/exclusions`, { token: auditorRead }), "GET", "/vhosts/{id}/exclusions");
    await conforms(await call("DELETE", `/vhosts/${v.id}/exclusions/${exBody.id}`, { token: admin }), "DELETE", "/vhosts/{id}/exclusions/{exclusionId}");
    await conforms(await call("GET", "/templates", { token: auditorRead }), "GET", "/templates");
  });

  it("exports, plans and applies the configuration file (ETag = the state's fingerprint, 428 / 412 / 422), validating each answer", async () => {
    const exported = await call("GET", "/config", { token: auditorRead });
    expect(exported.status).toBe(200);
    const etag = exported.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const yaml = (await conforms(exported, "GET", "/config")) as string;
    expect(yaml).toMatch(/^# Palisade configuration/);

    const wanted = yaml.replace(/^vhosts:.*$/m, "vhosts:\n  - domain: cfg.example.test\n    backendUrl: http://10.0.0.9:8080\n    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}");
    const plan = await call("POST", "/config/plan", { token: auditorRead, body: { yaml: wanted, source: "conv.yaml" } });
    expect(plan.status, await plan.clone().text()).toBe(200);
    expect(plan.headers.get("etag")).toBe(etag);
    const p = (await conforms(plan, "POST", "/config/plan")) as { counts: { create: number }; changes: { op: string; type: string; domain?: string }[]; text: string[] };
    expect(p.changes).toContainEqual(expect.objectContaining({ op: "create", type: "vhost", domain: "cfg.example.test" }));
    expect(p.text).toContain("+ vhost cfg.example.test");

    const missing = await call("POST", "/config/apply", { token: admin, body: { yaml: wanted } });
    expect(missing.status).toBe(428);
    await conforms(missing, "POST", "/config/apply");
    const stale = await call("POST", "/config/apply", { token: admin, body: { yaml: wanted }, headers: { "if-match": `"${"0".repeat(64)}"` } });
    expect(stale.status).toBe(412);
    expect(((await conforms(stale, "POST", "/config/apply")) as { fingerprint: string }).fingerprint).toBe(etag.slice(1, -1));
    const invalid = await call("POST", "/config/apply", { token: admin, body: { yaml: "version: 2\n" }, headers: { "if-match": etag } });
    expect(invalid.status).toBe(422);
    expect(((await conforms(invalid, "POST", "/config/apply")) as { problems: { location: string }[] }).problems[0]!.location).toMatch(/^config\.yaml:\d+:\d+$/);

    const applied = await call("POST", "/config/apply", { token: admin, body: { yaml: wanted, source: "conv.yaml" }, headers: { "if-match": etag } });
    expect(applied.status, await applied.clone().text()).toBe(200);
    const a = (await conforms(applied.clone(), "POST", "/config/apply")) as { status: string; appliedBy: string; fingerprint: string };
    expect(a).toMatchObject({ status: "applied", appliedBy: "admin@conv.api.test" });
    expect(applied.headers.get("etag")).toBe(`"${a.fingerprint}"`);
    expect((await call("GET", "/config", { token: auditorRead })).headers.get("etag")).toBe(`"${a.fingerprint}"`);
    const row = await db.auditEvent.findFirstOrThrow({ where: { action: "config.apply" }, orderBy: { seq: "desc" } });
    expect(row.actorEmail).toBe("admin@conv.api.test");
    expect(row.summary).toContain("conv.yaml");
    expect(row.summary).toContain(`via API token "ADMIN write" ${adminTokenId}`);
  });

  it("limits requests per token in the database: 429 with Retry-After, then a new window", async () => {
    const t = await userWithToken("limited@conv.api.test", "AUDITOR", "read");
    process.env.API_RATE_LIMIT = "3";
    for (let i = 0; i < 3; i++) expect((await call("GET", "/vhosts", { token: t.token })).status).toBe(200);
    const limited = await call("GET", "/vhosts", { token: t.token });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    await conforms(limited, "GET", "/vhosts");
    // Another token is not affected; the count is in the row, shared by every instance.
    const other = await userWithToken("other@conv.api.test", "AUDITOR", "read");
    expect((await call("GET", "/vhosts", { token: other.token })).status).toBe(200);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: t.tokenId } })).windowCount).toBe(4);
    // A window that has ended opens again.
    expect(await countTokenRequest(t.tokenId, { limit: 3, now: new Date(Date.now() + 61_000) })).toBeNull();
  });

  it("manages templates, applies one to a policy, toggles a vhost and moves a custom rule, validating each answer", async () => {
    await ensureBuiltInTemplates({ actor: { id: null, email: "setup@api.test" } });
    const template = { name: "Conv template", description: "", policy: { engineMode: "DETECTION_ONLY", blockingParanoia: 1, detectionParanoia: 2, inboundThreshold: 5, outboundThreshold: 4, exclusions: [{ kind: "REMOVE_BY_TAG", tag: "attack-sqli" }] } };
    const created = await call("POST", "/templates", { token: admin, body: template });
    expect(created.status, await created.clone().text()).toBe(201);
    const t = (await conforms(created, "POST", "/templates")) as { id: string };
    await conforms(await call("GET", `/templates/${t.id}`, { token: auditorRead }), "GET", "/templates/{id}");
    await conforms(await call("GET", "/templates/00000000-0000-4000-8000-000000000000", { token: auditorRead }), "GET", "/templates/{id}");
    await conforms(await call("POST", "/templates", { token: admin, body: { ...template, name: "" } }), "POST", "/templates");
    const put = await call("PUT", `/templates/${t.id}`, { token: admin, body: { ...template, description: "Changed" }, headers: { "if-match": '"1"' } });
    expect(put.status).toBe(200);
    await conforms(put, "PUT", "/templates/{id}");
    await conforms(await call("PUT", `/templates/${t.id}`, { token: admin, body: { ...template, description: "Stale" }, headers: { "if-match": '"1"' } }), "PUT", "/templates/{id}");
    await conforms(await call("PUT", `/templates/${t.id}`, { token: admin, body: { ...template, description: "None" } }), "PUT", "/templates/{id}");
    const builtIn = await db.policyTemplate.findFirstOrThrow({ where: { builtIn: true } });
    const refused = await call("DELETE", `/templates/${builtIn.id}`, { token: admin, headers: { "if-match": `"${builtIn.version}"` } });
    expect(refused.status).toBe(409);
    await conforms(refused, "DELETE", "/templates/{id}");

    const v = (await (await call("POST", "/vhosts", { token: admin, body: { ...VHOST, aliases: [], domain: "parity.example.test" } })).json()) as { id: string };
    const copied = await call("POST", `/vhosts/${v.id}/policy/copy`, { token: admin, body: { source: `template:${t.id}`, replaceExclusions: true }, headers: { "if-match": '"1"' } });
    expect(copied.status, await copied.clone().text()).toBe(200);
    expect(((await conforms(copied, "POST", "/vhosts/{id}/policy/copy")) as { exclusionCount: number }).exclusionCount).toBe(1);
    await conforms(await call("POST", `/vhosts/${v.id}/policy/copy`, { token: admin, body: { source: `template:${t.id}`, replaceExclusions: true }, headers: { "if-match": '"1"' } }), "POST", "/vhosts/{id}/policy/copy");
    await conforms(await call("DELETE", `/templates/${t.id}`, { token: admin, headers: { "if-match": '"2"' } }), "DELETE", "/templates/{id}");

    await conforms(await call("POST", `/vhosts/${v.id}/disable`, { token: admin }), "POST", "/vhosts/{id}/disable");
    await conforms(await call("POST", `/vhosts/${v.id}/disable`, { token: admin, headers: { "if-match": '"1"' } }), "POST", "/vhosts/{id}/disable");
    await conforms(await call("POST", `/vhosts/${v.id}/enable`, { token: admin, headers: { "if-match": '"1"' } }), "POST", "/vhosts/{id}/enable");
    await conforms(await call("POST", `/vhosts/${v.id}/enable`, { token: admin, headers: { "if-match": '"2"' } }), "POST", "/vhosts/{id}/enable");

    const ruleIds: string[] = [];
    for (const ruleId of [10_201, 10_202]) {
      const res = await call("POST", `/vhosts/${v.id}/custom-rules`, { token: admin, body: { ruleId, enabled: true, description: "Conv", secRule: `SecRule REQUEST_URI "@beginsWith /c${ruleId}" "id:${ruleId},phase:1,deny,status:403"` } });
      ruleIds.push(((await res.json()) as { id: string }).id);
    }
    const moved = await call("POST", `/vhosts/${v.id}/custom-rules/${ruleIds[1]}/move`, { token: admin, body: { direction: "up" } });
    expect(moved.status).toBe(200);
    await conforms(moved, "POST", "/vhosts/{id}/custom-rules/{ruleId}/move");
    await conforms(await call("POST", `/vhosts/${v.id}/custom-rules/${ruleIds[1]}/move`, { token: admin, body: { direction: "up" } }), "POST", "/vhosts/{id}/custom-rules/{ruleId}/move");
  });
});
