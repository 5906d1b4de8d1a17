// Publishing and rolling back against a real database (SQLite and PostgreSQL): a revision and its audit
// row commit together or not at all, nothing is stored for unchanged content or a refused check, and
// vhosts with unpublished changes are found. Where the engine is installed, its check runs for real.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { describeWithEngine } from "@/lib/testing/real-engine";
import { DEFAULT_COMPILER_SETTINGS } from "@/lib/waf/types";
import type { EngineChecker } from "./check";
import { bundleHash } from "./hash";
import { bundleOf, EngineRefusedError, publishConfig, refusalOf, rollbackConfig, StaleRevisionError } from "./service";
import { publishStatus, unpublishedVhostIds, vhostPublishStates } from "./status";
import { admin, changePolicy, makeVhost, missingEngine, passingChecker } from "@/lib/testing/config-fixtures";

async function totals() {
  return {
    revisions: await db.configRevision.count(),
    events: await db.auditEvent.count(),
    head: (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq,
  };
}

async function latestNumber() {
  return (await db.configRevision.findFirst({ orderBy: { number: "desc" } }))?.number ?? null;
}

describe(`publishing (${process.env.TEST_DB})`, () => {
  it("stores the first revision with its audit row, hash, bundle and summary", async () => {
    const a = await makeVhost("a.publish.test");
    const before = await totals();
    const r = await publishConfig(admin, { basedOn: null, checker: passingChecker });
    expect(r.status).toBe("published");
    if (r.status !== "published") return;
    expect(r.revision).toMatchObject({ number: 1, engineChecked: true, rollbackOf: null, summary: "First revision: 1 virtual host (a.publish.test)" });

    const stored = await db.configRevision.findUniqueOrThrow({ where: { number: 1 } });
    const files = bundleOf(stored);
    expect(Object.keys(files)).toEqual(["modsecurity/main.conf", "nginx.conf", "rules/a.publish.test.conf", "vhosts/a.publish.test.conf"]);
    expect(stored.contentHash).toBe(bundleHash(files));
    expect(stored.createdByEmail).toBe(admin.actor.email);
    expect(files["vhosts/a.publish.test.conf"]).toContain(`id ${a.id}`);

    const events = await db.auditEvent.findMany({ where: { seq: { gt: before.head } } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "config.publish", entityType: "ConfigRevision", entityId: stored.id, actorEmail: admin.actor.email, ip: "192.0.2.1" });
    expect(events[0]!.summary).toBe("Published revision 1: First revision: 1 virtual host (a.publish.test); no traffic replay was run");
    expect(await totals()).toEqual({ revisions: before.revisions + 1, events: before.events + 1, head: before.head + 1 });
  });

  it("refuses to publish identical content: a clear message, no revision, no audit row", async () => {
    const before = await totals();
    const r = await publishConfig(admin, { basedOn: await latestNumber(), checker: passingChecker });
    expect(r).toEqual({ status: "unchanged", latest: 1, message: "Nothing changed since revision 1: no new revision was made." });
    expect(await totals()).toEqual(before);
  });

  it("summarises what changed since the previous revision", async () => {
    const a = await db.virtualHost.findUniqueOrThrow({ where: { domain: "a.publish.test" } });
    await changePolicy(a.id, { inboundThreshold: 3 });
    await makeVhost("b.publish.test");
    const r = await publishConfig(admin, { basedOn: 1, checker: passingChecker });
    expect(r.status === "published" && r.revision).toMatchObject({
      number: 2,
      summary: "Added b.publish.test; changed a.publish.test",
      changes: { added: ["b.publish.test"], changed: ["a.publish.test"], removed: [], shared: [] },
    });
  });

  it("refuses a publish based on an older revision than the latest", async () => {
    const before = await totals();
    await makeVhost("stale.publish.test");
    await expect(publishConfig(admin, { basedOn: 1, checker: passingChecker })).rejects.toThrow(StaleRevisionError);
    await expect(publishConfig(admin, { basedOn: 1, checker: passingChecker })).rejects.toThrow(/Revision 2 was published by admin@config\.test at .* after you opened this page/);
    expect((await totals()).revisions).toBe(before.revisions);
    await db.virtualHost.delete({ where: { domain: "stale.publish.test" } });
  });

  it("writes the revision and its audit row atomically: a failing audit insert leaves no revision", async () => {
    const v = await makeVhost("atomic.publish.test");
    const before = await totals();
    // An actor without an email breaks the audit insert, after the revision row was created.
    const broken = { actor: { id: null, email: null as unknown as string } };
    await expect(publishConfig(broken, { basedOn: 2, checker: passingChecker })).rejects.toThrow();
    expect(await totals()).toEqual(before);
    expect(await latestNumber()).toBe(2);
    await db.virtualHost.delete({ where: { id: v.id } });
  });

  it("never stores a revision the engine check refused, and names the vhost, file and line", async () => {
    const v = await makeVhost("refused.publish.test");
    const before = await totals();
    const failing: EngineChecker = async () => ({
      checked: true,
      ok: false,
      output: "",
      errors: [{ file: "rules/refused.publish.test.conf", line: 7, vhost: "refused.publish.test", message: "Rules error: boom" }],
    });
    const err = await publishConfig(admin, { basedOn: 2, checker: failing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRefusedError);
    expect((err as Error).message).toBe(
      "nginx -t refused the configuration, so nothing was published: rules/refused.publish.test.conf line 7 (virtual host refused.publish.test): Rules error: boom",
    );
    expect(await refusalOf(err)).toEqual({
      status: "refused",
      stage: "engine",
      message: (err as Error).message,
      problems: [{ vhost: "refused.publish.test", vhostId: v.id, file: "rules/refused.publish.test.conf", line: 7, field: null, message: "Rules error: boom" }],
    });
    expect(await totals()).toEqual(before);
    await db.virtualHost.delete({ where: { id: v.id } });
  });

  it("refuses what the compiler refuses, naming vhost and field, and stores nothing", async () => {
    const v = await makeVhost("invalid.publish.test");
    // The services never store such a value; a database edited by hand can hold anything.
    await db.virtualHost.update({ where: { id: v.id }, data: { backendUrl: "http://bad host" } });
    const before = await totals();
    const err = await publishConfig(admin, { basedOn: 2, checker: passingChecker }).catch((e: unknown) => e);
    const refusal = await refusalOf(err);
    expect(refusal).toMatchObject({ status: "refused", stage: "compile", problems: [{ vhost: "invalid.publish.test", vhostId: v.id, field: "backendUrl" }] });
    expect(refusal!.message).toMatch(/^The compiler refused the stored configuration, so nothing was published: Virtual host "invalid.publish.test": backendUrl: /);
    expect(await totals()).toEqual(before);

    expect(await unpublishedVhostIds()).toContain(v.id);
    const status = await publishStatus();
    expect(status.draft).toMatchObject({ ok: false, vhost: "invalid.publish.test", vhostId: v.id, field: "backendUrl" });
    expect(status.vhosts.find((s) => s.id === v.id)).toMatchObject({ state: "invalid" });
    await db.virtualHost.delete({ where: { id: v.id } });
  });

  it("says visibly when no engine is installed, and still publishes what the compiler validated", async () => {
    await makeVhost("noengine.publish.test");
    const r = await publishConfig(admin, { basedOn: 2, checker: missingEngine });
    expect(r.status).toBe("published");
    if (r.status !== "published") return;
    expect(r.revision).toMatchObject({ number: 3, engineChecked: false });
    expect(r.engineNote).toBe("Not checked by the engine (WAF engine not found: missing nginx (package nginx)); validated by the compiler only.");
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "config.publish" }, orderBy: { seq: "desc" } });
    expect(event.summary).toBe("Published revision 3: Added noengine.publish.test (not checked by the engine); no traffic replay was run");
    expect(event.after).toMatchObject({ engineChecked: false, engineNote: r.engineNote });
  });

  it("lets only one of two simultaneous publishes through", async () => {
    await makeVhost("race.publish.test");
    const results = await Promise.allSettled([
      publishConfig(admin, { basedOn: 3, checker: passingChecker }),
      publishConfig(admin, { basedOn: 3, checker: passingChecker }),
    ]);
    const published = results.filter((r) => r.status === "fulfilled" && r.value.status === "published");
    expect(published).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StaleRevisionError);
      else if (r.value.status !== "published") expect(r.value.status).toBe("unchanged");
    }
    expect(await latestNumber()).toBe(4);
    expect(await db.auditEvent.count({ where: { action: "config.publish" } })).toBe(4);
  });
});

