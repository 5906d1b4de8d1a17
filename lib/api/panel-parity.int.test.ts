// What the panel can do, through the REST API, with the same rules (issue 22: "the API can do nothing the
// role cannot do in the browser", and everything it can): templates (create, read, replace, delete; built-ins
// refused), applying a template to a policy, enabling and disabling a vhost, moving a custom rule, and
// publishing exactly the previewed configuration. Every change is audited as the token's user, naming the token.
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { ensureBuiltInTemplates } from "@/lib/templates/service";
import { call, userWithToken } from "./api-fixtures";
import { API_BASE } from "./define";

const SETUP = { actor: { id: null, email: "setup@parity.api.test" } };
let admin: string;
let adminTokenId: string;
let editor: string;

const VHOST = { domain: "parity.example.test", aliases: [], backendUrl: "http://10.0.0.7:8080", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true };
const POLICY = { engineMode: "BLOCKING", blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 7, outboundThreshold: 4 };
const TEMPLATE = {
  name: "Shop checkout",
  description: "Stricter for the payment pages",
  policy: { ...POLICY, exclusions: [{ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:card_note", pathPrefix: "/checkout/" }] },
};

async function lastAudit(action: string) {
  return db.auditEvent.findFirstOrThrow({ where: { action }, orderBy: { seq: "desc" } });
}

async function newVhost(domain: string, token = admin): Promise<{ id: string; version: number }> {
  const res = await call("POST", "/vhosts", { token, body: { ...VHOST, domain } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; version: number };
}

beforeAll(async () => {
  const a = await userWithToken("admin@parity.api.test", "ADMIN", "write");
  admin = a.token;
  adminTokenId = a.tokenId;
  editor = (await userWithToken("editor@parity.api.test", "EDITOR", "write")).token;
  await ensureBuiltInTemplates(SETUP);
});

describe(`templates through the API (${process.env.TEST_DB})`, () => {
  it("creates (201 + Location + ETag), reads, refuses a stale or missing If-Match, replaces idempotently and deletes a custom template", async () => {
    const created = await call("POST", "/templates", { token: admin, body: TEMPLATE });
    expect(created.status, await created.clone().text()).toBe(201);
    const t = (await created.json()) as { id: string; version: number; builtIn: boolean; policy: { exclusions: unknown[] } };
    expect(created.headers.get("location")).toBe(`${API_BASE}/templates/${t.id}`);
    expect(created.headers.get("etag")).toBe('"1"');
    expect(t.builtIn).toBe(false);
    expect(t.policy.exclusions).toHaveLength(1);
    const createRow = await lastAudit("template.create");
    expect(createRow.actorEmail).toBe("admin@parity.api.test");
    expect(createRow.summary).toContain(`via API token "ADMIN write" ${adminTokenId}`);

    // What GET answers can be sent back as it is.
    const got = await call("GET", `/templates/${t.id}`, { token: editor });
    expect(got.status).toBe(200);
    expect(got.headers.get("etag")).toBe('"1"');
    const { id: _id, builtIn: _b, version: _v, ...asRead } = (await got.json()) as Record<string, unknown>;
    expect(asRead).toEqual({ name: TEMPLATE.name, description: TEMPLATE.description, policy: expect.objectContaining({ ...POLICY }) });

    // The same template again changes nothing: no new version, no audit row.
    const events = await db.auditEvent.count();
    const same = await call("PUT", `/templates/${t.id}`, { token: admin, body: asRead });
    expect(same.status).toBe(200);
    expect(same.headers.get("etag")).toBe('"1"');
    expect(await db.auditEvent.count()).toBe(events);

    const changed = { ...TEMPLATE, policy: { ...TEMPLATE.policy, inboundThreshold: 10 } };
    expect((await call("PUT", `/templates/${t.id}`, { token: admin, body: changed })).status).toBe(428);
    const put = await call("PUT", `/templates/${t.id}`, { token: admin, body: changed, headers: { "if-match": '"1"' } });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(put.headers.get("etag")).toBe('"2"');
    expect(((await put.json()) as { policy: { inboundThreshold: number } }).policy.inboundThreshold).toBe(10);
    expect((await lastAudit("template.update")).summary).toContain("policy");

    const stale = await call("PUT", `/templates/${t.id}`, { token: admin, body: { ...changed, description: "Again" }, headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ status: 412, currentVersion: 2 });
    expect((await db.policyTemplate.findUniqueOrThrow({ where: { id: t.id } })).description).toBe(TEMPLATE.description);

    expect((await call("DELETE", `/templates/${t.id}`, { token: admin, headers: { "if-match": '"1"' } })).status).toBe(412);
    const deleted = await call("DELETE", `/templates/${t.id}`, { token: admin, headers: { "if-match": '"2"' } });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: t.id, deleted: true });
    expect((await call("GET", `/templates/${t.id}`, { token: admin })).status).toBe(404);
    expect((await lastAudit("template.delete")).summary).toContain("via API token");
  });

  it("checks a template as the form does: per-field problems, built-in and taken names, the same exclusion twice", async () => {
    const invalid = await call("POST", "/templates", { token: admin, body: { ...TEMPLATE, name: "", policy: { ...POLICY, detectionParanoia: 1 } } });
    expect(invalid.status).toBe(400);
    expect(Object.keys(((await invalid.json()) as { errors: Record<string, string[]> }).errors).sort()).toEqual(["name", "policy"]);
    const builtInName = await call("POST", "/templates", { token: admin, body: { ...TEMPLATE, name: "strict" } });
    expect(builtInName.status).toBe(400);
    expect(((await builtInName.json()) as { errors: Record<string, string[]> }).errors.name![0]).toMatch(/built-in/);
    const twice = { ...TEMPLATE, name: "Twice", policy: { ...TEMPLATE.policy, exclusions: [...TEMPLATE.policy.exclusions, { ...TEMPLATE.policy.exclusions[0]!, note: "again" }] } };
    const dup = await call("POST", "/templates", { token: admin, body: twice });
    expect(dup.status).toBe(400);
    expect(((await dup.json()) as { errors: Record<string, string[]> }).errors.policy).toEqual(["Exclusion 2: This repeats exclusion 1."]);
    expect(await db.policyTemplate.count({ where: { name: "Twice" } })).toBe(0);
  });

  it("refuses to change or delete a built-in template with 409, whatever the version", async () => {
    const strict = await db.policyTemplate.findFirstOrThrow({ where: { name: "strict", builtIn: true } });
    const put = await call("PUT", `/templates/${strict.id}`, { token: admin, body: { ...TEMPLATE, name: "strict" }, headers: { "if-match": `"${strict.version}"` } });
    expect(put.status).toBe(409);
    expect(put.headers.get("content-type")).toBe("application/problem+json");
    expect(((await put.json()) as { detail: string }).detail).toMatch(/built-in template/);
    expect((await call("DELETE", `/templates/${strict.id}`, { token: admin, headers: { "if-match": `"${strict.version}"` } })).status).toBe(409);
    expect(await db.policyTemplate.findUniqueOrThrow({ where: { id: strict.id } })).toEqual(strict);
    // Reading one is for every role.
    expect((await call("GET", `/templates/${strict.id}`, { token: editor })).status).toBe(200);
  });

  it("applies a template to a vhost's policy (If-Match: the policy's version), as the copy-policy form does", async () => {
    const v = await newVhost("apply-template.example.test", editor);
    const strict = await db.policyTemplate.findFirstOrThrow({ where: { name: "strict", builtIn: true } });
    const body = { source: `template:${strict.id}`, replaceExclusions: true };
    expect((await call("POST", `/vhosts/${v.id}/policy/copy`, { token: editor, body })).status).toBe(428);
    const applied = await call("POST", `/vhosts/${v.id}/policy/copy`, { token: editor, body, headers: { "if-match": '"1"' } });
    expect(applied.status, await applied.clone().text()).toBe(200);
    expect(applied.headers.get("etag")).toBe('"2"');
    const r = (await applied.json()) as { policy: { blockingParanoia: number; detectionParanoia: number; version: number }; exclusionCount: number; copiedFrom: string };
    expect(r).toMatchObject({ policy: { blockingParanoia: 2, detectionParanoia: 3, version: 2 }, exclusionCount: 0, copiedFrom: 'the template "strict"' });
    const row = await lastAudit("policy.apply_template");
    expect(row.actorEmail).toBe("editor@parity.api.test");
    expect(row.summary).toContain('via API token "EDITOR write"');

    expect((await call("POST", `/vhosts/${v.id}/policy/copy`, { token: editor, body, headers: { "if-match": '"1"' } })).status).toBe(412);
    const self = await call("POST", `/vhosts/${v.id}/policy/copy`, { token: editor, body: { source: `vhost:${v.id}`, replaceExclusions: false }, headers: { "if-match": '"2"' } });
    expect(self.status).toBe(400);
    expect(((await self.json()) as { errors: Record<string, string[]> }).errors.source).toBeDefined();
    const unknown = await call("POST", `/vhosts/${v.id}/policy/copy`, { token: editor, body: { source: "template:00000000-0000-4000-8000-000000000000", replaceExclusions: false }, headers: { "if-match": '"2"' } });
    expect(unknown.status).toBe(400);
    expect((await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } })).version).toBe(2);
  });
});

