// Config as code on a real database (SQLite and PostgreSQL): export → apply → export round trips, the dry
// run writes nothing, apply is all or nothing (a refused change or a database error midway), a plan made on
// another state is refused, and every change has its audit row in a chain that still verifies.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditContext } from "@/lib/audit/audited";
import { verifyChain } from "@/lib/audit/verify";
import { db } from "@/lib/db";
import { ForbiddenError } from "@/lib/errors";
import { addIpEntries } from "@/lib/policies/service";
import { createCustomRule, createExclusion, moveCustomRule } from "@/lib/rules/service";
import { admin as system, changePolicy, makeVhost } from "@/lib/testing/config-fixtures";
import { createTemplate } from "@/lib/templates/service";
import { createUser, setUserDisabled } from "@/lib/users/service";
import { applyConfig, ConfigApplyError, ConfigChangedError, configActor, exportConfig, planConfig } from "./service";
import { parseConfigYaml, type DesiredConfig } from "./yaml-file";

const RICH = readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/rich.yaml"), "utf8");
const EMPTY = "version: 1\n";

let ctx: AuditContext;

beforeAll(async () => {
  await createUser(system, { email: "cc-admin@example.test", name: "Config Admin", role: "ADMIN", password: "config-admin-password" });
  await createUser(system, { email: "cc-editor@example.test", name: "Config Editor", role: "EDITOR", password: "config-editor-password" });
  ctx = await configActor("cc-admin@example.test");
});

