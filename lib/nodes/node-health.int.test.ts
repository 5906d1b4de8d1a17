// Node health through the node API on a real database (SQLite and PostgreSQL): the certificates a status
// report lists replace the node's, appliedAt moves only with the applied revision, a bad certificate list
// is refused with a 400 that names the entry, and what /nodes and the dashboard read from it.
import { beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/v1/nodes/status/route";
import { publishConfig } from "@/lib/config/service";
import { db } from "@/lib/db";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/client-address";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { certificateEntry } from "@/lib/testing/node-fixtures";
import { nodeAttention, listNodes } from "./queries";
import { MAX_REPORTED_CERTIFICATES } from "./schema";
import { registerNode, revokeNode } from "./service";

let addressCounter = 0;

function postStatus(token: string, body: unknown) {
  const headers = new Headers({ [PEER_HEADER]: `198.51.100.${++addressCounter}`, "content-type": "application/json", authorization: `Bearer ${token}` });
  return POST(new Request("http://panel.test/api/v1/nodes/status", { method: "POST", headers, body: JSON.stringify(body) }));
}

const node = { id: "", token: "" };
let vhostId = "";

async function publish() {
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true } });
  const r = await publishConfig(admin, { basedOn: latest?.number ?? null, checker: passingChecker });
  if (r.status !== "published") throw new Error(`not published: ${r.status}`);
  return db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
}

const stored = () => db.nodeCertificate.findMany({ where: { nodeId: node.id }, orderBy: { domain: "asc" } });

beforeAll(async () => {
  installPeerAddressStamp();
  const r = await registerNode(admin, { name: "health-node" });
  node.id = r.node.id;
  node.token = r.token;
  vhostId = (await makeVhost("health.config.test")).id;
  await publish();
});