describe(`vhost toggle and rule order through the API (${process.env.TEST_DB})`, () => {
  it("disables and enables a vhost as the toggle does: If-Match, 412 when stale, nothing written when already so", async () => {
    const v = await newVhost("toggle.example.test", editor);
    expect((await call("POST", `/vhosts/${v.id}/disable`, { token: editor })).status).toBe(428);
    const off = await call("POST", `/vhosts/${v.id}/disable`, { token: editor, headers: { "if-match": '"1"' } });
    expect(off.status).toBe(200);
    expect(off.headers.get("etag")).toBe('"2"');
    expect(((await off.json()) as { enabled: boolean }).enabled).toBe(false);
    const row = await lastAudit("vhost.disable");
    expect(row.entityId).toBe(v.id);
    expect(row.actorEmail).toBe("editor@parity.api.test");
    expect(row.summary).toMatch(/^Disabled toggle\.example\.test \(via API token "EDITOR write" [\w-]+\)$/);

    const events = await db.auditEvent.count();
    const again = await call("POST", `/vhosts/${v.id}/disable`, { token: editor, headers: { "if-match": '"1"' } });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe('"2"');
    expect(await db.auditEvent.count()).toBe(events);

    const stale = await call("POST", `/vhosts/${v.id}/enable`, { token: editor, headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ currentVersion: 2 });
    const on = await call("POST", `/vhosts/${v.id}/enable`, { token: editor, headers: { "if-match": '"2"' } });
    expect(on.status).toBe(200);
    expect(((await on.json()) as { enabled: boolean; version: number })).toMatchObject({ enabled: true, version: 3 });
    expect((await lastAudit("vhost.enable")).entityId).toBe(v.id);
    expect((await call("POST", "/vhosts/00000000-0000-4000-8000-000000000000/enable", { token: editor, headers: { "if-match": '"1"' } })).status).toBe(404);
  });

  it("moves a custom rule up and down, answering the new order; the first cannot go up (422)", async () => {
    const v = await newVhost("move.example.test", editor);
    const ids: string[] = [];
    for (const ruleId of [10_101, 10_102, 10_103]) {
      const res = await call("POST", `/vhosts/${v.id}/custom-rules`, {
        token: editor,
        body: { ruleId, enabled: true, description: `Rule ${ruleId}`, secRule: `SecRule REQUEST_URI "@beginsWith /r${ruleId}" "id:${ruleId},phase:1,deny,status:403"` },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const order = async (res: Response) => ((await res.json()) as { items: { ruleId: number }[] }).items.map((r) => r.ruleId);

    const up = await call("POST", `/vhosts/${v.id}/custom-rules/${ids[2]}/move`, { token: editor, body: { direction: "up" } });
    expect(up.status, await up.clone().text()).toBe(200);
    expect(await order(up)).toEqual([10_101, 10_103, 10_102]);
    const row = await lastAudit("customrule.move");
    expect(row.summary).toContain("Moved custom rule 10103 up on move.example.test");
    expect(row.summary).toContain('via API token "EDITOR write"');

    const down = await call("POST", `/vhosts/${v.id}/custom-rules/${ids[0]}/move`, { token: editor, body: { direction: "down" } });
    expect(await order(down)).toEqual([10_103, 10_101, 10_102]);
    const listed = await call("GET", `/vhosts/${v.id}/custom-rules`, { token: editor });
    expect(await order(listed)).toEqual([10_103, 10_101, 10_102]);

    const first = await call("POST", `/vhosts/${v.id}/custom-rules/${ids[2]}/move`, { token: editor, body: { direction: "up" } });
    expect(first.status).toBe(422);
    expect(((await first.json()) as { detail: string }).detail).toBe("Custom rule 10103 is already first.");
    expect((await call("POST", `/vhosts/${v.id}/custom-rules/${ids[0]}/move`, { token: editor, body: { direction: "left" } })).status).toBe(400);
    // A move keeps the rule's version: its ETag still works for an edit.
    expect((await call("GET", `/vhosts/${v.id}/custom-rules/${ids[2]}`, { token: editor })).headers.get("etag")).toBe('"1"');
  });
});

describe(`publishing what was reviewed (${process.env.TEST_DB})`, () => {
  it("publishes only the previewed bundle: no hash is 428, a stale one 412 with the current hash and nothing stored, the current one 201", async () => {
    await newVhost("publish.example.test");
    const before = await db.configRevision.count();
    const preview = await call("GET", "/revisions/preview", { token: editor });
    expect(preview.status).toBe(200);
    const reviewed = (await preview.json()) as { fingerprint: string; latest: number | null; upToDate: boolean; changes: { added: string[] } };
    expect(preview.headers.get("etag")).toBe(`"${reviewed.fingerprint}"`);
    expect(reviewed.upToDate).toBe(false);
    expect(reviewed.changes.added).toContain("publish.example.test");

    expect((await call("POST", "/revisions", { token: admin, body: { basedOn: reviewed.latest } })).status).toBe(428);
    // An editor may read the preview but not publish (as in the panel).
    expect((await call("POST", "/revisions", { token: editor, body: { basedOn: reviewed.latest }, headers: { "if-match": preview.headers.get("etag")! } })).status).toBe(403);

    // The configuration changes after the review: publishing the reviewed hash stores nothing.
    await newVhost("late.example.test");
    const stale = await call("POST", "/revisions", { token: admin, body: { basedOn: reviewed.latest }, headers: { "if-match": preview.headers.get("etag")! } });
    expect(stale.status).toBe(412);
    const problem = (await stale.json()) as { currentHash: string; detail: string };
    expect(problem.currentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(problem.currentHash).not.toBe(reviewed.fingerprint);
    expect(await db.configRevision.count()).toBe(before);

    // If-Match and `previewed` naming different previews is a mistake, not a choice.
    const both = await call("POST", "/revisions", { token: admin, body: { basedOn: reviewed.latest, previewed: reviewed.fingerprint }, headers: { "if-match": `"${problem.currentHash}"` } });
    expect(both.status).toBe(400);

    const again = (await (await call("GET", "/revisions/preview", { token: editor })).json()) as { fingerprint: string; changes: { added: string[] } };
    expect(again.fingerprint).toBe(problem.currentHash);
    expect(again.changes.added).toContain("late.example.test");
    const published = await call("POST", "/revisions", { token: admin, body: { basedOn: reviewed.latest }, headers: { "if-match": `"${again.fingerprint}"` } });
    expect(published.status, await published.clone().text()).toBe(201);
    const r = (await published.json()) as { revision: { number: number; contentHash: string } };
    expect(r.revision.contentHash).toBe(again.fingerprint);
    expect(published.headers.get("location")).toBe(`${API_BASE}/revisions/${r.revision.number}`);
    const row = await lastAudit("config.publish");
    expect(row.actorEmail).toBe("admin@parity.api.test");
    expect(row.summary).toContain(`via API token "ADMIN write" ${adminTokenId}`);

    const upToDate = (await (await call("GET", "/revisions/preview", { token: editor })).json()) as { upToDate: boolean; latest: number };
    expect(upToDate).toMatchObject({ upToDate: true, latest: r.revision.number });
  }, 60_000);
});