describe(`rolling back (${process.env.TEST_DB})`, () => {
  it("makes a new revision equal to the old one, audited as config.rollback", async () => {
    const before = await totals();
    const r = await rollbackConfig(admin, { revision: 1, basedOn: 4, checker: passingChecker });
    expect(r.status).toBe("published");
    if (r.status !== "published") return;
    const [old, made] = await Promise.all([db.configRevision.findUniqueOrThrow({ where: { number: 1 } }), db.configRevision.findUniqueOrThrow({ where: { number: 5 } })]);
    expect(made.contentHash).toBe(old.contentHash);
    expect(bundleOf(made)).toEqual(bundleOf(old));
    expect(made.rollbackOf).toBe(1);
    expect(made.summary).toBe("Rollback to revision 1: changed a.publish.test; removed b.publish.test, noengine.publish.test, race.publish.test");
    const events = await db.auditEvent.findMany({ where: { seq: { gt: before.head } } });
    expect(events.map((e) => [e.action, e.entityId])).toEqual([["config.rollback", made.id]]);
    expect(events[0]!.summary).toMatch(/^Rolled back: revision 5: Rollback to revision 1: /);
  });

  it("refuses a rollback to content the latest revision already has, and to a missing revision", async () => {
    const before = await totals();
    expect(await rollbackConfig(admin, { revision: 1, basedOn: 5, checker: passingChecker })).toMatchObject({
      status: "unchanged",
      message: "Revision 5 already has the same content as revision 1: no new revision was made.",
    });
    await expect(rollbackConfig(admin, { revision: 99, basedOn: 5, checker: passingChecker })).rejects.toThrow(NotFoundError);
    await expect(rollbackConfig(admin, { revision: 2, basedOn: 4, checker: passingChecker })).rejects.toThrow(StaleRevisionError);
    expect(await totals()).toEqual(before);
  });
});

