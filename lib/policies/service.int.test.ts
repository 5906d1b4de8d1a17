import { describe, expect, it } from "vitest";
import type { AuditContext } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { ConflictError, FieldValidationError } from "@/lib/errors";
import { createVhost } from "@/lib/vhosts/service";
import { getVhostPolicy } from "./queries";
import { addIpEntries, removeIpEntry, updatePolicy } from "./service";

const alice: AuditContext = { actor: { id: null, email: "alice@example.test" } };
const bob: AuditContext = { actor: { id: null, email: "bob@example.test" } };

let n = 0;
async function vhost() {
  n++;
  return createVhost(alice, {
    domain: `policy-${n}-${Date.now()}.example.test`,
    aliases: [],
    backendUrl: "http://10.0.0.1",
    tlsMode: "NONE",
    certificateRef: "",
    hsts: false,
    minTlsVersion: "TLS1_2",
    enabled: true,
  });
}

const base = { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4 } as const;

describe(`policy service (${process.env.TEST_DB})`, () => {
  it("updates the policy, bumps its version and audits before/after with the changed fields", async () => {
    const v = await vhost();
    const p = await updatePolicy(alice, { vhostId: v.id, ...base, blockingParanoia: 2, detectionParanoia: 2, version: 1 });
    expect(p.version).toBe(2);
    expect(p.updatedByEmail).toBe("alice@example.test");
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "policy.update", vhostId: v.id } });
    expect(e.summary).toContain("blockingParanoia 1 → 2");
    expect(e.before).toMatchObject({ blockingParanoia: 1, version: 1 });
    expect(e.after).toMatchObject({ blockingParanoia: 2, version: 2 });
  });

  it("refuses a save over a newer one with a conflict naming who saved first, and changes nothing", async () => {
    const v = await vhost();
    await updatePolicy(alice, { vhostId: v.id, ...base, engineMode: "DETECTION_ONLY", version: 1 });
    const events = await db.auditEvent.count();
    const err = await updatePolicy(bob, { vhostId: v.id, ...base, inboundThreshold: 3, version: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toContain("alice@example.test saved this");
    expect((err as ConflictError).currentVersion).toBe(2);
    const p = await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } });
    expect(p).toMatchObject({ engineMode: "DETECTION_ONLY", inboundThreshold: 5, version: 2 });
    expect(await db.auditEvent.count()).toBe(events);
  });

  it("lets exactly one of two parallel saves from the same version win", async () => {
    const v = await vhost();
    const results = await Promise.allSettled([
      updatePolicy(alice, { vhostId: v.id, ...base, inboundThreshold: 7, version: 1 }),
      updatePolicy(bob, { vhostId: v.id, ...base, inboundThreshold: 9, version: 1 }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
    const p = await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } });
    expect(p.version).toBe(2);
    expect(await db.auditEvent.count({ where: { action: "policy.update", vhostId: v.id } })).toBe(1);
  });

  it("races two sessions on the same policy many times: exactly one conflict per race, no lost update, chain intact", async () => {
    const v = await vhost();
    let version = 1;
    for (let race = 0; race < 20; race++) {
      const results = await Promise.allSettled([
        updatePolicy(alice, { vhostId: v.id, ...base, inboundThreshold: 100 + race, version }),
        updatePolicy(bob, { vhostId: v.id, ...base, outboundThreshold: 100 + race, version }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      expect(won, `race ${race}`).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
      version++;
      // The stored policy is exactly the winner's save: nothing of the loser leaked in.
      const p = await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } });
      const winner = (won[0] as PromiseFulfilledResult<{ inboundThreshold: number; outboundThreshold: number }>).value;
      expect([p.inboundThreshold, p.outboundThreshold]).toEqual([winner.inboundThreshold, winner.outboundThreshold]);
      expect(p.version).toBe(version);
    }
    const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events.filter((e) => e.action === "policy.update" && e.vhostId === v.id)).toHaveLength(20);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.seq).toBe(events[i - 1]!.seq + 1);
      expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    }
  });

  it("adds pasted addresses, reports refused lines with reasons, and audits one event", async () => {
    const v = await vhost();
    const text = ["203.0.113.0/24 scanners", "10.0.0.5/24", "# comment", "2001:db8::/32", "203.0.113.7", "0.0.0.0/0", "not-an-ip"].join("\n");
    const r = await addIpEntries(alice, { vhostId: v.id, kind: "DENY", text, confirmWide: false });
    expect(r.addedCount).toBe(2);
    const byInput = Object.fromEntries(r.report.lines.map((l) => [l.input, l]));
    expect(byInput["10.0.0.5/24"]).toMatchObject({ status: "refused" });
    expect((byInput["10.0.0.5/24"] as { reason: string }).reason).toContain("10.0.0.0/24");
    expect((byInput["203.0.113.7"] as { reason: string }).reason).toContain("covered by 203.0.113.0/24");
    expect((byInput["0.0.0.0/0"] as { reason: string }).reason).toContain("confirm");
    expect(byInput["not-an-ip"]).toMatchObject({ status: "refused" });
    const stored = await db.ipListEntry.findMany({ where: { vhostId: v.id }, orderBy: { cidr: "asc" } });
    expect(stored.map((s) => [s.kind, s.cidr, s.note])).toEqual([
      ["DENY", "2001:db8::/32", null],
      ["DENY", "203.0.113.0/24", "scanners"],
    ]);
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "iplist.add", vhostId: v.id } });
    expect(e.summary).toContain("Added 2 deny entries");
    expect(e.summary).toContain("4 refused");
  });

  it("refuses the same address in both lists, and a wide range only with confirmation", async () => {
    const v = await vhost();
    await addIpEntries(alice, { vhostId: v.id, kind: "DENY", text: "198.51.100.1", confirmWide: false });
    const r = await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "198.51.100.1\n::/0", confirmWide: false });
    expect(r.addedCount).toBe(0);
    expect(r.report.lines.every((l) => l.status === "refused")).toBe(true);
    const confirmed = await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "::/0", confirmWide: true });
    expect(confirmed.addedCount).toBe(1);
  });

  it("judges the allow list as a whole: halves that add up to every address need the confirmation, and the vhost is flagged", async () => {
    const v = await vhost();
    const halves = await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "0.0.0.0/1\n128.0.0.0/1", confirmWide: false });
    expect(halves.addedCount).toBe(0);
    expect(halves.report.lines.map((l) => l.status === "refused" && l.reason)).toEqual([
      expect.stringMatching(/^With 0\.0\.0\.0\/1, the allow list covers 50% of IPv4 .*confirm to add\.$/),
      expect.stringMatching(/^With 128\.0\.0\.0\/1, the allow list covers 50% of IPv4 .*confirm to add\.$/),
    ]);
    // One range at a time, on top of what is stored: 10.0.0.0/8 is within the bound, 11.0.0.0/8 takes it past.
    expect((await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "10.0.0.0/8", confirmWide: false })).addedCount).toBe(1);
    const next = await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "11.0.0.0/8", confirmWide: false });
    expect(next.addedCount).toBe(0);
    expect((await getVhostPolicy(v.id))!.summary).not.toMatch(/skip the WAF/);
    const confirmed = await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "0.0.0.0/1\n128.0.0.0/1", confirmWide: true });
    expect(confirmed.addedCount).toBe(2);
    expect((await getVhostPolicy(v.id))!.summary).toMatch(/The allow list covers 100% of IPv4 \(as many addresses as a \/0\): those clients skip the WAF/);
  });

  it("removes an entry with an audit row keeping what was removed; a paste of nothing is a field error", async () => {
    const v = await vhost();
    await addIpEntries(alice, { vhostId: v.id, kind: "ALLOW", text: "192.0.2.10 monitoring", confirmWide: false });
    const entry = await db.ipListEntry.findFirstOrThrow({ where: { vhostId: v.id } });
    await removeIpEntry(bob, { vhostId: v.id, id: entry.id });
    expect(await db.ipListEntry.count({ where: { vhostId: v.id } })).toBe(0);
    const e = await db.auditEvent.findFirstOrThrow({ where: { action: "iplist.remove", vhostId: v.id } });
    expect(e.before).toEqual({ kind: "ALLOW", cidr: "192.0.2.10", note: "monitoring" });
    expect(e.actorEmail).toBe("bob@example.test");
    await expect(addIpEntries(alice, { vhostId: v.id, kind: "DENY", text: "# only a comment\n\n", confirmWide: false })).rejects.toBeInstanceOf(FieldValidationError);
  });
});
