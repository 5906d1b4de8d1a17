// Vhost mutations against a real database (runs once on SQLite, once on PostgreSQL): each change and its
// audit row commit together or not at all, duplicates and stale versions are refused with typed errors.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIT_PAGE_SIZE, listAuditEvents } from "@/lib/audit/queries";
import type { AuditContext } from "@/lib/audit/audited";
import { hashEvent } from "@/lib/audit/chain";
import { db, type VirtualHostModel as VirtualHost } from "@/lib/db";
import { ConflictError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { createUser } from "@/lib/users/service";
import { summarizePolicy } from "@/lib/policies/policy";
import { listVhosts, VHOST_PAGE_SIZE, VhostListParamsSchema } from "./queries";
import { CreateVhostSchema, EMPTY_VHOST_FORM, UpdateVhostSchema, type VhostFormValues } from "./schema";
import { createVhost, DEFAULT_POLICY, deleteVhost, setVhostEnabled, updateVhost } from "./service";

const system: AuditContext = { actor: { id: null, email: "system@palisade.test" } };
let alice: AuditContext;
let bob: AuditContext;

beforeAll(async () => {
  const [a, b] = await Promise.all([
    createUser(system, { email: "Alice@Palisade.test", name: "Alice", role: "ADMIN", password: "alice-password-123" }),
    createUser(system, { email: "bob@palisade.test", name: "Bob", role: "EDITOR", password: "bob-password-123" }),
  ]);
  alice = { actor: { id: a.id, email: a.email }, meta: { ip: "192.0.2.10", userAgent: "vitest alice" } };
  bob = { actor: { id: b.id, email: b.email }, meta: { ip: "192.0.2.20", userAgent: "vitest bob" } };
});

/** Form values as the browser sends them, run through the same schema as the server action. */
function createInput(domain: string, patch: Partial<VhostFormValues> = {}) {
  return CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain, backendUrl: "http://10.0.0.5:8080", ...patch });
}

/** The edit form for `row` (at the version it was loaded), with `patch` applied. */
function updateInput(row: VirtualHost, patch: Partial<VhostFormValues> = {}, version = row.version) {
  return UpdateVhostSchema.parse({
    domain: row.domain,
    aliases: (row.aliases as string[]).join("\n"),
    backendUrl: row.backendUrl,
    tlsMode: row.tlsMode,
    certificateRef: row.certificateRef ?? "",
    hsts: row.hsts,
    minTlsVersion: row.minTlsVersion,
    enabled: row.enabled,
    ...patch,
    id: row.id,
    version,
  });
}

function eventsFor(entityId: string) {
  return db.auditEvent.findMany({ where: { entityId }, orderBy: { seq: "asc" } });
}