describe(`unpublished changes (${process.env.TEST_DB})`, () => {
  it("marks new, changed, disabled-but-published and invalid vhosts, and clears after publishing", async () => {
    // Revision 5 serves a.publish.test only (as revision 1 did): everything else is unpublished.
    const states = Object.fromEntries((await vhostPublishStates()).map((s) => [s.domain, s.state]));
    expect(states).toEqual({
      "a.publish.test": "changed",
      "b.publish.test": "new",
      "noengine.publish.test": "new",
      "race.publish.test": "new",
    });
    let r = await publishConfig(admin, { basedOn: 5, checker: passingChecker });
    expect(r.status).toBe("published");
    expect(await unpublishedVhostIds()).toEqual(new Set());
    expect((await publishStatus()).draft).toMatchObject({ ok: true, upToDate: true });

    const b = await db.virtualHost.findUniqueOrThrow({ where: { domain: "b.publish.test" } });
    const race = await db.virtualHost.findUniqueOrThrow({ where: { domain: "race.publish.test" } });
    await changePolicy(b.id, { blockingParanoia: 2, detectionParanoia: 2 });
    await db.virtualHost.update({ where: { id: race.id }, data: { enabled: false } });
    await db.virtualHost.delete({ where: { domain: "noengine.publish.test" } });
    const fresh = await makeVhost("fresh.publish.test");
    await makeVhost("off.publish.test", { enabled: false }); // never published, disabled: nothing to publish

    expect(await unpublishedVhostIds()).toEqual(new Set([b.id, race.id, fresh.id]));
    const status = await publishStatus();
    expect(status.deletedDomains).toEqual(["noengine.publish.test"]);
    expect(status.draft).toMatchObject({ ok: true, upToDate: false });
    expect(Object.fromEntries(status.vhosts.map((s) => [s.domain, s.state]))).toMatchObject({
      "b.publish.test": "changed",
      "race.publish.test": "removed",
      "fresh.publish.test": "new",
      "off.publish.test": "disabled",
      "a.publish.test": "published",
    });

    r = await publishConfig(admin, { basedOn: 6, checker: passingChecker });
    expect(r.status === "published" && r.revision.changes).toEqual({
      added: ["fresh.publish.test"],
      removed: ["noengine.publish.test", "race.publish.test"],
      changed: ["b.publish.test"],
      shared: [],
    });
    expect(await unpublishedVhostIds()).toEqual(new Set());
  });
});

describeWithEngine(`the real engine check (${process.env.TEST_DB})`, { timeout: 60_000 }, () => {
  it("checks with nginx -t (TLS vhosts with placeholder certificates) and records engineChecked", async () => {
    await makeVhost("tls.publish.test", { tlsMode: "TERMINATE", certificateRef: "tls-cert", hsts: true });
    const r = await publishConfig(admin, { basedOn: await latestNumber() });
    expect(r.status === "published" && r.revision.engineChecked).toBe(true);
  });

  it("does not depend on the panel's DNS: a backend name that never resolves here passes, and the bundle keeps the name", async () => {
    // .invalid never resolves (RFC 6761); nginx -t on the bundle as stored would fail with "host not found in upstream".
    await makeVhost("dns.publish.test", { backendUrl: "http://backend.invalid:8080" });
    await makeVhost("dns-tls.publish.test", { backendUrl: "https://api.backend.invalid:8443/app" });
    const r = await publishConfig(admin, { basedOn: await latestNumber() });
    expect(r.status === "published" && r.revision.engineChecked).toBe(true);
    if (r.status !== "published") return;
    const files = bundleOf(await db.configRevision.findUniqueOrThrow({ where: { number: r.revision.number } }));
    expect(files["vhosts/dns.publish.test.conf"]).toContain("proxy_pass http://backend.invalid:8080;");
    expect(files["vhosts/dns-tls.publish.test.conf"]).toContain("proxy_pass https://api.backend.invalid:8443/app;");
  });

  it("stores nothing when nginx -t fails, and says which vhost and line", async () => {
    const before = await totals();
    // An absolute certificate directory that does not exist here: the compiler accepts it, nginx does not.
    const settings = { ...DEFAULT_COMPILER_SETTINGS, certDir: "/nonexistent/palisade-certs" };
    const err = await publishConfig(admin, { basedOn: await latestNumber(), settings }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRefusedError);
    const refusal = await refusalOf(err);
    expect(refusal!.problems[0]).toMatchObject({ vhost: "tls.publish.test", file: "vhosts/tls.publish.test.conf" });
    expect(refusal!.problems[0]!.line).toBeGreaterThan(0);
    expect(refusal!.problems[0]!.message).toContain("/nonexistent/palisade-certs/tls-cert/fullchain.pem");
    expect(await totals()).toEqual(before);
  });
});
