// What Publish would change, on a real database (SQLite and PostgreSQL): the vhost list's marks for a
// page's vhosts equal those of the computation over every vhost, and the results this module keeps in
// memory (the revision's file hashes, the last compilation) never outlive a change: after each change the
// answers equal those of a fresh module that keeps nothing.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { createCustomRule } from "@/lib/rules/service";
import { setVhostEnabled, deleteVhost } from "@/lib/vhosts/service";
import { publishConfig, rollbackConfig } from "./service";
import { publishStatus, unpublishedAmong, unpublishedVhostIds } from "./status";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";

const byDomain = new Map<string, string>();
const id = (domain: string) => byDomain.get(domain)!;

async function vhost(domain: string, patch: Parameters<typeof makeVhost>[1] = {}) {
  const v = await makeVhost(`${domain}.status.test`, patch);
  byDomain.set(domain, v.id);
  return v;
}

async function version(vhostId: string) {
  return (await db.virtualHost.findUniqueOrThrow({ where: { id: vhostId } })).version;
}

async function latestNumber() {
  return (await db.configRevision.findFirst({ orderBy: { number: "desc" } }))?.number ?? null;
}

/** publishStatus of a freshly imported module: nothing kept from earlier calls. */
async function coldStatus() {
  vi.resetModules();
  const fresh = await import("./status");
  return fresh.publishStatus();
}

/** Every vhost id, in pages of `size` by domain, as the list shows them. */
async function pages(size: number): Promise<string[][]> {
  const all = await db.virtualHost.findMany({ orderBy: { domain: "asc" }, select: { id: true } });
  const out: string[][] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.slice(i, i + size).map((v) => v.id));
  return out;
}

/** unpublishedAmong for each page (and each vhost alone) equals the page's share of the full computation. */
async function expectPageMarksEqualFull() {
  const full = await unpublishedVhostIds();
  for (const size of [1, 3, 25]) {
    for (const page of await pages(size)) {
      expect([...(await unpublishedAmong(page))].sort(), `pages of ${size}`).toEqual(page.filter((i) => full.has(i)).sort());
    }
  }
  return full;
}

const states = async () => Object.fromEntries((await publishStatus()).vhosts.map((s) => [s.domain.replace(".status.test", ""), s.state]));

beforeAll(async () => {
  for (const d of ["same1", "same2", "changed", "removed", "broken", "gone"]) await vhost(d);
  await createCustomRule(admin, { vhostId: id("same2"), ruleId: 7001, description: "Block admin", secRule: 'SecRule REQUEST_URI "@beginsWith /admin" "id:7001,phase:1,deny"', enabled: true });
  const r = await publishConfig(admin, { basedOn: null, checker: passingChecker });
  if (r.status !== "published") throw new Error("not published");

  await changePolicy(id("changed"), { inboundThreshold: 12 });
  await setVhostEnabled(admin, { id: id("removed"), version: await version(id("removed")), enabled: false });
  // The services never store such a value; a database edited by hand can hold anything.
  await db.virtualHost.update({ where: { id: id("broken") }, data: { backendUrl: "http://bad host" } });
  await deleteVhost(admin, { id: id("gone"), version: await version(id("gone")) });
  await vhost("fresh");
  await vhost("offnever", { enabled: false });
});

describe(`unpublished marks (${process.env.TEST_DB})`, () => {
  it("marks changed, disabled-but-published, uncompilable and never-published vhosts, the same for a page as for all", async () => {
    const full = await expectPageMarksEqualFull();
    expect(full).toEqual(new Set([id("changed"), id("removed"), id("broken"), id("fresh")]));
    expect(await unpublishedAmong([id("same1"), id("offnever"), id("fresh"), "00000000-0000-4000-8000-000000000000"])).toEqual(new Set([id("fresh")]));
    expect(await unpublishedAmong([])).toEqual(new Set());

    const status = await publishStatus();
    expect(await states()).toEqual({ same1: "published", same2: "published", changed: "changed", removed: "removed", broken: "invalid", fresh: "new", offnever: "disabled" });
    expect(status.vhosts.find((s) => s.id === id("broken"))!.error).toMatch(/^Virtual host "broken\.status\.test": backendUrl: /);
    expect(status.deletedDomains).toEqual(["gone.status.test"]);
    expect(status.draft).toMatchObject({ ok: false, vhost: "broken.status.test", vhostId: id("broken"), field: "backendUrl" });
    expect(status.latest).toMatchObject({ number: 1, createdByEmail: admin.actor.email });
    expect(await coldStatus()).toEqual(status);
  });

  it("follows each change, each publish and a rollback, as a fresh computation does", async () => {
    await publishStatus(); // warm: the next answers must not be the kept ones
    await db.virtualHost.update({ where: { id: id("broken") }, data: { backendUrl: "http://127.0.0.1:9" } });
    let status = await publishStatus();
    expect(status.draft).toMatchObject({ ok: true, upToDate: false });
    expect(status.vhosts.find((s) => s.id === id("broken"))!.state).toBe("published");
    expect(await coldStatus()).toEqual(status);

    await changePolicy(id("same1"), { engineMode: "DETECTION_ONLY" });
    expect((await publishStatus()).vhosts.find((s) => s.id === id("same1"))!.state).toBe("changed");
    expect(await unpublishedAmong([id("same1")])).toEqual(new Set([id("same1")]));

    const r = await publishConfig(admin, { basedOn: 1, checker: passingChecker });
    expect(r.status).toBe("published");
    status = await publishStatus();
    expect(status.draft).toMatchObject({ ok: true, upToDate: true });
    expect(status.deletedDomains).toEqual([]);
    expect(await states()).toEqual({ same1: "published", same2: "published", changed: "published", broken: "published", fresh: "published", removed: "disabled", offnever: "disabled" });
    expect(await expectPageMarksEqualFull()).toEqual(new Set());
    expect(await coldStatus()).toEqual(status);

    // Revision 3 has revision 1's content: a new number with an old hash.
    const back = await rollbackConfig(admin, { revision: 1, basedOn: 2, checker: passingChecker });
    expect(back.status).toBe("published");
    status = await publishStatus();
    expect(status.latest!.number).toBe(3);
    expect(status.draft).toMatchObject({ ok: true, upToDate: false });
    expect(await states()).toMatchObject({ same1: "changed", changed: "changed", removed: "removed", fresh: "new", same2: "published" });
    expect(status.deletedDomains).toEqual(["gone.status.test"]);
    expect(await expectPageMarksEqualFull()).toEqual(new Set([id("same1"), id("changed"), id("removed"), id("fresh")]));
    expect(await coldStatus()).toEqual(status);
  });

  it("compiles vhosts one by one when only the whole refuses (a name served twice), and says why", async () => {
    await db.virtualHost.update({ where: { id: id("same2") }, data: { aliases: ["fresh.status.test"] } });
    const status = await publishStatus();
    expect(status.draft).toMatchObject({ ok: false, vhost: "same2.status.test", vhostId: id("same2"), field: "aliases" });
    expect(status.draft.ok === false && status.draft.error).toMatch(/fresh\.status\.test is already served by vhost fresh\.status\.test/);
    // Each compiles alone: same2's server block changed (its alias), fresh's is still unpublished.
    expect(await states()).toMatchObject({ same2: "changed", fresh: "new", same1: "changed", broken: "published" });
    expect(await coldStatus()).toEqual(status);
    expect(await expectPageMarksEqualFull()).toEqual(new Set([id("same1"), id("same2"), id("changed"), id("removed"), id("fresh")]));
  });
});
