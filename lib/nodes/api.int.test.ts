// The node API's route handlers, called directly with Request objects (no server, no session), on a real
// database (SQLite and PostgreSQL).
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/nodes/config/route";
import { POST } from "@/app/api/v1/nodes/status/route";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/client-address";
import { bundleOf, publishConfig, rollbackConfig } from "@/lib/config/service";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { gunzipSync } from "node:zlib";
import { readRevisionBody } from "@/lib/agent/agent";
import { db } from "@/lib/db";
import { AUTH_FAILURE_LIMIT, MAX_STATUS_BODY, readTextUpTo } from "./api";
import { registerNode, revokeNode } from "./service";

const BASE = "http://panel.test/api/v1/nodes";
let addressCounter = 0;
/** Each test comes from its own address, so the failure counter of one does not affect another. */
const nextAddress = () => `198.51.100.${++addressCounter}`;

/** A request's socket address reaches the handlers as PEER_HEADER (lib/http/client-address.ts); `xff` is what the client claims. */
function from(ip: string | undefined, xff: string | undefined) {
  return { [PEER_HEADER]: ip ?? nextAddress(), ...(xff !== undefined ? { "x-forwarded-for": xff } : {}) };
}

function getConfig(token: string | null, options: { ip?: string; xff?: string; ifNoneMatch?: string; accept?: string } = {}) {
  const headers = new Headers(from(options.ip, options.xff));
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (options.ifNoneMatch) headers.set("if-none-match", options.ifNoneMatch);
  if (options.accept) headers.set("accept", options.accept);
  return GET(new Request(`${BASE}/config`, { headers }));
}

function postStatus(token: string | null, body: unknown, options: { ip?: string; xff?: string; raw?: boolean } = {}) {
  const headers = new Headers({ ...from(options.ip, options.xff), "content-type": "application/json" });
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  return POST(new Request(`${BASE}/status`, { method: "POST", headers, body: options.raw ? (body as string) : JSON.stringify(body) }));
}

let token = "";
let nodeId = "";

beforeAll(async () => {
  installPeerAddressStamp();
  const r = await registerNode(admin, { name: "api-node" });
  token = r.token;
  nodeId = r.node.id;
});