describe(`status reports with certificates (${process.env.TEST_DB})`, () => {
  it("stores the certificates a report lists and replaces them with the next report's", async () => {
    const a = certificateEntry("a.health.test", 40);
    const b = certificateEntry("b.health.test", 5);
    const res = await postStatus(node.token, { revision: 1, ok: true, message: "applied", certificates: [a, b] });
    expect(res.status).toBe(200);
    const first = await stored();
    expect(first.map((c) => ({ ...c, id: undefined, reportedAt: undefined }))).toEqual([
      { ...a, id: undefined, nodeId: node.id, notAfter: new Date(a.notAfter), reportedAt: undefined },
      { ...b, id: undefined, nodeId: node.id, notAfter: new Date(b.notAfter), reportedAt: undefined },
    ]);

    // The same outcome again (no audit row), with a renewed certificate: the list is replaced.
    const auditRows = await db.auditEvent.count();
    const renewed = certificateEntry("b.health.test", 90);
    expect((await postStatus(node.token, { revision: 1, ok: true, message: "applied", certificates: [renewed] })).status).toBe(200);
    expect((await stored()).map((c) => [c.domain, c.fingerprint])).toEqual([["b.health.test", renewed.fingerprint]]);
    expect(await db.auditEvent.count()).toBe(auditRows);

    // A report without a list (an older agent) keeps it; an empty list empties it.
    expect((await postStatus(node.token, { revision: 1, ok: true })).status).toBe(200);
    expect(await stored()).toHaveLength(1);
    expect((await postStatus(node.token, { revision: 1, ok: true, certificates: [] })).status).toBe(200);
    expect(await stored()).toHaveLength(0);
  });

  it("sets appliedAt when the applied revision changes, and only then", async () => {
    const other = await registerNode(admin, { name: "health-applied" });
    const get = () => db.wafNode.findUniqueOrThrow({ where: { id: other.node.id } });
    expect((await get()).appliedAt).toBeNull();

    expect((await postStatus(other.token, { revision: 1, ok: true })).status).toBe(200);
    const applied1 = (await get()).appliedAt;
    expect(applied1).not.toBeNull();

    // The same revision again, and a failure to apply a newer one: appliedAt stays.
    await postStatus(other.token, { revision: 1, ok: true });
    expect((await get()).appliedAt).toEqual(applied1);
    await changePolicy(vhostId, { inboundThreshold: 9 });
    const rev2 = await publish();
    await postStatus(other.token, { revision: 2, ok: false, message: "nginx -t failed" });
    expect(await get()).toMatchObject({ appliedRevision: 1, lastStatus: "failed", appliedAt: applied1 });

    // Revision 2 applied: appliedAt moves, no earlier than its publish.
    await postStatus(other.token, { revision: 2, ok: true });
    const after = await get();
    expect(after.appliedRevision).toBe(2);
    expect(after.appliedAt!.getTime()).toBeGreaterThan(applied1!.getTime());
    expect(after.appliedAt!.getTime()).toBeGreaterThanOrEqual(rev2.createdAt.getTime());

    const { rows } = await listNodes();
    const row = rows.find((r) => r.id === other.node.id)!;
    expect(row.appliedPublishedAt).toEqual(rev2.createdAt);
    expect(row.publishToAppliedMs).toBe(after.appliedAt!.getTime() - rev2.createdAt.getTime());
  });

  it("refuses a bad certificate list with a 400 naming the entry and field, and keeps what was stored", async () => {
    const good = certificateEntry("kept.health.test", 30);
    await postStatus(node.token, { revision: 1, ok: true, certificates: [good] });
    const before = await stored();
    const cases: [unknown, RegExp][] = [
      [{ certificates: "none" }, /certificates: certificates must be a list/],
      [{ certificates: [{ ...good, notAfter: "soon" }] }, /certificates\.0\.notAfter: notAfter must be an ISO 8601 date and time/],
      [{ certificates: [good, { ...good, fingerprint: "AB:CD" }] }, /certificates\.1\.fingerprint: fingerprint must be the SHA-256 fingerprint/],
      [{ certificates: [{ ...good, domain: "" }] }, /certificates\.0\.domain: domain must not be empty/],
      [{ certificates: [{ ...good, subject: "x".repeat(501) }] }, /certificates\.0\.subject: subject is longer than 500 characters/],
      [{ certificates: [{ ...good, reference: "a\nb" }] }, /certificates\.0\.reference: reference must not contain control characters/],
      [{ certificates: [{ ...good, serial: "not hex" }] }, /certificates\.0\.serial: serial must be the certificate's serial number in hex/],
      [{ certificates: [{ ...good, privateKey: "-----BEGIN PRIVATE KEY-----" }] }, /certificates\.0: unknown field privateKey: a certificate is reported by its public facts only/],
      [{ certificates: Array.from({ length: MAX_REPORTED_CERTIFICATES + 1 }, () => good) }, /certificates: at most 300 per report/],
    ];
    for (const [patch, message] of cases) {
      const res = await postStatus(node.token, { revision: 1, ok: true, ...(patch as object) });
      expect(res.status, message.source).toBe(400);
      const body = (await res.json()) as { error: string; problems: string[] };
      expect(body.error).toMatch(/^Invalid status report: /);
      expect(body.error).toMatch(message);
    }
    expect(await stored()).toEqual(before);
  });

  it("lists certificates soonest first on /nodes and flags stale nodes and expiring certificates for the dashboard", async () => {
    const now = new Date();
    const fresh = await registerNode(admin, { name: "health-fresh" });
    const revoked = await registerNode(admin, { name: "health-revoked" });
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    await postStatus(fresh.token, {
      revision: latest.number,
      ok: true,
      certificates: [certificateEntry("later.health.test", 60, now), certificateEntry("expired.health.test", -2, now), certificateEntry("soon.health.test", 20, now)],
    });
    await postStatus(revoked.token, { revision: 1, ok: true, certificates: [certificateEntry("revoked.health.test", 3, now)] });
    await revokeNode(admin, { id: revoked.node.id });
    await postStatus(node.token, { revision: 1, ok: true, certificates: [certificateEntry("behind.health.test", 100, now)] });

    const { rows } = await listNodes(now);
    const freshRow = rows.find((r) => r.name === "health-fresh")!;
    expect(freshRow.certificates.map((c) => [c.domain, c.expiry.state])).toEqual([
      ["expired.health.test", "expired"],
      ["soon.health.test", "expiring"],
      ["later.health.test", "ok"],
    ]);
    expect(freshRow.health.behind).toBe(false);

    const attention = await nodeAttention(now, 20);
    expect(attention.latest).toBe(latest.number);
    // health-node runs revision 1 of 2; the revoked node is not flagged, nor are its certificates.
    expect(attention.staleNodes.rows.map((n) => [n.name, n.appliedRevision])).toEqual([["health-node", 1]]);
    expect(attention.expiringCertificates.total).toBe(2);
    expect(attention.expiringCertificates.rows.map((c) => [c.domain, c.node.name, c.expiry.state])).toEqual([
      ["expired.health.test", "health-fresh", "expired"],
      ["soon.health.test", "health-fresh", "expiring"],
    ]);
    expect((await nodeAttention(now, 1)).expiringCertificates).toMatchObject({ total: 2, rows: [{ domain: "expired.health.test" }] });
  });

  it("removes a node's certificates with the node", async () => {
    const gone = await registerNode(admin, { name: "health-gone" });
    await postStatus(gone.token, { revision: 1, ok: true, certificates: [certificateEntry("gone.health.test", 30)] });
    expect(await db.nodeCertificate.count({ where: { nodeId: gone.node.id } })).toBe(1);
    await db.wafNode.delete({ where: { id: gone.node.id } });
    expect(await db.nodeCertificate.count({ where: { nodeId: gone.node.id } })).toBe(0);
  });
});
