// Publishing from a preview, on a real database (SQLite and PostgreSQL): the preview's fingerprint is the
// content hash of the bundle Publish would store; a publish carrying a stale one stores nothing (no
// revision, no audit row), one carrying the current one stores exactly the previewed files and records
// the fingerprint in its audit row. Through the service and through the server action.
import { describe, expect, it } from "vitest";
import { runWithSession } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { createUser } from "@/lib/users/service";
import { publishConfigAction } from "./actions";
import { bundleHash } from "./hash";
import { publishPreview } from "./queries";
import { bundleOf, compileCurrent, PreviewChangedError, publishConfig } from "./service";

async function totals() {
  return { revisions: await db.configRevision.count(), events: await db.auditEvent.count() };
}

async function preview() {
  const p = await publishPreview();
  if (!p.ok) throw new Error(`the preview failed: ${p.error}`);
  return p;
}

describe(`publishing from a preview (${process.env.TEST_DB})`, () => {
  it("previews the first publish as every file added, and stores exactly the previewed files", async () => {
    const a = await makeVhost("a.preview.test");
    const p = await preview();
    expect(p.latest).toBeNull();
    expect(p.upToDate).toBe(false);
    expect(p.changes).toEqual({ added: ["a.preview.test"], removed: [], changed: [], shared: [] });
    expect(p.vhostIds).toEqual({ "a.preview.test": a.id });
    expect(p.files.map((f) => [f.path, f.status])).toEqual([
      ["modsecurity/main.conf", "added"],
      ["nginx.conf", "added"],
      ["rules/a.preview.test.conf", "added"],
      ["vhosts/a.preview.test.conf", "added"],
    ]);
    const previewed = (await compileCurrent()).bundle.files;
    expect(p.fingerprint).toBe(bundleHash(previewed));

    const r = await publishConfig(admin, { basedOn: null, previewed: p.fingerprint, checker: passingChecker });
    expect(r.status).toBe("published");
    const stored = await db.configRevision.findUniqueOrThrow({ where: { number: 1 } });
    expect(stored.contentHash).toBe(p.fingerprint);
    expect(bundleOf(stored)).toEqual(previewed);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "config.publish" }, orderBy: { seq: "desc" } });
    expect(event.entityId).toBe(stored.id);
    expect(event.after).toMatchObject({ number: 1, contentHash: p.fingerprint, previewed: p.fingerprint });

    expect(await preview()).toMatchObject({ upToDate: true, latest: { number: 1 }, changes: { added: [], removed: [], changed: [], shared: [] } });
  });

  it("refuses a stale fingerprint and stores nothing; the fresh preview then publishes", async () => {
    const a = await db.virtualHost.findUniqueOrThrow({ where: { domain: "a.preview.test" } });
    await changePolicy(a.id, { inboundThreshold: 3 });
    const seen = await preview();
    expect(seen.changes.changed).toEqual(["a.preview.test"]);
    expect(seen.files.find((f) => f.path === "rules/a.preview.test.conf")).toMatchObject({ status: "changed" });

    // Someone changes the policy again between the preview and the publish.
    await changePolicy(a.id, { inboundThreshold: 4 });
    const before = await totals();
    const err = await publishConfig(admin, { basedOn: 1, previewed: seen.fingerprint, checker: passingChecker }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreviewChangedError);
    expect((err as Error).message).toMatch(/^The configuration changed since this preview/);
    expect(await totals()).toEqual(before);

    const fresh = await preview();
    expect(fresh.fingerprint).not.toBe(seen.fingerprint);
    const r = await publishConfig(admin, { basedOn: 1, previewed: fresh.fingerprint, checker: passingChecker });
    expect(r.status).toBe("published");
    const stored = await db.configRevision.findUniqueOrThrow({ where: { number: 2 } });
    expect(stored.contentHash).toBe(fresh.fingerprint);
    expect(bundleOf(stored)["rules/a.preview.test.conf"]).toContain("tx.inbound_anomaly_score_threshold=4");
  });

  it("the action answers preview-changed for a stale fingerprint or a newer revision, and publishes the current preview", async () => {
    const u = await createUser(admin, { email: "publisher@preview.test", name: "Publisher", role: "ADMIN", password: "preview-password-1" });
    const claim = { uid: u.id, sv: u.sessionVersion };
    await makeVhost("b.preview.test");
    const seen = await preview();
    await makeVhost("c.preview.test");
    const before = await totals();

    const stale = await runWithSession(claim, () => publishConfigAction({ basedOn: 2, previewed: seen.fingerprint }));
    expect(stale).toEqual({ ok: true, data: { status: "preview-changed", message: expect.stringMatching(/^The configuration changed since this preview/) } });
    const oldBasis = await runWithSession(claim, () => publishConfigAction({ basedOn: 1, previewed: seen.fingerprint }));
    expect(oldBasis).toEqual({ ok: true, data: { status: "preview-changed", message: expect.stringMatching(/^The configuration changed since this preview: Revision 2 was published/) } });
    // Without a fingerprint there is nothing to publish from.
    expect(await runWithSession(claim, () => publishConfigAction({ basedOn: 2 } as never))).toMatchObject({ ok: false, fieldErrors: { previewed: ["Open the preview and publish from there."] } });
    expect(await totals()).toEqual(before);

    const fresh = await preview();
    expect(fresh.changes.added).toEqual(["b.preview.test", "c.preview.test"]);
    const ok = await runWithSession(claim, () => publishConfigAction({ basedOn: 2, previewed: fresh.fingerprint }));
    expect(ok).toMatchObject({ ok: true, data: { status: "published", revision: { number: 3, contentHash: fresh.fingerprint } } });
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "config.publish" }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ actorEmail: "publisher@preview.test" });
    expect(event.after).toMatchObject({ number: 3, previewed: fresh.fingerprint });
  });
});