describe(`GET /api/v1/nodes/config (${process.env.TEST_DB})`, () => {
  it("answers 404 before the first publish (and records the contact)", async () => {
    const res = await getConfig(token);
    expect(res.status).toBe(404);
    // Every error body carries the request id the response header names (lib/http/route.ts).
    expect(await res.json()).toEqual({ error: "No configuration has been published yet.", requestId: res.headers.get("x-request-id") });
    expect((await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).lastSeenAt).not.toBeNull();
  });

  it("returns the latest revision with its content hash as ETag, and 304 for If-None-Match of it", async () => {
    await makeVhost("api.config.test");
    const published = await publishConfig(admin, { basedOn: null, checker: passingChecker });
    if (published.status !== "published") throw new Error("not published");
    const stored = await db.configRevision.findUniqueOrThrow({ where: { number: 1 } });

    const res = await getConfig(token);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${stored.contentHash}"`);
    expect(res.headers.get("x-palisade-revision")).toBe("1");
    const body = (await res.json()) as { revision: number; contentHash: string; files: Record<string, string> };
    expect(body.revision).toBe(1);
    expect(body.contentHash).toBe(stored.contentHash);
    expect(Object.keys(body.files)).toEqual(["modsecurity/main.conf", "nginx.conf", "rules/api.config.test.conf", "vhosts/api.config.test.conf"]);

    const again = await getConfig(token, { ifNoneMatch: `"${stored.contentHash}"` });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(`"${stored.contentHash}"`);
    expect(await again.text()).toBe("");
    expect((await getConfig(token, { ifNoneMatch: `W/"${stored.contentHash}", "other"` })).status).toBe(304);
    expect((await getConfig(token, { ifNoneMatch: '"0000"' })).status).toBe(200);

    // A new revision: the old ETag no longer matches.
    const v = await db.virtualHost.findUniqueOrThrow({ where: { domain: "api.config.test" } });
    await changePolicy(v.id, { inboundThreshold: 10 });
    await publishConfig(admin, { basedOn: 1, checker: passingChecker });
    // Nodes asking together right after the publish all get it.
    const together = await Promise.all([1, 2, 3].map(() => getConfig(token, { ifNoneMatch: `"${stored.contentHash}"` }).then((r) => r.text())));
    const newer = await getConfig(token, { ifNoneMatch: `"${stored.contentHash}"` });
    expect(newer.status).toBe(200);
    expect(((await newer.json()) as { revision: number }).revision).toBe(2);
  });

  it("answers the same bytes again for the same revision, and the new revision's after a publish or a rollback", async () => {
    const first = await getConfig(token);
    const second = await getConfig(token);
    expect(first.headers.get("content-type")).toBe("application/json");
    const text = await first.text();
    expect(await second.text()).toBe(text);
    const stored = await db.configRevision.findUniqueOrThrow({ where: { number: 2 } });
    expect(JSON.parse(text)).toEqual({ revision: 2, contentHash: stored.contentHash, files: bundleOf(stored) });

    // Revision 3, not fetched yet; then revision 4, with revision 2's content (and hash) under a new number.
    const v = await db.virtualHost.findUniqueOrThrow({ where: { domain: "api.config.test" } });
    await changePolicy(v.id, { inboundThreshold: 11 });
    await publishConfig(admin, { basedOn: 2, checker: passingChecker });
    const third = await db.configRevision.findUniqueOrThrow({ where: { number: 3 } });
    expect((await getConfig(token, { ifNoneMatch: `"${third.contentHash}"` })).status).toBe(304);
    await rollbackConfig(admin, { revision: 2, basedOn: 3, checker: passingChecker });
    const back = await getConfig(token);
    expect(back.headers.get("etag")).toBe(`"${stored.contentHash}"`);
    expect(back.headers.get("x-palisade-revision")).toBe("4");
    expect(JSON.parse(await back.text())).toEqual({ revision: 4, contentHash: stored.contentHash, files: bundleOf(stored) });

    // A new publish: a node still on revision 4 gets revision 5.
    await changePolicy(v.id, { inboundThreshold: 9 });
    await publishConfig(admin, { basedOn: 4, checker: passingChecker });
    const fifth = await db.configRevision.findUniqueOrThrow({ where: { number: 5 } });
    // Nodes asking together right after the publish all get it.
    const together = await Promise.all([1, 2, 3].map(() => getConfig(token, { ifNoneMatch: `"${stored.contentHash}"` }).then((r) => r.text())));
    const newer = await getConfig(token, { ifNoneMatch: `"${stored.contentHash}"` });
    expect(newer.status).toBe(200);
    expect(newer.headers.get("etag")).toBe(`"${fifth.contentHash}"`);
    expect(newer.headers.get("x-palisade-revision")).toBe("5");
    const newerText = await newer.text();
    expect(JSON.parse(newerText)).toEqual({ revision: 5, contentHash: fifth.contentHash, files: bundleOf(fifth) });
    expect(together).toEqual([newerText, newerText, newerText]);
    expect((await getConfig(token, { ifNoneMatch: `"${fifth.contentHash}"` })).status).toBe(304);
  });

  it("serves the revision as one gzip file to Accept: application/gzip, compressed once, with its own ETag", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const json = await (await getConfig(token)).text();
    const asFile = await getConfig(token, { accept: "application/gzip, application/json;q=0.5" });
    expect(asFile.status).toBe(200);
    expect(asFile.headers.get("content-type")).toBe("application/gzip");
    expect(asFile.headers.get("etag")).toBe(`"${latest.contentHash}-gzip"`);
    expect(asFile.headers.get("vary")).toContain("Accept");
    const bytes = Buffer.from(await asFile.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(bytes).toString("utf8")).toBe(json);
    // The same bytes for the next node (compressed once per revision), and the agent's reader gets the JSON back.
    const next = await getConfig(token, { accept: "application/gzip" });
    expect(Buffer.from(await next.clone().arrayBuffer())).toEqual(bytes);
    expect(await readRevisionBody(next)).toEqual(JSON.parse(json));
    // Either tag, or the bare content hash, is the same content: 304.
    for (const tag of [`"${latest.contentHash}-gzip"`, `"${latest.contentHash}"`]) {
      const same = await getConfig(token, { accept: "application/gzip", ifNoneMatch: tag });
      expect(same.status).toBe(304);
      expect(same.headers.get("etag")).toBe(`"${latest.contentHash}-gzip"`);
    }
    expect((await getConfig(token, { ifNoneMatch: `"${latest.contentHash}-gzip"` })).status).toBe(304);
    // Refused or not asked for: JSON.
    for (const accept of ["application/gzip;q=0, application/json", "*/*", "application/json"]) {
      const res = await getConfig(token, { accept });
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.text()).toBe(json);
    }
  });

  it("answers 401 with the same body for a missing, malformed, unknown and revoked token", async () => {
    const revoked = await registerNode(admin, { name: "api-revoked" });
    await revokeNode(admin, { id: revoked.node.id });
    const bodies = new Set<string>();
    // The same body except the request id each answer carries (and names in its header).
    const withoutRequestId = async (res: Response) => {
      const { requestId, ...rest } = (await res.json()) as { requestId: string };
      expect(requestId).toBe(res.headers.get("x-request-id"));
      return JSON.stringify(rest);
    };
    for (const t of [null, "nonsense", `pn_${"x".repeat(43)}`, revoked.token]) {
      const res = await getConfig(t);
      expect(res.status, String(t)).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="palisade-nodes"');
      expect(res.headers.get("etag")).toBeNull();
      bodies.add(await withoutRequestId(res));
    }
    const malformed = await GET(new Request(`${BASE}/config`, { headers: { authorization: `Basic ${token}`, ...from(undefined, undefined) } }));
    expect(malformed.status).toBe(401);
    bodies.add(await withoutRequestId(malformed));
    expect(bodies.size).toBe(1);
  });

  it("rate-limits repeated failures per source address with 429 and Retry-After", async () => {
    const ip = nextAddress();
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) expect((await getConfig(`pn_${"y".repeat(43)}`, { ip })).status).toBe(401);
    const limited = await getConfig(`pn_${"y".repeat(43)}`, { ip });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await limited.json()) as { error: string }).error).toMatch(/^Too many failed authentications from this address\. Try again in \d+ seconds\.$/);
    expect((await getConfig(null, { ip })).status).toBe(429);
    expect((await getConfig("nonsense", { ip })).status).toBe(429);
    // Another address is not affected.
    expect((await getConfig(token)).status).toBe(200);
  });

  it("never refuses a valid token: 20 bad requests from a shared address do not lock a node out", async () => {
    const shared = nextAddress();
    for (let i = 0; i < AUTH_FAILURE_LIMIT + 5; i++) await getConfig(`pn_${"v".repeat(43)}`, { ip: shared });
    expect((await getConfig(`pn_${"v".repeat(43)}`, { ip: shared })).status).toBe(429);
    // The node behind the same address still gets its config and reports its status.
    expect((await getConfig(token, { ip: shared })).status).toBe(200);
    expect((await postStatus(token, { revision: 1, ok: true }, { ip: shared })).status).toBe(200);
    // And the failures keep being refused after it.
    expect((await getConfig(`pn_${"v".repeat(43)}`, { ip: shared })).status).toBe(429);
    expect((await postStatus(`pn_${"v".repeat(43)}`, { revision: 1, ok: true }, { ip: shared })).status).toBe(429);
  });

  it("counts failures per socket address: a new X-Forwarded-For on each request does not reset the count", async () => {
    const ip = nextAddress();
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) {
      expect((await getConfig(`pn_${"w".repeat(43)}`, { ip, xff: `192.0.2.${i}` })).status).toBe(401);
    }
    expect((await getConfig(`pn_${"w".repeat(43)}`, { ip, xff: "192.0.2.200" })).status).toBe(429);
    expect((await getConfig(`pn_${"w".repeat(43)}`, { ip, xff: "=1+2" })).status).toBe(429);
  });
});

