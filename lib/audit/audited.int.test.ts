import { describe, expect, it } from "vitest";
import { db, dbKind } from "@/lib/db";
import { audited, type AuditContext } from "./audited";
import { hashEvent } from "./chain";

const ctx: AuditContext = { actor: { id: null, email: "tester@example.test" }, meta: { ip: "127.0.0.1", userAgent: "vitest" } };

async function counts() {
  return { vhosts: await db.virtualHost.count(), events: await db.auditEvent.count() };
}

function createVhost(domain: string) {
  return audited(ctx, async (tx) => {
    const v = await tx.virtualHost.create({ data: { domain, aliases: [], backendUrl: "http://127.0.0.1:8080" } });
    return { result: v, audit: { action: "vhost.create", entityType: "VirtualHost", entityId: v.id, vhostId: v.id, summary: `Created ${domain}`, after: v } };
  });
}

describe(`audited transaction (${process.env.TEST_DB})`, () => {
  it("commits the change and its audit row together, chained to the previous event", async () => {
    const a = await createVhost("a.example.test");
    const b = await createVhost("b.example.test");
    const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events.map((e) => e.entityId)).toEqual([a.id, b.id]);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(events[0]!.prevHash).toBe("0".repeat(64));
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    for (const e of events) expect(hashEvent(e)).toBe(e.hash);
    expect(events[0]!.actorEmail).toBe("tester@example.test");
    expect(events[0]!.ip).toBe("127.0.0.1");
  });

  it("keeps neither the change nor the audit row when a failure comes after both, before commit", async () => {
    const before = await counts();
    await expect(
      audited(
        ctx,
        async (tx) => {
          const v = await tx.virtualHost.create({ data: { domain: "late-fail.example.test", aliases: [], backendUrl: "http://x.test" } });
          return { result: v, audit: { action: "vhost.create", entityType: "VirtualHost", entityId: v.id, summary: "x" } };
        },
        { beforeCommit: async (tx) => {
          // Both rows are visible inside the transaction at this point…
          expect(await tx.virtualHost.count({ where: { domain: "late-fail.example.test" } })).toBe(1);
          expect(await tx.auditEvent.count()).toBe(before.events + 1);
          throw new Error("injected failure before commit");
        } },
      ),
    ).rejects.toThrow("injected failure before commit");
    // …and neither survives.
    expect(await counts()).toEqual(before);
    expect(await db.virtualHost.findUnique({ where: { domain: "late-fail.example.test" } })).toBeNull();
  });

  it("keeps neither when the audit insert itself fails", async () => {
    const before = await counts();
    const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    // Occupy the next sequence number behind the helper's back, so its audit insert hits the unique index.
    await db.auditEvent.create({
      data: { seq: head.lastSeq + 1, actorEmail: "intruder", action: "x", entityType: "x", entityId: "x", summary: "x", prevHash: "x", hash: "x" },
    });
    await expect(createVhost("audit-fail.example.test")).rejects.toThrow();
    expect(await db.virtualHost.findUnique({ where: { domain: "audit-fail.example.test" } })).toBeNull();
    expect(await db.virtualHost.count()).toBe(before.vhosts);
    expect(await db.auditEvent.count()).toBe(before.events + 1);
    expect((await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq).toBe(head.lastSeq);
  });

  it("gives concurrent writers distinct consecutive sequence numbers and one unbroken chain", async () => {
    await db.auditEvent.deleteMany({ where: { actorEmail: "intruder" } });
    const start = (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
    await Promise.all(Array.from({ length: 8 }, (_, i) => createVhost(`parallel-${i}.example.test`)));
    const events = await db.auditEvent.findMany({ where: { seq: { gt: start } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 8 }, (_, i) => start + i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
  });

  it("writes several entries of one change as consecutive linked events, stored exactly as the ORM stores them", async () => {
    const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    const when = new Date("2026-05-01T10:20:30.456Z");
    await audited(ctx, async () => ({
      result: null,
      audit: [
        { action: "x.one", entityType: "Thing", entityId: "1", summary: "first", before: null, after: { at: when, list: [1, "ü", null], nested: { b: 2, a: 1 } } },
        { action: "x.two", entityType: "Thing", entityId: "2", summary: "second" },
      ],
    }));
    const [one, two] = await db.auditEvent.findMany({ where: { seq: { gt: head.lastSeq } }, orderBy: { seq: "asc" } });
    expect([one!.seq, two!.seq]).toEqual([head.lastSeq + 1, head.lastSeq + 2]);
    expect(one!.prevHash).toBe(head.lastHash);
    expect(two!.prevHash).toBe(one!.hash);
    expect(one!.after).toEqual({ at: when.toISOString(), list: [1, "ü", null], nested: { b: 2, a: 1 } });
    expect(one!.before).toBeNull();
    expect(two!.after).toBeNull();
    for (const e of [one!, two!]) expect(hashEvent(e)).toBe(e.hash);
    expect(await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ lastSeq: two!.seq, lastHash: two!.hash });
    if (dbKind() === "sqlite") {
      // SQLite keeps DateTime as text: the chain's own insert must write the ORM's format, since filters
      // and the day overview compare that text.
      const written = await db.auditEvent.create({
        data: { seq: 999_999, actorEmail: "orm@example.test", action: "x", entityType: "x", entityId: "x", summary: "x", prevHash: "x", hash: "x" },
      });
      const rows = await db.$queryRawUnsafe<{ t: string }[]>(`SELECT CAST("createdAt" AS TEXT) AS t FROM "AuditEvent" WHERE "seq" IN (${one!.seq}, 999999) ORDER BY "seq"`);
      for (const r of rows) expect(r.t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      await db.auditEvent.delete({ where: { id: written.id } });
    }
  });

  it("stores the request's address only when it is an address", async () => {
    const withIp = (ip: string | null) => ({ ...ctx, meta: { ip, userAgent: "vitest" } });
    const cases: [string | null, string | null][] = [["=1+2", null], ["198.51.100.1, 10.0.0.1", null], ["::ffff:192.0.2.1", "192.0.2.1"], ["2001:DB8::1", "2001:db8::1"], [null, null]];
    for (const [ip, stored] of cases) {
      const event = await audited(withIp(ip), async () => ({ result: null, audit: { action: "test.ip", entityType: "Test", entityId: String(ip), summary: "ip" } }))
        .then(() => db.auditEvent.findFirstOrThrow({ where: { action: "test.ip" }, orderBy: { seq: "desc" } }));
      expect(event.ip, String(ip)).toBe(stored);
    }
  });
});