async function totals() {
  return {
    vhosts: await db.virtualHost.count(),
    policies: await db.wafPolicy.count(),
    events: await db.auditEvent.count(),
    head: (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq,
  };
}

/** Rejects with the error `run` throws, for checks beyond its class. */
async function caught(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

describe(`vhost service (${process.env.TEST_DB})`, () => {
  describe("createVhost", () => {
    it("creates the vhost, its policy with CRS defaults and one vhost.create audit row", async () => {
      const before = await totals();
      const v = await createVhost(alice, createInput("shop.create.test", { aliases: "www.shop.create.test" }));

      expect(v).toMatchObject({
        domain: "shop.create.test",
        aliases: ["www.shop.create.test"],
        backendUrl: "http://10.0.0.5:8080",
        tlsMode: "NONE",
        certificateRef: null,
        hsts: false,
        minTlsVersion: "TLS1_2",
        enabled: true,
        version: 1,
        updatedByEmail: "alice@palisade.test",
      });
      const policy = await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } });
      expect(policy).toMatchObject({
        engineMode: "BLOCKING",
        blockingParanoia: 1,
        detectionParanoia: 1,
        inboundThreshold: 5,
        outboundThreshold: 4,
        version: 1,
        updatedByEmail: "alice@palisade.test",
      });
      expect(DEFAULT_POLICY).toEqual({ engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4 });

      const events = await eventsFor(v.id);
      expect(events).toHaveLength(1);
      const e = events[0]!;
      expect(e).toMatchObject({
        action: "vhost.create",
        entityType: "VirtualHost",
        entityId: v.id,
        vhostId: v.id,
        actorId: alice.actor.id,
        actorEmail: "alice@palisade.test",
        ip: "192.0.2.10",
        userAgent: "vitest alice",
        before: null,
        summary: "Created virtual host shop.create.test → http://10.0.0.5:8080 with the default policy (blocking, paranoia 1)",
      });
      expect(e.after).toEqual({
        vhost: {
          id: v.id,
          domain: "shop.create.test",
          aliases: ["www.shop.create.test"],
          backendUrl: "http://10.0.0.5:8080",
          tlsMode: "NONE",
          certificateRef: null,
          hsts: false,
          minTlsVersion: "TLS1_2",
          enabled: true,
          version: 1,
        },
        policy: { ...DEFAULT_POLICY, version: 1 },
      });
      expect(hashEvent(e)).toBe(e.hash);

      const after = await totals();
      expect(after).toEqual({ vhosts: before.vhosts + 1, policies: before.policies + 1, events: before.events + 1, head: before.head + 1 });
      expect(e.seq).toBe(after.head);
    });

    it("stores TLS settings and turns an empty certificateRef into null", async () => {
      const v = await createVhost(alice, createInput("tls.create.test", { tlsMode: "REDIRECT", certificateRef: "tls-fullchain", hsts: true, minTlsVersion: "TLS1_3" }));
      expect(v).toMatchObject({ tlsMode: "REDIRECT", certificateRef: "tls-fullchain", hsts: true, minTlsVersion: "TLS1_3" });
    });

    it("writes the vhost, the policy and the audit row in one transaction: none survive a failed audit insert", async () => {
      const before = await totals();
      // Occupy the next sequence number behind the service's back, so its audit insert (the last write) fails.
      const intruder = await db.auditEvent.create({
        data: { seq: before.head + 1, actorEmail: "intruder", action: "x", entityType: "x", entityId: "x", summary: "x", prevHash: "x", hash: "x" },
      });
      try {
        await expect(createVhost(alice, createInput("atomic.create.test"))).rejects.toThrow();
        expect(await db.virtualHost.findUnique({ where: { domain: "atomic.create.test" } })).toBeNull();
        expect(await totals()).toEqual({ ...before, events: before.events + 1 });
      } finally {
        await db.auditEvent.delete({ where: { id: intruder.id } });
      }
      expect(await totals()).toEqual(before);
    });

    it("refuses a duplicate domain (after normalisation) with a field error and writes nothing", async () => {
      await createVhost(alice, createInput("dup.create.test"));
      const before = await totals();
      const err = await caught(() => createVhost(bob, createInput("DUP.Create.Test.")));
      expect(err).toBeInstanceOf(FieldValidationError);
      expect((err as FieldValidationError).fieldErrors).toEqual({ domain: ["A virtual host for dup.create.test already exists."] });
      expect(await totals()).toEqual(before);
      expect(await db.auditEvent.count({ where: { actorEmail: "bob@palisade.test", action: "vhost.create" } })).toBe(0);
    });

    it("lets exactly one of two simultaneous creates of the same domain win", async () => {
      const before = await totals();
      const results = await Promise.allSettled([
        createVhost(alice, createInput("race.create.test")),
        createVhost(bob, createInput("race.create.test", { backendUrl: "http://10.0.0.6:8080" })),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(FieldValidationError);
      expect((lost[0]!.reason as FieldValidationError).fieldErrors.domain).toEqual(["A virtual host for race.create.test already exists."]);
      expect(await totals()).toEqual({ vhosts: before.vhosts + 1, policies: before.policies + 1, events: before.events + 1, head: before.head + 1 });
    });

    it("stores an internationalised domain and its aliases as punycode", async () => {
      const v = await createVhost(alice, createInput("Bücher.example", { aliases: "www.bücher.example\nBÜCHER-shop.example" }));
      expect(v.domain).toBe("xn--bcher-kva.example");
      expect(v.aliases).toEqual(["www.xn--bcher-kva.example", "xn--bcher-shop-9db.example"]);
      const stored = await db.virtualHost.findUniqueOrThrow({ where: { domain: "xn--bcher-kva.example" } });
      expect(stored.id).toBe(v.id);
      expect(await db.virtualHost.count({ where: { domain: "bücher.example" } })).toBe(0);
      // The same name typed in Unicode again is a duplicate.
      await expect(createVhost(bob, createInput("bücher.example."))).rejects.toBeInstanceOf(FieldValidationError);
    });
  });

  describe("updateVhost", () => {
    it("saves with the right version: version + 1, audit row with before, after and the changed fields", async () => {
      const v = await createVhost(alice, createInput("edit.update.test"));
      const updated = await updateVhost(bob, updateInput(v, { backendUrl: "https://10.0.0.6:8443", aliases: "www.edit.update.test" }));

      expect(updated).toMatchObject({ id: v.id, version: 2, backendUrl: "https://10.0.0.6:8443", aliases: ["www.edit.update.test"], updatedByEmail: "bob@palisade.test" });
      expect(await db.virtualHost.findUniqueOrThrow({ where: { id: v.id } })).toEqual(updated);

      const [, e] = await eventsFor(v.id);
      expect(e).toMatchObject({
        action: "vhost.update",
        entityType: "VirtualHost",
        vhostId: v.id,
        actorEmail: "bob@palisade.test",
        summary: "Updated edit.update.test: aliases, backendUrl",
      });
      expect(e!.before).toMatchObject({ id: v.id, version: 1, backendUrl: "http://10.0.0.5:8080", aliases: [] });
      expect(e!.after).toMatchObject({ id: v.id, version: 2, backendUrl: "https://10.0.0.6:8443", aliases: ["www.edit.update.test"] });
      expect(hashEvent(e!)).toBe(e!.hash);
    });

    it("lists every changed field, and says so when nothing changed", async () => {
      const v = await createVhost(alice, createInput("many.update.test"));
      const u = await updateVhost(alice, updateInput(v, { domain: "many2.update.test", tlsMode: "TERMINATE", certificateRef: "many.pem", hsts: true, enabled: false }));
      const same = await updateVhost(alice, updateInput(u));
      expect(same.version).toBe(3);
      const events = await eventsFor(v.id);
      expect(events.map((e) => e.summary)).toEqual([
        expect.stringMatching(/^Created virtual host many\.update\.test/),
        "Updated many2.update.test: domain, tlsMode, certificateRef, hsts, enabled",
        "Saved many2.update.test without changes",
      ]);
    });

    it("refuses a stale version with a ConflictError naming who saved, and changes nothing", async () => {
      const v = await createVhost(alice, createInput("stale.update.test"));
      const bobs = await updateVhost(bob, updateInput(v, { backendUrl: "http://10.0.0.7:8080" }));
      const before = await totals();

      // Alice still has version 1 in her form.
      const err = await caught(() => updateVhost(alice, updateInput(v, { backendUrl: "http://10.0.0.99:8080" })));
      expect(err).toBeInstanceOf(ConflictError);
      const conflict = err as ConflictError;
      expect(conflict.message).toContain("bob@palisade.test saved this");
      expect(conflict.message).toMatch(/Your changes were not saved/);
      expect(conflict.savedBy).toBe("bob@palisade.test");
      expect(conflict.currentVersion).toBe(2);
      expect(conflict.savedAt).toEqual(bobs.updatedAt);

      expect(await db.virtualHost.findUniqueOrThrow({ where: { id: v.id } })).toEqual(bobs);
      expect(await totals()).toEqual(before);
      expect((await eventsFor(v.id)).map((e) => e.action)).toEqual(["vhost.create", "vhost.update"]);
    });

    it("lets exactly one of two concurrent saves from the same version win", async () => {
      const v = await createVhost(alice, createInput("race.update.test"));
      const results = await Promise.allSettled([
        updateVhost(alice, updateInput(v, { backendUrl: "http://10.0.1.1:8080" })),
        updateVhost(bob, updateInput(v, { backendUrl: "http://10.0.2.2:8080" })),
      ]);
      const won = results.filter((r): r is PromiseFulfilledResult<VirtualHost> => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = won[0]!.value;
      const winnerEmail = winner.updatedByEmail!;
      const loserEmail = winnerEmail === "alice@palisade.test" ? "bob@palisade.test" : "alice@palisade.test";

      expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
      expect((lost[0]!.reason as ConflictError).savedBy).toBe(winnerEmail);
      expect((lost[0]!.reason as ConflictError).message).toContain(winnerEmail);

      const final = await db.virtualHost.findUniqueOrThrow({ where: { id: v.id } });
      expect(final).toEqual(winner);
      expect(final.version).toBe(2);
      expect(final.backendUrl).toBe(winnerEmail === "alice@palisade.test" ? "http://10.0.1.1:8080" : "http://10.0.2.2:8080");
      const events = await eventsFor(v.id);
      expect(events.map((e) => [e.action, e.actorEmail])).toEqual([
        ["vhost.create", "alice@palisade.test"],
        ["vhost.update", winnerEmail],
      ]);
      expect(events.some((e) => e.actorEmail === loserEmail && e.action === "vhost.update")).toBe(false);
    });

    it("refuses another vhost's domain with a field error and changes nothing", async () => {
      const a = await createVhost(alice, createInput("taken.update.test"));
      const b = await createVhost(alice, createInput("other.update.test"));
      const before = await totals();
      const err = await caught(() => updateVhost(bob, updateInput(b, { domain: "Taken.Update.Test" })));
      expect(err).toBeInstanceOf(FieldValidationError);
      expect((err as FieldValidationError).fieldErrors).toEqual({ domain: ["A virtual host for taken.update.test already exists."] });
      expect(await db.virtualHost.findUniqueOrThrow({ where: { id: b.id } })).toEqual(b);
      expect(await db.virtualHost.findUniqueOrThrow({ where: { id: a.id } })).toEqual(a);
      expect(await totals()).toEqual(before);
    });
  });

  describe("setVhostEnabled", () => {
    it("disables and enables, each with its own audit action", async () => {
      const v = await createVhost(alice, createInput("toggle.enable.test"));
      const off = await setVhostEnabled(bob, { id: v.id, version: 1, enabled: false });
      expect(off).toMatchObject({ enabled: false, version: 2, updatedByEmail: "bob@palisade.test" });
      const on = await setVhostEnabled(alice, { id: v.id, version: 2, enabled: true });
      expect(on).toMatchObject({ enabled: true, version: 3, updatedByEmail: "alice@palisade.test" });

      const [, disable, enable] = await eventsFor(v.id);
      expect(disable).toMatchObject({ action: "vhost.disable", actorEmail: "bob@palisade.test", summary: "Disabled toggle.enable.test" });
      expect(disable!.before).toMatchObject({ enabled: true, version: 1 });
      expect(disable!.after).toMatchObject({ enabled: false, version: 2 });
      expect(enable).toMatchObject({ action: "vhost.enable", actorEmail: "alice@palisade.test", summary: "Enabled toggle.enable.test" });
      expect(enable!.before).toMatchObject({ enabled: false, version: 2 });
      expect(enable!.after).toMatchObject({ enabled: true, version: 3 });
    });

    it("refuses a stale version", async () => {
      const v = await createVhost(alice, createInput("stale.enable.test"));
      await updateVhost(bob, updateInput(v, { backendUrl: "http://10.0.0.8:8080" }));
      const err = await caught(() => setVhostEnabled(alice, { id: v.id, version: 1, enabled: false }));
      expect(err).toBeInstanceOf(ConflictError);
      expect(err.message).toContain("bob@palisade.test");
      expect((await db.virtualHost.findUniqueOrThrow({ where: { id: v.id } })).enabled).toBe(true);
      expect((await eventsFor(v.id)).map((e) => e.action)).toEqual(["vhost.create", "vhost.update"]);
    });
  });

  describe("deleteVhost", () => {
    async function withChildren(domain: string, firstRuleId: number) {
      const v = await createVhost(alice, createInput(domain));
      await db.ipListEntry.createMany({
        data: [
          { vhostId: v.id, kind: "ALLOW", cidr: "10.0.0.0/8", note: "office" },
          { vhostId: v.id, kind: "DENY", cidr: "203.0.113.7/32", note: null },
        ],
      });
      await db.customRule.create({
        data: { vhostId: v.id, ruleId: firstRuleId, description: "Block admin", secRule: 'SecRule REQUEST_URI "@beginsWith /admin" "id:' + firstRuleId + ',phase:1,deny"', position: 1 },
      });
      await db.ruleExclusion.create({ data: { vhostId: v.id, kind: "REMOVE_BY_ID", ruleId: 942100, note: "false positive" } });
      return v;
    }

    it("deletes the vhost, its policy and all children, keeping a full copy in the audit row", async () => {
      const v = await withChildren("gone.delete.test", 1_000_001);
      const edited = await updateVhost(alice, updateInput(v, { aliases: "www.gone.delete.test" }));
      const before = await totals();

      const result = await deleteVhost(bob, { id: v.id, version: edited.version });
      expect(result).toEqual({ id: v.id, domain: "gone.delete.test" });

      expect(await db.virtualHost.findUnique({ where: { id: v.id } })).toBeNull();
      expect(await db.wafPolicy.count({ where: { vhostId: v.id } })).toBe(0);
      expect(await db.ipListEntry.count({ where: { vhostId: v.id } })).toBe(0);
      expect(await db.customRule.count({ where: { vhostId: v.id } })).toBe(0);
      expect(await db.ruleExclusion.count({ where: { vhostId: v.id } })).toBe(0);
      expect(await totals()).toEqual({ vhosts: before.vhosts - 1, policies: before.policies - 1, events: before.events + 1, head: before.head + 1 });

      const e = (await eventsFor(v.id)).at(-1)!;
      expect(e).toMatchObject({
        action: "vhost.delete",
        actorEmail: "bob@palisade.test",
        vhostId: v.id,
        after: null,
        summary: "Deleted virtual host gone.delete.test with its policy, 2 IP entries, 1 custom rules and 1 exclusions",
      });
      expect(e.before).toEqual({
        vhost: {
          id: v.id,
          domain: "gone.delete.test",
          aliases: ["www.gone.delete.test"],
          backendUrl: "http://10.0.0.5:8080",
          tlsMode: "NONE",
          certificateRef: null,
          hsts: false,
          minTlsVersion: "TLS1_2",
          enabled: true,
          version: 2,
        },
        policy: { ...DEFAULT_POLICY, version: 1 },
        ipEntries: expect.arrayContaining([
          { kind: "ALLOW", cidr: "10.0.0.0/8", note: "office" },
          { kind: "DENY", cidr: "203.0.113.7/32", note: null },
        ]),
        customRules: [
          { ruleId: 1_000_001, description: "Block admin", secRule: 'SecRule REQUEST_URI "@beginsWith /admin" "id:1000001,phase:1,deny"', enabled: true, position: 1 },
        ],
        exclusions: [{ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: null, tag: null, target: null, pathPrefix: null, note: "false positive" }],
      });
      expect((e.before as { ipEntries: unknown[] }).ipEntries).toHaveLength(2);
      // The events of a deleted vhost stay.
      expect((await eventsFor(v.id)).map((x) => x.action)).toEqual(["vhost.create", "vhost.update", "vhost.delete"]);
    });

    it("refuses a stale version and keeps everything", async () => {
      const v = await withChildren("stale.delete.test", 1_000_002);
      await setVhostEnabled(bob, { id: v.id, version: 1, enabled: false });
      const before = await totals();
      const err = await caught(() => deleteVhost(alice, { id: v.id, version: 1 }));
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).savedBy).toBe("bob@palisade.test");
      expect((err as ConflictError).currentVersion).toBe(2);
      expect(await totals()).toEqual(before);
      expect(await db.ipListEntry.count({ where: { vhostId: v.id } })).toBe(2);
      expect(await db.customRule.count({ where: { vhostId: v.id } })).toBe(1);
    });
  });

  describe("unknown ids", () => {
    it("throws NotFoundError and writes nothing", async () => {
      const id = randomUUID();
      const template = await createVhost(alice, createInput("template.notfound.test"));
      const before = await totals();
      await expect(updateVhost(alice, updateInput({ ...template, id }))).rejects.toBeInstanceOf(NotFoundError);
      await expect(setVhostEnabled(alice, { id, version: 1, enabled: false })).rejects.toBeInstanceOf(NotFoundError);
      await expect(deleteVhost(alice, { id, version: 1 })).rejects.toBeInstanceOf(NotFoundError);
      expect(await totals()).toEqual(before);
    });

    it("throws NotFoundError when someone deleted the vhost after it was loaded", async () => {
      const v = await createVhost(alice, createInput("deleted.notfound.test"));
      await deleteVhost(bob, { id: v.id, version: 1 });
      const err = await caught(() => updateVhost(alice, updateInput(v, { backendUrl: "http://10.0.0.9:8080" })));
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.message).toMatch(/no longer exists/);
      await expect(deleteVhost(alice, { id: v.id, version: 1 })).rejects.toBeInstanceOf(NotFoundError);
      expect(await db.virtualHost.findUnique({ where: { domain: "deleted.notfound.test" } })).toBeNull();
    });
  });
});