describe(`POST /api/v1/nodes/status (${process.env.TEST_DB})`, () => {
  it("records the applied revision and a failure", async () => {
    let res = await postStatus(token, { revision: 2, ok: true, message: "reloaded" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ recorded: true, appliedRevision: 2 });
    expect(await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).toMatchObject({ appliedRevision: 2, lastStatus: "ok", lastMessage: "Revision 2: reloaded" });

    res = await postStatus(token, { revision: 2, ok: false, message: "reload failed" });
    expect(await res.json()).toEqual({ recorded: true, appliedRevision: 2 });
    expect(await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).toMatchObject({ appliedRevision: 2, lastStatus: "failed" });
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "node.status" }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ actorEmail: "node:api-node", entityId: nodeId });
  });

  it("answers 400 with a clear message for a bad body", async () => {
    const cases: [unknown, boolean, RegExp][] = [
      ["{not json", true, /^The body must be JSON: /],
      [{ ok: true }, false, /^Invalid status report: revision: revision must be the number of the revision/],
      [{ revision: "2", ok: true }, false, /^Invalid status report: revision: /],
      [{ revision: 2, ok: "yes" }, false, /^Invalid status report: ok: ok must be true \(applied and reloaded\) or false/],
      [{ revision: 2, ok: true, message: 5 }, false, /^Invalid status report: message: message must be a string/],
      [{ revision: 1.5, ok: true }, false, /^Invalid status report: revision: /],
      [{ revision: 77, ok: true }, false, /^Revision 77 does not exist\.$/],
    ];
    const before = await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } });
    for (const [body, raw, message] of cases) {
      const res = await postStatus(token, body, { raw });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    const after = await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } });
    expect({ ...after, lastSeenAt: null, updatedAt: null }).toEqual({ ...before, lastSeenAt: null, updatedAt: null });
  });

  it("stops reading a status body at the size limit (413), and reads one at the limit", async () => {
    // A body of 8 MiB in 16 KiB chunks, produced only as it is read: count what the handler pulls.
    let pulled = 0;
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 8 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const headers = new Headers({ ...from(undefined, undefined), authorization: `Bearer ${token}`, "content-type": "application/json" });
    const res = await POST(new Request(`${BASE}/status`, { method: "POST", headers, body, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe(`The status report is larger than ${MAX_STATUS_BODY} bytes.`);
    expect(pulled).toBeLessThanOrEqual(MAX_STATUS_BODY + 2 * chunk.byteLength);

    // A declared Content-Length over the limit is refused before reading anything.
    expect((await readTextUpTo(new Request(`${BASE}/status`, { method: "POST", headers: { "content-length": String(800 * 1024 * 1024) }, body: "{}" }), MAX_STATUS_BODY))).toBeNull();
    // Exactly at the limit (in bytes, not characters) is read.
    const padded = JSON.stringify({ revision: 2, ok: true, message: "é".repeat(10) });
    const atLimit = padded + " ".repeat(MAX_STATUS_BODY - Buffer.byteLength(padded));
    expect((await postStatus(token, atLimit, { raw: true })).status).toBe(200);
    expect((await postStatus(token, `${atLimit} `, { raw: true })).status).toBe(413);
  });

  it("answers 401 for a wrong or revoked token and changes nothing", async () => {
    const before = await db.wafNode.count({ where: { lastStatus: { not: null } } });
    expect((await postStatus(null, { revision: 2, ok: true })).status).toBe(401);
    expect((await postStatus(`pn_${"z".repeat(43)}`, { revision: 2, ok: true })).status).toBe(401);
    const revoked = await registerNode(admin, { name: "api-revoked-2" });
    await revokeNode(admin, { id: revoked.node.id });
    expect((await postStatus(revoked.token, { revision: 2, ok: true })).status).toBe(401);
    expect(await db.wafNode.count({ where: { lastStatus: { not: null } } })).toBe(before);
  });
});

describe(`the node API during a database outage (${process.env.TEST_DB})`, () => {
  it("answers 503 with Retry-After, not 500, and its body names no internals", async () => {
    const realUrl = process.env.DATABASE_URL;
    const { closedPort } = await import("@/lib/testing/fake-postgres");
    const { disconnectDb } = await import("@/lib/db");
    process.env.DATABASE_URL = process.env.TEST_DB === "postgres" ? (await closedPort()).url : "file:/nonexistent-palisade-dir/panel.db";
    await disconnectDb();
    const { vi } = await import("vitest");
    const { log } = await import("@/lib/log");
    const warned = vi.spyOn(log, "warn").mockResolvedValue(undefined);
    try {
      for (const res of [await getConfig(token), await postStatus(token, { revision: 1, ok: true, message: "x" })]) {
        expect(res.status).toBe(503);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        const body = (await res.json()) as { error: string };
        expect(body.error).toBe("The panel cannot reach its database; try again shortly.");
      }
    } finally {
      expect(warned).toHaveBeenCalled(); // the detail is logged
      warned.mockRestore();
      await disconnectDb();
      process.env.DATABASE_URL = realUrl;
    }
    expect((await getConfig(token)).status).not.toBe(503);
  });
});
