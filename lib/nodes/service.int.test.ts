// Node registration, revocation and token rotation on a real database (SQLite and PostgreSQL): each is
// audited in the same transaction, the token is returned once and only its hash and prefix are stored.
import { describe, expect, it } from "vitest";
import { admin, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { publishConfig } from "@/lib/config/service";
import { db } from "@/lib/db";
import { AppError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { listNodes } from "./queries";
import { authenticateNode, recordNodeStatus, registerNode, revokeNode, rotateNodeToken, UnknownRevisionError } from "./service";
import { hashToken } from "./token";

async function head() {
  return (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
}

async function newEvents(since: number) {
  return db.auditEvent.findMany({ where: { seq: { gt: since } }, orderBy: { seq: "asc" } });
}

describe(`WAF nodes (${process.env.TEST_DB})`, () => {
  it("registers a node: the token is returned once, stored only as hash and prefix, and audited", async () => {
    const since = await head();
    const { node, token } = await registerNode(admin, { name: "edge-1" });
    expect(token).toMatch(/^pn_[A-Za-z0-9_-]{43}$/);
    expect(node).toEqual({ id: expect.any(String), name: "edge-1", tokenPrefix: token.slice(0, 11), revoked: false });

    const row = await db.wafNode.findUniqueOrThrow({ where: { id: node.id } });
    expect(row.tokenHash).toBe(hashToken(token));
    // The token appears nowhere in the database: not in the node row, not in the audit log.
    const everything = JSON.stringify([row, await newEvents(since)]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(11));

    const events = await newEvents(since);
    expect(events.map((e) => [e.action, e.entityType, e.entityId])).toEqual([["node.register", "WafNode", node.id]]);
    expect(events[0]!.summary).toBe(`Registered WAF node edge-1 (token ${token.slice(0, 11)}…)`);
    expect(await authenticateNode(token)).toMatchObject({ id: node.id });
  });

  it("refuses a second node with the same name, with a field error and no audit row", async () => {
    const since = await head();
    const err = await registerNode(admin, { name: "edge-1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FieldValidationError);
    expect((err as FieldValidationError).fieldErrors).toEqual({ name: ["A node named edge-1 already exists."] });
    expect(await head()).toBe(since);
  });

  it("rotates a token: the old one stops working at once, the new one works, audited", async () => {
    const { node, token: old } = await registerNode(admin, { name: "edge-rotate" });
    const since = await head();
    const { token } = await rotateNodeToken(admin, { id: node.id });
    expect(token).not.toBe(old);
    expect(await authenticateNode(old)).toBeNull();
    expect(await authenticateNode(token)).toMatchObject({ id: node.id });
    const events = await newEvents(since);
    expect(events.map((e) => e.action)).toEqual(["node.rotate"]);
    expect(events[0]!.summary).toBe(`Issued a new token for WAF node edge-rotate (${old.slice(0, 11)}… → ${token.slice(0, 11)}…)`);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("revokes a token (audited); a second revoke is refused; rotating makes the node active again", async () => {
    const { node, token } = await registerNode(admin, { name: "edge-revoke" });
    const since = await head();
    expect(await revokeNode(admin, { id: node.id })).toMatchObject({ revoked: true });
    expect(await authenticateNode(token)).toBeNull();
    await expect(revokeNode(admin, { id: node.id })).rejects.toThrow(new AppError("The token of edge-revoke is already revoked."));
    const rotated = await rotateNodeToken(admin, { id: node.id });
    expect(rotated.node.revoked).toBe(false);
    expect(await authenticateNode(rotated.token)).toMatchObject({ id: node.id });
    expect((await newEvents(since)).map((e) => e.action)).toEqual(["node.revoke", "node.rotate"]);
    await expect(revokeNode(admin, { id: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(NotFoundError);
  });

  it("authenticates nothing for malformed, unknown or empty tokens", async () => {
    for (const t of [null, "", "pn_", "Bearer x", `pn_${"A".repeat(43)}`, `pn_${"A".repeat(44)}`]) expect(await authenticateNode(t)).toBeNull();
  });

  it("records status reports: ok sets the applied revision, a failure keeps it and flags the node; changes are audited", async () => {
    await makeVhost("node-status.test");
    await publishConfig(admin, { basedOn: null, checker: passingChecker });
    const { node } = await registerNode(admin, { name: "edge-status" });
    const row = () => db.wafNode.findUniqueOrThrow({ where: { id: node.id } });

    let since = await head();
    await recordNodeStatus(await row(), { revision: 1, ok: true, message: "reloaded" }, { ip: "10.0.0.7" });
    expect(await row()).toMatchObject({ appliedRevision: 1, lastStatus: "ok", lastMessage: "Revision 1: reloaded" });
    let events = await newEvents(since);
    expect(events.map((e) => [e.action, e.actorEmail, e.ip, e.summary])).toEqual([["node.status", "node:edge-status", "10.0.0.7", "WAF node edge-status applied revision 1"]]);

    // The same report again: no audit row, only the contact time moves.
    since = await head();
    const seen = (await row()).lastSeenAt!;
    await new Promise((r) => setTimeout(r, 5));
    await recordNodeStatus(await row(), { revision: 1, ok: true, message: "reloaded" });
    expect(await head()).toBe(since);
    expect((await row()).lastSeenAt!.getTime()).toBeGreaterThan(seen.getTime());

    await recordNodeStatus(await row(), { revision: 1, ok: false, message: "nginx -t: boom" });
    expect(await row()).toMatchObject({ appliedRevision: 1, lastStatus: "failed", lastMessage: "Revision 1 failed: nginx -t: boom" });
    events = await newEvents(since);
    expect(events.map((e) => e.summary)).toEqual(["WAF node edge-status failed to apply revision 1: nginx -t: boom"]);

    await expect(recordNodeStatus(await row(), { revision: 42, ok: true, message: "" })).rejects.toThrow(UnknownRevisionError);

    const { rows, latest } = await listNodes();
    expect(latest).toMatchObject({ number: 1 });
    const listed = rows.find((r) => r.name === "edge-status")!;
    expect(listed.health).toMatchObject({ state: "failing", failing: true, behind: false, silent: false });
    expect(listed).not.toHaveProperty("tokenHash");
    expect(rows.find((r) => r.name === "edge-revoke")!.health.state).toBe("stale"); // never seen
  });
});