describe(`listVhosts (${process.env.TEST_DB})`, () => {
  const COUNT = 30;
  const names = Array.from({ length: COUNT }, (_, i) => `site-${String(i).padStart(2, "0")}.list.test`);

  beforeAll(async () => {
    // Created in a shuffled order, so sorting by domain cannot just echo the insertion order.
    for (const i of [...names.keys()].sort((x, y) => ((x * 7) % COUNT) - ((y * 7) % COUNT))) {
      await createVhost(alice, createInput(names[i]!));
    }
  });

  const params = (raw: Record<string, unknown>) => VhostListParamsSchema.parse(raw);

  it("searches case-insensitively", async () => {
    const all = await listVhosts(params({ q: "  LIST.Test " }));
    expect(all.total).toBe(COUNT);
    const one = await listVhosts(params({ q: "SITE-07" }));
    expect(one.total).toBe(1);
    expect(one.rows.map((r) => r.domain)).toEqual(["site-07.list.test"]);
    const none = await listVhosts(params({ q: "no-such-site.list.test" }));
    expect(none).toEqual({ total: 0, rows: [], pageCount: 1 });
  });

  it("finds an internationalised name typed in Unicode or in punycode", async () => {
    await createVhost(alice, createInput("müller-search.list.example"));
    for (const q of ["Müller-Search", "müller-search.list.example", "xn--mller-search"]) {
      const found = await listVhosts(params({ q }));
      expect(found.rows.map((r) => r.domain), q).toEqual(["xn--mller-search-dlb.list.example"]);
    }
  });

  it("sorts by domain in both directions", async () => {
    const asc = await listVhosts(params({ q: "list.test", sort: "domain", dir: "asc" }));
    expect(asc.rows.map((r) => r.domain)).toEqual(names.slice(0, VHOST_PAGE_SIZE));
    const desc = await listVhosts(params({ q: "list.test", sort: "domain", dir: "desc" }));
    expect(desc.rows.map((r) => r.domain)).toEqual([...names].reverse().slice(0, VHOST_PAGE_SIZE));
  });

  it("pages 25 per page", async () => {
    expect(VHOST_PAGE_SIZE).toBe(25);
    const p1 = await listVhosts(params({ q: "list.test", page: "1" }));
    const p2 = await listVhosts(params({ q: "list.test", page: "2" }));
    const p3 = await listVhosts(params({ q: "list.test", page: "3" }));
    expect(p1.rows).toHaveLength(25);
    expect(p2.rows.map((r) => r.domain)).toEqual(names.slice(25));
    expect(p3.rows).toEqual([]);
    expect([p1.total, p1.pageCount, p2.total, p2.pageCount]).toEqual([COUNT, 2, COUNT, 2]);
    expect([...p1.rows, ...p2.rows].map((r) => r.domain)).toEqual(names);
  });

  it("includes each vhost's policy summary", async () => {
    const { rows } = await listVhosts(params({ q: "site-00.list.test" }));
    expect(rows[0]).toMatchObject({ domain: "site-00.list.test", version: 1, enabled: true, policy: DEFAULT_POLICY });
  });

  it("counts each page vhost's deny entries, exclusions and enabled rules for the summary, and nobody else's", async () => {
    const [a, b] = await db.virtualHost.findMany({ where: { domain: { in: ["site-01.list.test", "site-02.list.test"] } }, orderBy: { domain: "asc" } });
    await db.ipListEntry.createMany({
      data: [
        { vhostId: a!.id, kind: "DENY", cidr: "192.0.2.0/24" },
        { vhostId: a!.id, kind: "DENY", cidr: "198.51.100.7/32" },
        { vhostId: a!.id, kind: "ALLOW", cidr: "203.0.113.0/24" },
        { vhostId: b!.id, kind: "ALLOW", cidr: "203.0.113.0/24" },
      ],
    });
    await db.customRule.createMany({
      data: [
        { vhostId: a!.id, ruleId: 4201, description: "on", secRule: 'SecRule ARGS "@contains x" "id:4201,phase:2,deny"', enabled: true, position: 0 },
        { vhostId: a!.id, ruleId: 4202, description: "off", secRule: 'SecRule ARGS "@contains y" "id:4202,phase:2,deny"', enabled: false, position: 1 },
        { vhostId: b!.id, ruleId: 4203, description: "off", secRule: 'SecRule ARGS "@contains z" "id:4203,phase:2,deny"', enabled: false, position: 0 },
      ],
    });
    await db.ruleExclusion.create({ data: { vhostId: b!.id, kind: "REMOVE_BY_ID", ruleId: 942100 } });
    const { rows } = await listVhosts(params({ q: "list.test" }));
    const row = (id: string) => rows.find((r) => r.id === id)!;
    expect(row(a!.id).summary).toBe(summarizePolicy({ policy: DEFAULT_POLICY, ipDenyCount: 2, ipAllowCount: 0, exclusionCount: 0, customRuleCount: 1 }));
    expect(row(b!.id).summary).toBe(summarizePolicy({ policy: DEFAULT_POLICY, ipDenyCount: 0, ipAllowCount: 0, exclusionCount: 1, customRuleCount: 0 }));
    expect(row(a!.id).summary).not.toBe(row(b!.id).summary);
    const untouched = rows.find((r) => r.domain === "site-03.list.test")!;
    expect(untouched.summary).toBe(summarizePolicy({ policy: DEFAULT_POLICY, ipDenyCount: 0, ipAllowCount: 0, exclusionCount: 0, customRuleCount: 0 }));
  });

  it("falls back to defaults for bad URL parameters", () => {
    expect(params({ q: 42, sort: "password", dir: "sideways", page: "-3" })).toEqual({ q: "", sort: "domain", dir: "asc", page: 1 });
    expect(params({})).toEqual({ q: "", sort: "domain", dir: "asc", page: 1 });
    expect(params({ sort: "updatedAt", dir: "desc", page: "4" })).toEqual({ q: "", sort: "updatedAt", dir: "desc", page: 4 });
  });
});

