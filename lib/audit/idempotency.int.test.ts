// A submission whose answer was lost (the connection dropped after COMMIT) is retried with the same
// idempotency key: the retry returns the first result, applies nothing twice and does not conflict with
// itself. Through the real server actions (session, schema, audited transaction) on both databases.
import { describe, expect, it } from "vitest";
import { runWithSession } from "@/lib/auth/session";
import { nativeForm } from "@/lib/auth/form-action";
import { registerNodeAction } from "@/lib/nodes/actions";
import { addIpEntriesAction, removeIpEntryAction, updatePolicyAction } from "@/lib/policies/actions";
import { db } from "@/lib/db";
import { IDEMPOTENCY_FIELD, newIdempotencyKey, withIdempotencyKey } from "@/lib/forms/idempotency";
import { createUser } from "@/lib/users/service";
import { createVhost } from "@/lib/vhosts/service";
import { audited } from "./audited";
import { decodeResult, encodeResult, pruneReceipts, RECEIPT_RETENTION_MS } from "./idempotency";
import { verifyChain } from "./verify";

const setup = { actor: { id: null, email: "setup@example.test" } };
const policy = { engineMode: "BLOCKING", blockingParanoia: 2, detectionParanoia: 2, inboundThreshold: 5, outboundThreshold: 4 } as const;

let n = 0;
async function admin(role: "ADMIN" | "EDITOR" = "ADMIN") {
  n++;
  const u = await createUser(setup, { email: `idem-${n}-${Date.now()}@example.test`, name: "I", role, password: "idempotency-pass-1" });
  return { uid: u.id, sv: u.sessionVersion };
}
async function vhost() {
  n++;
  return createVhost(setup, { domain: `idem-${n}-${Date.now()}.example.test`, aliases: [], backendUrl: "http://10.0.0.1", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true });
}
const policyEvents = (vhostId: string) => db.auditEvent.count({ where: { action: "policy.update", vhostId } });