function desired(text: string): DesiredConfig {
  const r = parseConfigYaml(text);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path} ${p.message}`).join("\n"));
  return r.config;
}

async function apply(text: string, options: Partial<Parameters<typeof applyConfig>[2]> = {}) {
  const file = desired(text);
  const { fingerprint } = await planConfig(file);
  return applyConfig(ctx, file, { fingerprint, source: "test.yaml", ...options });
}

async function headSeq() {
  return (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
}

/** Everything apply could touch, and the audit chain's head: equal before and after means nothing changed. */
async function snapshot() {
  return { yaml: await exportConfig(), head: await headSeq() };
}

async function expectChainIntact() {
  const report = await verifyChain();
  expect(report.ok, JSON.stringify(report.broken)).toBe(true);
}

describe(`config as code (${process.env.TEST_DB})`, () => {
  it("round trip: the rich file applied to an empty database exports byte for byte, one audit row per change", async () => {
    await apply(EMPTY);
    expect(await exportConfig()).toBe("# Palisade configuration (npm run config:export). Apply with: npm run config:apply -- FILE [--dry-run] --as ADMIN_EMAIL\n# The file is the whole desired state: a virtual host or custom template left out is deleted on apply.\n# Custom rules run in the order listed; every other list is sorted.\n\nversion: 1\ntemplates: []\nvhosts: []\n");
    const before = await headSeq();

    const plan = await apply(RICH);
    expect(plan.counts).toEqual({ create: 20, update: 0, delete: 0 });
    expect(await exportConfig()).toBe(RICH);

    const rows = await db.auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: "asc" } });
    expect(new Set(rows.map((r) => r.actorEmail))).toEqual(new Set(["cc-admin@example.test"]));
    expect(rows.every((r) => r.actorId === ctx.actor.id)).toBe(true);
    const actions = rows.map((r) => r.action);
    expect(actions.filter((a) => a === "vhost.create")).toHaveLength(3);
    expect(actions.filter((a) => a === "template.create")).toHaveLength(2);
    expect(actions.filter((a) => a === "customrule.create")).toHaveLength(2);
    expect(actions.filter((a) => a === "exclusion.create")).toHaveLength(6);
    expect(actions.filter((a) => a === "iplist.add")).toHaveLength(3);
    // Two vhosts differ from CRS's defaults, which a new vhost starts with.
    expect(actions.filter((a) => a === "policy.update")).toHaveLength(2);
    expect(actions.at(-1)).toBe("config.apply");
    expect(rows.at(-1)!.summary).toMatch(/^Applied the configuration file test\.yaml \(sha256 [0-9a-f]{12}\): 20 created, 0 updated, 0 deleted$/);
    await expectChainIntact();

    // The same file again: nothing to do, and nothing written (not even an audit row).
    const head = await headSeq();
    expect((await apply(RICH)).ops).toEqual([]);
    expect(await headSeq()).toBe(head);
  });

  it("round trip from a state made in the panel: export, delete everything, apply the export, export the same", async () => {
    await apply(EMPTY);
    const a = await makeVhost("panel.example.net", { aliases: "www.panel.example.net" });
    const b = await makeVhost("zzz.example.net", { tlsMode: "TERMINATE", certificateRef: "zzz", hsts: true });
    await changePolicy(a.id, { engineMode: "DETECTION_ONLY", blockingParanoia: 2, detectionParanoia: 4, inboundThreshold: 9 });
    for (const id of [30001, 30002, 30003]) {
      await createCustomRule(system, { vhostId: a.id, ruleId: id, description: `Rule ${id}`, secRule: `SecRule ARGS:q${id} "@rx evil" "id:${id},phase:2,deny,log"`, enabled: id !== 30002 });
    }
    const third = await db.customRule.findUniqueOrThrow({ where: { ruleId: 30003 } });
    await moveCustomRule(system, { vhostId: a.id, id: third.id, direction: "up" });
    await moveCustomRule(system, { vhostId: a.id, id: third.id, direction: "up" });
    await createExclusion(system, { vhostId: a.id, kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:q", pathPrefix: "/search", note: "search" });
    await createExclusion(system, { vhostId: b.id, kind: "REMOVE_BY_TAG", tag: "attack-rce" });
    await addIpEntries(system, { vhostId: a.id, kind: "DENY", text: "2001:db8:66::/48 bad net\n198.51.100.0/25", confirmWide: false });
    await addIpEntries(system, { vhostId: b.id, kind: "ALLOW", text: "0.0.0.0/0", confirmWide: true });
    await createTemplate(system, { name: "From the panel", description: "made in a form", engineMode: "BLOCKING", blockingParanoia: 3, detectionParanoia: 3, inboundThreshold: 12, outboundThreshold: 6, exclusions: [{ kind: "REMOVE_BY_ID", ruleId: 920100, ruleIdEnd: 920120 }] });

    const exported = await exportConfig();
    expect(exported).toContain("      - ruleId: 30003\n");
    expect(exported.indexOf("ruleId: 30003")).toBeLessThan(exported.indexOf("ruleId: 30001"));
    expect(exported).toContain("    confirmWideIpRanges: true\n");
    expect(exported).toContain("    confirmInternalBackend: true\n"); // makeVhost's backend is 127.0.0.1

    const deleted = await apply(EMPTY);
    expect(deleted.counts).toEqual({ create: 0, update: 0, delete: 3 });
    expect(await db.virtualHost.count()).toBe(0);
    await apply(exported);
    expect(await exportConfig()).toBe(exported);
    await expectChainIntact();
  });

  it("a dry run (the plan) writes nothing", async () => {
    await apply(RICH);
    const before = await snapshot();
    const changed = RICH.replace("inboundThreshold: 7", "inboundThreshold: 8").replace(/  - domain: api\.example\.com\n(    .*\n)+/, "");
    const { plan } = await planConfig(desired(changed));
    expect(plan.counts).toEqual({ create: 0, update: 1, delete: 1 });
    expect(await snapshot()).toEqual(before);
  });

  it("all or nothing: a change its service refuses midway leaves everything as it was, and names the line", async () => {
    await apply(RICH);
    const before = await snapshot();
    // Deletes api.example.com and changes a template first; the new vhost's internal backend lacks its confirmation.
    const text = RICH.replace(/  - domain: api\.example\.com\n(    .*\n)+/, "")
      .replace('description: "WordPress: the editor posts HTML"', "description: changed")
      .replace("vhosts:\n", "vhosts:\n  - domain: aaa-internal.example\n    backendUrl: http://127.0.0.1:9000\n    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}\n");
    const file = desired(text);
    const { plan, fingerprint } = await planConfig(file);
    expect(plan.ops.map((o) => `${o.op} ${o.type}`)).toEqual(["delete vhost", "create vhost", "update template"]);
    const err = await applyConfig(ctx, file, { fingerprint, source: "test.yaml" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    const refused = err as ConfigApplyError;
    expect(refused.path).toEqual(["vhosts", 0]);
    expect(refused.problems[0]!.field).toBe("backendUrl");
    expect(file.locate([...refused.path!, "backendUrl"]).line).toBe(text.split("\n").indexOf("    backendUrl: http://127.0.0.1:9000") + 1);
    expect(await snapshot()).toEqual(before);

    // With the confirmation the same file applies.
    await apply(text.replace("backendUrl: http://127.0.0.1:9000\n", "backendUrl: http://127.0.0.1:9000\n    confirmInternalBackend: true\n"));
    expect(await exportConfig()).toContain("aaa-internal.example");
    await expectChainIntact();
  });

  it("all or nothing: a database error midway rolls back the changes made before it", async () => {
    await apply(RICH);
    const before = await snapshot();
    const text = RICH.replace("inboundThreshold: 7", "inboundThreshold: 8").replace("note: office\n", "note: head office\n").replace("ruleId: 942100\n", "ruleId: 942101\n");
    let ran = 0;
    const err = await apply(text, {
      afterEachChange: async (tx, index) => {
        ran = index + 1;
        if (index === 2) await tx.$executeRawUnsafe('INSERT INTO "NoSuchTable" (x) VALUES (1)');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ConfigApplyError);
    expect(ran).toBe(3);
    expect(await snapshot()).toEqual(before);
    await expectChainIntact();
  });

  it("refuses a plan made on a state that changed before apply", async () => {
    await apply(RICH);
    const file = desired(RICH.replace("inboundThreshold: 7", "inboundThreshold: 8"));
    const { fingerprint } = await planConfig(file);
    const api = await db.virtualHost.findUniqueOrThrow({ where: { domain: "api.example.com" } });
    await changePolicy(api.id, { outboundThreshold: 6 }); // someone saves in the panel meanwhile
    const after = await snapshot();
    await expect(applyConfig(ctx, file, { fingerprint, source: "test.yaml" })).rejects.toBeInstanceOf(ConfigChangedError);
    expect(await snapshot()).toEqual(after);
  });

  it("acts only as an enabled ADMIN", async () => {
    await expect(configActor("cc-editor@example.test")).rejects.toThrow(/EDITOR: only an ADMIN may apply/);
    await expect(configActor("nobody@example.test")).rejects.toBeInstanceOf(ForbiddenError);
    await createUser(system, { email: "cc-gone@example.test", name: "Gone", role: "ADMIN", password: "config-gone-password" });
    const gone = await db.user.findUniqueOrThrow({ where: { email: "cc-gone@example.test" } });
    await setUserDisabled(system, { id: gone.id, disabled: true });
    await expect(configActor("CC-Gone@example.test")).rejects.toThrow(/No enabled user/);
    expect((await configActor(" CC-Admin@Example.test ")).actor.email).toBe("cc-admin@example.test");
  });
});