describe(`listAuditEvents (${process.env.TEST_DB})`, () => {
  it("pages by seq with no overlap and no gap, newest first", async () => {
    // At least two full pages and a partial third, whatever ran before in this file.
    const wanted = 2 * AUDIT_PAGE_SIZE + 7;
    const have = await db.auditEvent.count();
    for (let i = 0; i < Math.max(0, wanted - have); i++) await createVhost(bob, createInput(`event-${i}.audit.test`));
    const all = (await db.auditEvent.findMany({ orderBy: { seq: "desc" }, select: { seq: true } })).map((e) => e.seq);
    expect(all.length).toBeGreaterThanOrEqual(wanted);
    // The chain never skips a number, so consecutive pages must meet exactly.
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => all[0]! - i));

    const p1 = await listAuditEvents({});
    expect(p1.rows).toHaveLength(AUDIT_PAGE_SIZE);
    expect(p1.rows[0]!.seq).toBe(all[0]);
    expect(p1.nextBefore).toBe(p1.rows.at(-1)!.seq);
    expect(p1.rows[0]).not.toHaveProperty("before");
    expect(p1.rows[0]).not.toHaveProperty("after");

    const p2 = await listAuditEvents({ before: p1.nextBefore! });
    expect(p2.rows).toHaveLength(AUDIT_PAGE_SIZE);
    expect(p2.rows[0]!.seq).toBe(p1.nextBefore! - 1);

    const seen: number[] = [];
    let before: number | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await listAuditEvents({ before });
      seen.push(...r.rows.map((x) => x.seq));
      if (r.nextBefore === null) break;
      before = r.nextBefore;
    }
    expect(seen).toEqual(all);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThan(seen[i - 1]!);
  });

  it("filters by vhost and honours a custom limit", async () => {
    const v = await createVhost(alice, createInput("filter.audit.test"));
    const v2 = await updateVhost(alice, updateInput(v, { backendUrl: "http://10.0.0.10:8080" }));
    await setVhostEnabled(alice, { id: v.id, version: v2.version, enabled: false });

    const r = await listAuditEvents({ vhost: v.id });
    expect(r.rows.map((e) => e.action)).toEqual(["vhost.disable", "vhost.update", "vhost.create"]);
    expect(r.nextBefore).toBeNull();

    const first = await listAuditEvents({ vhost: v.id, limit: 2 });
    expect(first.rows.map((e) => e.action)).toEqual(["vhost.disable", "vhost.update"]);
    expect(first.nextBefore).toBe(first.rows[1]!.seq);
    const rest = await listAuditEvents({ vhost: v.id, limit: 2, before: first.nextBefore! });
    expect(rest.rows.map((e) => e.action)).toEqual(["vhost.create"]);
    expect(rest.nextBefore).toBeNull();
  });

  it("records user creation too, lowercasing the email and leaving out the password hash", async () => {
    const [e] = await db.auditEvent.findMany({ where: { action: "user.create", entityId: alice.actor.id! } });
    expect(e).toMatchObject({ entityType: "User", actorEmail: "system@palisade.test", vhostId: null, summary: "Created user alice@palisade.test (ADMIN)" });
    expect(e!.after).toEqual({ id: alice.actor.id, email: "alice@palisade.test", name: "Alice", role: "ADMIN", disabled: false });
    expect(JSON.stringify(e!.after)).not.toMatch(/\$2[aby]\$/);
  });
});

