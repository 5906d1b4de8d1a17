// Every REST API route × every role (ADMIN, EDITOR, AUDITOR) × token scope (read, write), and anonymous,
// malformed, unknown, expired and revoked tokens and a disabled user's: allowed exactly when the role has
// the route's permission and the scope covers it; refusals of valid tokens are recorded as security.denied.
// Inputs are invalid or harmless (no If-Match, empty bodies), so authorization is decided before anything
// changes — and nothing does.
import { beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS } from "@/lib/auth/permissions";
import { db } from "@/lib/db";
import { revokeApiToken } from "@/lib/tokens/service";
import { createVhost } from "@/lib/vhosts/service";
import { call, userWithToken } from "./api-fixtures";
import type { ApiRoute } from "./define";
import { API_ROUTES } from "./routes";

const ROLES = ["ADMIN", "EDITOR", "AUDITOR"] as const;
const tokens: Record<string, string | null> = { anonymous: null, malformed: "pal_nope", unknown: `pal_0123456789ab_${"A".repeat(43)}` };
let vhostId: string;

beforeAll(async () => {
  for (const role of ROLES) {
    for (const scope of ["read", "write"] as const) tokens[`${role}/${scope}`] = (await userWithToken(`${role.toLowerCase()}@authz.api.test`, role, scope)).token;
  }
  const expired = await userWithToken("expired@authz.api.test", "ADMIN", "write");
  await db.apiToken.update({ where: { id: expired.tokenId }, data: { expiresAt: new Date(Date.now() - 1000) } });
  tokens.expired = expired.token;
  const revoked = await userWithToken("revoked@authz.api.test", "ADMIN", "write");
  await revokeApiToken({ actor: { id: null, email: "setup@api.test" } }, { id: revoked.tokenId, asUserId: null });
  tokens.revoked = revoked.token;
  const disabled = await userWithToken("disabled@authz.api.test", "ADMIN", "write");
  await db.user.update({ where: { id: disabled.user.id }, data: { disabled: true } });
  tokens.disabledUser = disabled.token;
  const v = await createVhost({ actor: { id: null, email: "setup@api.test" } }, {
    domain: "authz.example.test", aliases: [], backendUrl: "http://10.0.0.1", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true,
  });
  vhostId = v.id;
});

/** A concrete request for each route that cannot change anything (missing If-Match, empty body). */
function requestFor(r: ApiRoute): { path: string; body?: unknown } {
  const none = "00000000-0000-4000-8000-000000000000";
  const path = r.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === "number" ? "1" : name === "id" && r.path.startsWith("/vhosts") ? vhostId : none));
  const query = r.path === "/revisions/diff" ? "?from=1&to=draft" : r.path === "/audit-events/export" ? "?format=nope" : "";
  return { path: path + query, ...(r.body ? { body: {} } : {}) };
}

describe(`REST API authorization matrix (${process.env.TEST_DB})`, () => {
  it("answers every route × role × scope, and every kind of bad token, as the permission table says", async () => {
    const changesBefore = await db.auditEvent.count({ where: { action: { not: "security.denied" } } });
    const deniedBefore = await db.auditEvent.count({ where: { action: "security.denied" } });
    const vhostBefore = await db.virtualHost.findUniqueOrThrow({ where: { id: vhostId } });
    let expectedDenials = 0;
    const outcomes: string[] = [];
    for (const route of API_ROUTES) {
      const req = requestFor(route);
      for (const [who, token] of Object.entries(tokens)) {
        const res = await call(route.method, req.path, { token, body: req.body });
        const [role, scope] = who.split("/") as [string, string | undefined];
        const label = `${route.method} ${route.path} as ${who}`;
        outcomes.push(`${label}: ${res.status}`);
        // JSON, or the media type the route documents for that status (the YAML of GET /config).
        const documentedType = route.responses[res.status]?.contentType;
        expect(res.headers.get("content-type") ?? "", label).toMatch(documentedType ? new RegExp(`^${documentedType}`) : /json/);
        if (!scope) {
          expect(res.status, label).toBe(401);
          expect(res.headers.get("www-authenticate"), label).toMatch(/^Bearer/);
          continue;
        }
        const roleAllows = (PERMISSIONS[route.permission] as readonly string[]).includes(role);
        const scopeAllows = route.scope === "read" || scope === "write";
        if (roleAllows && scopeAllows) expect([200, 201, 400, 404, 412, 422, 428], label).toContain(res.status);
        else {
          expect(res.status, label).toBe(403);
          expectedDenials++;
        }
      }
    }
    expect(outcomes.length).toBe(API_ROUTES.length * Object.keys(tokens).length);
    // Nothing changed; each refusal of a valid token is on record.
    expect(await db.auditEvent.count({ where: { action: { not: "security.denied" } } })).toBe(changesBefore);
    expect(await db.auditEvent.count({ where: { action: "security.denied" } })).toBe(deniedBefore + expectedDenials);
    expect((await db.virtualHost.findUniqueOrThrow({ where: { id: vhostId } })).version).toBe(vhostBefore.version);
    expect(await db.configRevision.count()).toBe(0);
  }, 120_000);

  it("records which token was refused, and that it was the read-only scope", async () => {
    await call("DELETE", `/vhosts/${vhostId}`, { token: tokens["EDITOR/read"] });
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "security.denied" }, orderBy: { seq: "desc" } });
    expect(e.actorEmail).toBe("editor@authz.api.test");
    expect(e.entityId).toContain("DELETE /api/v1/vhosts/{id}");
    expect(e.entityId).toContain('read-only token "EDITOR read"');
  });
});