describe(`idempotency keys (${process.env.TEST_DB})`, () => {
  it("a retry of a committed save returns the first result: one change, one audit row, no conflict", async () => {
    const [claim, v] = [await admin(), await vhost()];
    const key = newIdempotencyKey();
    const input = withIdempotencyKey({ ...policy, version: 1, vhostId: v.id }, key);
    const first = await runWithSession(claim, () => updatePolicyAction(input));
    expect(first).toEqual({ ok: true, data: { version: 2 } });
    // The browser never saw that answer; the user presses Save again: same values, same key.
    const retry = await runWithSession(claim, () => updatePolicyAction(input));
    expect(retry).toEqual(first);
    expect((await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } })).version).toBe(2);
    expect(await policyEvents(v.id)).toBe(1);
    // Without the key, the same resubmission is the conflict it always was.
    const withoutKey = await runWithSession(claim, () => updatePolicyAction({ ...policy, version: 1, vhostId: v.id }));
    expect(withoutKey.ok).toBe(false);
    expect(!withoutKey.ok && withoutKey.conflict?.currentVersion).toBe(2);
    expect((await verifyChain()).ok).toBe(true);
  });

  it("concurrent duplicates of one submission apply once and both answer with the first result", async () => {
    const [claim, v] = [await admin(), await vhost()];
    const input = withIdempotencyKey({ vhostId: v.id, kind: "DENY" as const, text: "203.0.113.7\n198.51.100.0/24", confirmWide: false }, newIdempotencyKey());
    const results = await Promise.all([1, 2, 3].map(() => runWithSession(claim, () => addIpEntriesAction(input))));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]).toMatchObject({ ok: true, data: { addedCount: 2 } });
    expect(await db.ipListEntry.count({ where: { vhostId: v.id } })).toBe(2);
    expect(await db.auditEvent.count({ where: { vhostId: v.id, action: { startsWith: "ip" } } })).toBe(1);
    expect((await verifyChain()).ok).toBe(true);
  });

  it("the same key with other values is a new change (the user edited the form after a lost answer)", async () => {
    const [claim, v] = [await admin(), await vhost()];
    const key = newIdempotencyKey();
    await runWithSession(claim, () => addIpEntriesAction(withIdempotencyKey({ vhostId: v.id, kind: "DENY" as const, text: "203.0.113.7", confirmWide: false }, key)));
    const other = await runWithSession(claim, () => addIpEntriesAction(withIdempotencyKey({ vhostId: v.id, kind: "DENY" as const, text: "203.0.113.8", confirmWide: false }, key)));
    expect(other).toMatchObject({ ok: true, data: { addedCount: 1 } });
    expect((await db.ipListEntry.findMany({ where: { vhostId: v.id }, orderBy: { cidr: "asc" } })).map((e) => e.cidr)).toEqual(["203.0.113.7", "203.0.113.8"]);
  });

  it("keys are scoped to the user and to the action", async () => {
    const [alice, bob, v] = [await admin(), await admin(), await vhost()];
    const key = newIdempotencyKey();
    const add = { vhostId: v.id, kind: "DENY" as const, text: "192.0.2.1", confirmWide: false };
    const a = await runWithSession(alice, () => addIpEntriesAction(withIdempotencyKey(add, key)));
    expect(a.ok).toBe(true);
    // Bob with Alice's key (guessed or copied) gets no receipt of hers: his own change runs (a duplicate here).
    const b = await runWithSession(bob, () => addIpEntriesAction(withIdempotencyKey(add, key)));
    expect(b).toMatchObject({ ok: true, data: { addedCount: 0 } });
    // Another action with a used key is refused, not answered with the other action's result.
    const entry = await db.ipListEntry.findFirstOrThrow({ where: { vhostId: v.id } });
    const wrong = await runWithSession(alice, () => removeIpEntryAction(withIdempotencyKey({ vhostId: v.id, id: entry.id }, key)));
    expect(wrong).toMatchObject({ ok: true }); // different input fingerprint: a new change, not a replay
    const again = await runWithSession(alice, () => removeIpEntryAction(withIdempotencyKey({ vhostId: v.id, id: entry.id }, key)));
    expect(again).toEqual(wrong);
    expect(await db.ipListEntry.count({ where: { vhostId: v.id } })).toBe(0);
  });

  it("a native form resubmission (the browser's resend) carries the key in its FormData", async () => {
    const [claim, v] = [await admin(), await vhost()];
    const form = nativeForm(updatePolicyAction);
    const fd = new FormData();
    const values = { ...policy, version: 1, vhostId: v.id };
    for (const [k, val] of Object.entries(values)) fd.set(k, String(val));
    fd.set("$shape", JSON.stringify({ engineMode: "s", blockingParanoia: "n", detectionParanoia: "n", inboundThreshold: "n", outboundThreshold: "n", version: "n", vhostId: "s" }));
    fd.set("$start", JSON.stringify(values));
    fd.set(IDEMPOTENCY_FIELD, newIdempotencyKey());
    const first = await runWithSession(claim, () => form(null, fd));
    const resent = await runWithSession(claim, () => form(null, fd));
    expect(first?.result).toEqual({ ok: true, data: { version: 2 } });
    expect(resent?.result).toEqual(first?.result);
    expect(await policyEvents(v.id)).toBe(1);
  });

  it("never stores a secret: a retry of a node registration says its token is shown only once", async () => {
    const claim = await admin();
    const input = withIdempotencyKey({ name: `node-${Date.now()}` }, newIdempotencyKey());
    const first = await runWithSession(claim, () => registerNodeAction(input));
    expect(first.ok).toBe(true);
    const token = first.ok ? (first.data as { token: string }).token : "";
    const receipts = await db.idempotencyReceipt.findMany({ where: { userId: claim.uid } });
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.result).not.toContain(token);
    const retry = await runWithSession(claim, () => registerNodeAction(input));
    expect(retry).toMatchObject({ ok: false, error: expect.stringContaining("shown only once") });
    expect(await db.wafNode.count({ where: { name: (input as { name: string }).name } })).toBe(1);
  });

  it("a change that fails stores no receipt, so its retry runs again", async () => {
    const v = await vhost();
    const scope = { userId: (await admin()).uid, key: newIdempotencyKey(), action: "test", input: "x", calls: 0 };
    const boom = audited({ ...setup, idempotency: scope }, async () => ({ result: 1, audit: { action: "test.fail", entityType: "Test", entityId: v.id, summary: "fails" } }), {
      beforeCommit: async () => {
        throw new Error("late failure");
      },
    });
    await expect(boom).rejects.toThrow("late failure");
    expect(await db.idempotencyReceipt.count({ where: { key: scope.key } })).toBe(0);
    const second = await audited({ ...setup, idempotency: { ...scope, calls: 0 } }, async () => ({ result: 2, audit: { action: "test.ok", entityType: "Test", entityId: v.id, summary: "ok" } }));
    expect(second).toBe(2);
    // Each audited() call of one action has its own step: a second call does not get the first's result.
    const twice = { ...scope, key: newIdempotencyKey(), calls: 0 };
    const r1 = await audited({ ...setup, idempotency: twice }, async () => ({ result: "one", audit: { action: "test.a", entityType: "Test", entityId: v.id, summary: "a" } }));
    const r2 = await audited({ ...setup, idempotency: twice }, async () => ({ result: "two", audit: { action: "test.b", entityType: "Test", entityId: v.id, summary: "b" } }));
    expect([r1, r2]).toEqual(["one", "two"]);
    expect((await verifyChain()).ok).toBe(true);
  });

  it("dates survive a replay as dates; receipts past their retention are pruned", async () => {
    const at = new Date("2026-12-06T08:00:00.000Z");
    expect(decodeResult(encodeResult({ at, list: [{ at }], passwordHash: "x" }))).toEqual({ at, list: [{ at }] });
    const claim = await admin();
    await db.idempotencyReceipt.create({ data: { userId: claim.uid, key: "old-receipt-key-0001", step: 0, action: "x", input: "x", result: "1", createdAt: new Date(Date.now() - RECEIPT_RETENTION_MS - 60_000) } });
    await db.idempotencyReceipt.create({ data: { userId: claim.uid, key: "new-receipt-key-0001", step: 0, action: "x", input: "x", result: "1" } });
    const r = await pruneReceipts();
    expect(r.deleted).toBeGreaterThanOrEqual(1);
    expect((await db.idempotencyReceipt.findMany({ where: { userId: claim.uid } })).map((x) => x.key)).toEqual(["new-receipt-key-0001"]);
  });
});