describe(`internal backends (${process.env.TEST_DB})`, () => {
  it("refuses loopback, link-local and metadata backends without the confirmation, and stores nothing", async () => {
    for (const [i, url] of ["http://127.0.0.1:8080", "http://169.254.169.254/latest", "http://[fe80::1]:80", "http://localhost:3000", "http://0.0.0.0"].entries()) {
      const before = await totals();
      const err = await caught(() => createVhost(alice, createInput(`internal-${i}.risk.test`, { backendUrl: url })));
      expect(err, url).toBeInstanceOf(FieldValidationError);
      expect((err as FieldValidationError).fieldErrors.backendUrl![0], url).toMatch(/^The backend is internal: /);
      expect(await totals()).toEqual(before);
    }
  });

  it("saves them with confirmInternalBackend: true and says so in the audit row", async () => {
    const v = await createVhost(alice, createInput("confirmed.risk.test", { backendUrl: "http://169.254.169.254", confirmInternalBackend: true }));
    const [e] = await eventsFor(v.id);
    expect(e!.summary).toBe("Created virtual host confirmed.risk.test → http://169.254.169.254 (internal backend confirmed: metadata 169.254.169.254) with the default policy (blocking, paranoia 1)");
  });

  it("asks again when an update changes the backend to an internal one, not when it keeps a confirmed one", async () => {
    const v = await createVhost(alice, createInput("update.risk.test"));
    const err = await caught(() => updateVhost(alice, updateInput(v, { backendUrl: "http://127.0.0.2:9000" })));
    expect(err).toBeInstanceOf(FieldValidationError);
    const v2 = await updateVhost(alice, updateInput(v, { backendUrl: "http://127.0.0.2:9000", confirmInternalBackend: true }));
    const v3 = await updateVhost(alice, updateInput(v2, { aliases: "www.update.risk.test" }));
    expect(v3.version).toBe(3);
    const events = await eventsFor(v.id);
    expect(events.map((e) => e.summary)).toEqual([
      expect.stringMatching(/^Created virtual host update\.risk\.test → http:\/\/10\.0\.0\.5:8080 with/),
      "Updated update.risk.test: backendUrl (internal backend confirmed: loopback 127.0.0.2)",
      "Updated update.risk.test: aliases",
    ]);
  });

  it("treats the nodes' own listen addresses as internal", async () => {
    const previous = process.env.PALISADE_LISTEN_ADDRESSES;
    process.env.PALISADE_LISTEN_ADDRESSES = "192.0.2.80, 2001:db8::80";
    try {
      const err = await caught(() => createVhost(alice, createInput("own.risk.test", { backendUrl: "http://192.0.2.80:8080" })));
      expect((err as FieldValidationError).fieldErrors.backendUrl![0]).toContain("one of the WAF node's own listen addresses");
      await createVhost(alice, createInput("other.risk.test", { backendUrl: "http://192.0.2.81:8080" }));
    } finally {
      if (previous === undefined) delete process.env.PALISADE_LISTEN_ADDRESSES;
      else process.env.PALISADE_LISTEN_ADDRESSES = previous;
    }
  });
});
