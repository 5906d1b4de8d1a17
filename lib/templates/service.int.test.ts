// Policy templates and policy copying against a real database (once on SQLite, once on PostgreSQL).
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditContext } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { ConflictError, FieldValidationError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { createUser } from "@/lib/users/service";
import { CreateVhostSchema, EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";
import { createVhost } from "@/lib/vhosts/service";
import { BUILT_IN_TEMPLATES } from "./builtin";
import { builtInTemplatesOutdated, getTemplate, listTemplates } from "./queries";
import { CopyPolicySchema, EMPTY_EXCLUSION_ROW, EMPTY_TEMPLATE_FORM, TemplateFormSchema, UpdateTemplateSchema, type TemplateFormValues } from "./schema";
import { copyPolicy, createTemplate, deleteTemplate, ensureBuiltInTemplates, updateTemplate } from "./service";

const system: AuditContext = { actor: { id: null, email: "system@palisade.test" } };
let admin: AuditContext;
let editor: AuditContext;

beforeAll(async () => {
  const a = await createUser(system, { email: "tpl-admin@palisade.test", name: "Admin", role: "ADMIN", password: "admin-password-123" });
  const e = await createUser(system, { email: "tpl-editor@palisade.test", name: "Editor", role: "EDITOR", password: "editor-password-123" });
  admin = { actor: { id: a.id, email: a.email } };
  editor = { actor: { id: e.id, email: e.email } };
});

/** Form values as the browser sends them, through the same schema as the action. */
function form(name: string, patch: Partial<TemplateFormValues> = {}) {
  return TemplateFormSchema.parse({ ...EMPTY_TEMPLATE_FORM, name, description: `${name} description`, ...patch });
}

const sqliExclusion = { ...EMPTY_EXCLUSION_ROW, kind: "REMOVE_TARGET_BY_ID" as const, ruleId: "942100", target: "ARGS:query", pathPrefix: "/search", note: "search box" };
const rangeExclusion = { ...EMPTY_EXCLUSION_ROW, kind: "REMOVE_BY_ID" as const, ruleId: "920300", ruleIdEnd: "920310" };

function newVhost(domain: string, templateId?: string) {
  return createVhost(editor, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain, backendUrl: "http://10.0.0.9", templateId: templateId ?? "" }));
}

async function caught(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

describe(`templates (${process.env.TEST_DB})`, () => {
  describe("built-in templates", () => {
    it("are never written by a read: listing a database without them writes nothing", async () => {
      const head = await db.auditChainHead.findUnique({ where: { id: 1 } });
      expect(await listTemplates()).toEqual([]);
      expect(await builtInTemplatesOutdated()).toBe(true);
      expect(await db.policyTemplate.count()).toBe(0);
      expect(await db.auditEvent.count()).toBe(2); // the two users of beforeAll
      expect(await db.auditChainHead.findUnique({ where: { id: 1 } })).toEqual(head);
    });

    it("are written by ensureBuiltInTemplates (npm run db:migrate), audited, in their fixed order, and never twice", async () => {
      expect(await ensureBuiltInTemplates(system)).toEqual({ created: ["balanced", "strict", "API"], updated: [] });
      const list = await listTemplates();
      expect(list.map((t) => t.name)).toEqual(["balanced", "strict", "API"]);
      expect(await builtInTemplatesOutdated()).toBe(false);
      expect(list.every((t) => t.builtIn && t.version === 1)).toBe(true);
      expect(list[1]!.policy).toMatchObject({ engineMode: "BLOCKING", blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 5, outboundThreshold: 4 });
      expect(list[2]!.policy).toMatchObject({ engineMode: "BLOCKING", blockingParanoia: 1, inboundThreshold: 5, exclusions: [] });
      expect(list[0]!.summary).toBe("Blocking, paranoia 1, thresholds 5 / 4, no exclusions");
      const events = await db.auditEvent.findMany({ where: { entityType: "PolicyTemplate" }, orderBy: { seq: "asc" } });
      expect(events.map((e) => e.summary)).toEqual(BUILT_IN_TEMPLATES.map((t) => `Added the built-in template "${t.name}"`));
      expect(events[0]!.actorEmail).toBe(system.actor.email);

      const head = (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
      expect(await ensureBuiltInTemplates(system)).toEqual({ created: [], updated: [] });
      await Promise.all([listTemplates(), ensureBuiltInTemplates(system), ensureBuiltInTemplates(system)]);
      expect(await db.policyTemplate.count()).toBe(3);
      // Nothing to do writes nothing, not even an empty slot in the audit chain.
      expect((await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq).toBe(head);
    });

    it("a drifted built-in is shown as stored and flagged; listing does not rewrite it", async () => {
      const strict = await db.policyTemplate.findUniqueOrThrow({ where: { name: "strict" } });
      await db.policyTemplate.update({ where: { id: strict.id }, data: { description: "an older text" } });
      const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
      expect((await listTemplates()).find((t) => t.name === "strict")!.description).toBe("an older text");
      expect(await builtInTemplatesOutdated()).toBe(true);
      expect(await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual(head);
      expect(await ensureBuiltInTemplates(system)).toEqual({ created: [], updated: ["strict"] });
      expect(await builtInTemplatesOutdated()).toBe(false);
    });

    it("are brought back to the code's version when their row drifted", async () => {
      const strict = (await db.policyTemplate.findUniqueOrThrow({ where: { name: "strict" } }))!;
      await db.policyTemplate.update({ where: { id: strict.id }, data: { policy: { ...(strict.policy as object), inboundThreshold: 50 } } });
      expect(await ensureBuiltInTemplates(system)).toEqual({ created: [], updated: ["strict"] });
      const now = await db.policyTemplate.findUniqueOrThrow({ where: { id: strict.id } });
      expect(now.policy).toMatchObject({ inboundThreshold: 5 });
      expect(now.version).toBe(strict.version + 1);
    });

    it("cannot be edited or deleted, and their names are reserved in any letter case", async () => {
      const balanced = (await listTemplates()).find((t) => t.name === "balanced")!;
      await expect(updateTemplate(admin, UpdateTemplateSchema.parse({ ...form("balanced"), id: balanced.id, version: balanced.version }))).rejects.toBeInstanceOf(ForbiddenError);
      await expect(deleteTemplate(admin, { id: balanced.id, version: balanced.version })).rejects.toBeInstanceOf(ForbiddenError);
      const err = await caught(() => createTemplate(admin, form("Strict")));
      expect((err as FieldValidationError).fieldErrors).toEqual({ name: ['"Strict" is the name of a built-in template: choose another.'] });
    });
  });

  describe("custom templates", () => {
    it("create, update with optimistic locking, and delete, each audited with before and after", async () => {
      const t = await createTemplate(admin, form("Shop", { blockingParanoia: 2, detectionParanoia: 2, inboundThreshold: 7, exclusions: [sqliExclusion] }));
      expect(t).toMatchObject({ name: "Shop", builtIn: false, version: 1 });
      expect(t.policy).toEqual({
        engineMode: "BLOCKING",
        blockingParanoia: 2,
        detectionParanoia: 2,
        inboundThreshold: 7,
        outboundThreshold: 4,
        exclusions: [{ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:query", pathPrefix: "/search", note: "search box" }],
      });

      const u = await updateTemplate(admin, UpdateTemplateSchema.parse({ ...form("Shop v2", { exclusions: [] }), id: t.id, version: 1 }));
      expect(u).toMatchObject({ name: "Shop v2", version: 2 });

      // A save based on version 1 comes too late: refused, naming who saved, nothing changed.
      const stale = await caught(() => updateTemplate(admin, UpdateTemplateSchema.parse({ ...form("Shop v3"), id: t.id, version: 1 })));
      expect(stale).toBeInstanceOf(ConflictError);
      expect(stale).toMatchObject({ savedBy: "tpl-admin@palisade.test", currentVersion: 2 });
      expect((await getTemplate(t.id))!.name).toBe("Shop v2");
      await expect(deleteTemplate(admin, { id: t.id, version: 1 })).rejects.toBeInstanceOf(ConflictError);

      await deleteTemplate(admin, { id: t.id, version: 2 });
      expect(await getTemplate(t.id)).toBeNull();
      await expect(deleteTemplate(admin, { id: t.id, version: 2 })).rejects.toBeInstanceOf(NotFoundError);

      const events = await db.auditEvent.findMany({ where: { entityId: t.id }, orderBy: { seq: "asc" } });
      expect(events.map((e) => e.action)).toEqual(["template.create", "template.update", "template.delete"]);
      expect(events[1]!.summary).toBe('Updated the template "Shop v2": name, description, policy');
      expect(events[1]!.before).toMatchObject({ name: "Shop", version: 1 });
      expect(events[1]!.after).toMatchObject({ name: "Shop v2", version: 2 });
      expect(events[2]!.before).toMatchObject({ name: "Shop v2" });
    });

    it("lets exactly one of two concurrent saves of the same version win", async () => {
      const t = await createTemplate(admin, form("Race"));
      const results = await Promise.allSettled([
        updateTemplate(admin, UpdateTemplateSchema.parse({ ...form("Race", { inboundThreshold: 8 }), id: t.id, version: 1 })),
        updateTemplate(admin, UpdateTemplateSchema.parse({ ...form("Race", { inboundThreshold: 9 }), id: t.id, version: 1 })),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect((await db.policyTemplate.findUniqueOrThrow({ where: { id: t.id } })).version).toBe(2);
    });

    it("refuses duplicate names (any case) and bad policies with field errors", async () => {
      await createTemplate(admin, form("Blog"));
      const dup = await caught(() => createTemplate(admin, form("BLOG")));
      expect((dup as FieldValidationError).fieldErrors).toEqual({ name: ['A template named "Blog" already exists.'] });

      const bad = TemplateFormSchema.safeParse({ ...EMPTY_TEMPLATE_FORM, name: "x", blockingParanoia: 3, detectionParanoia: 2, exclusions: [{ ...rangeExclusion, ruleIdEnd: "920200" }, { ...EMPTY_EXCLUSION_ROW, kind: "REMOVE_BY_ID", ruleId: "949110" }] });
      expect(bad.success).toBe(false);
      const paths = bad.error!.issues.map((i) => i.path.join("."));
      expect(paths).toEqual(expect.arrayContaining(["detectionParanoia", "exclusions.0.ruleIdEnd", "exclusions.1.ruleId"]));
      const twice = TemplateFormSchema.safeParse({ ...EMPTY_TEMPLATE_FORM, name: "x", exclusions: [sqliExclusion, { ...sqliExclusion, note: "again" }] });
      expect(twice.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([["exclusions.1.kind", "This repeats exclusion 1."]]);
    });
  });

  describe("createVhost from a template", () => {
    it("uses the template's policy and exclusions in the same audited transaction", async () => {
      const t = await createTemplate(admin, form("Api strict", { blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 10, outboundThreshold: 8, exclusions: [sqliExclusion, rangeExclusion] }));
      const v = await newVhost("from-template.test", t.id);
      const policy = await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } });
      expect(policy).toMatchObject({ engineMode: "BLOCKING", blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 10, outboundThreshold: 8, version: 1 });
      const exclusions = await db.ruleExclusion.findMany({ where: { vhostId: v.id }, orderBy: { createdAt: "asc" } });
      expect(exclusions.map(({ kind, ruleId, ruleIdEnd, target, pathPrefix }) => ({ kind, ruleId, ruleIdEnd, target, pathPrefix }))).toEqual([
        { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, ruleIdEnd: null, target: "ARGS:query", pathPrefix: "/search" },
        { kind: "REMOVE_BY_ID", ruleId: 920300, ruleIdEnd: 920310, target: null, pathPrefix: null },
      ]);
      const [e] = await db.auditEvent.findMany({ where: { action: "vhost.create", entityId: v.id } });
      expect(e!.summary).toBe('Created virtual host from-template.test → http://10.0.0.9 from the template "Api strict" (Blocking, paranoia 2 (logging up to 3), thresholds 10 / 8, 2 exclusions)');
      expect(e!.after).toMatchObject({ template: { id: t.id, name: "Api strict", version: 1 }, policy: { blockingParanoia: 2 }, exclusions: [{ ruleId: 942100 }, { ruleId: 920300 }] });
    });

    it("from a built-in template; a deleted template is a field error and nothing is written", async () => {
      const strict = (await listTemplates()).find((t) => t.name === "strict")!;
      const v = await newVhost("strict.test", strict.id);
      expect(await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } })).toMatchObject({ blockingParanoia: 2, detectionParanoia: 3 });

      const gone = await createTemplate(admin, form("Gone"));
      await deleteTemplate(admin, { id: gone.id, version: 1 });
      const before = await db.auditEvent.count();
      const err = await caught(() => newVhost("gone.test", gone.id));
      expect((err as FieldValidationError).fieldErrors).toEqual({ templateId: ["That template no longer exists: choose another, or none."] });
      expect(await db.virtualHost.findUnique({ where: { domain: "gone.test" } })).toBeNull();
      expect(await db.auditEvent.count()).toBe(before);
    });
  });

  describe("copyPolicy", () => {
    it("copies mode, paranoia and thresholds from another vhost, keeps exclusions, bumps the version", async () => {
      const src = await newVhost("copy-src.test", (await createTemplate(admin, form("Src", { engineMode: "DETECTION_ONLY", blockingParanoia: 3, detectionParanoia: 4, inboundThreshold: 12, outboundThreshold: 9, exclusions: [sqliExclusion] }))).id);
      const dst = await newVhost("copy-dst.test", (await createTemplate(admin, form("Dst", { exclusions: [rangeExclusion] }))).id);
      const input = CopyPolicySchema.parse({ vhostId: dst.id, source: `vhost:${src.id}`, replaceExclusions: false, policyVersion: 1 });
      const r = await copyPolicy(editor, input);
      expect(r.policy).toMatchObject({ engineMode: "DETECTION_ONLY", blockingParanoia: 3, detectionParanoia: 4, inboundThreshold: 12, outboundThreshold: 9, version: 2, updatedByEmail: "tpl-editor@palisade.test" });
      expect((await db.ruleExclusion.findMany({ where: { vhostId: dst.id } })).map((e) => e.ruleId)).toEqual([920300]);
      const [e] = await db.auditEvent.findMany({ where: { action: "policy.copy", vhostId: dst.id } });
      expect(e!.summary).toBe(
        "Copied the policy of copy-src.test to copy-dst.test: engineMode BLOCKING → DETECTION_ONLY, blockingParanoia 1 → 3, detectionParanoia 1 → 4, inboundThreshold 5 → 12, outboundThreshold 4 → 9; exclusions kept",
      );
      expect(e!.before).toEqual({ policy: { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4, version: 1 } });
      expect(e!.after).toMatchObject({ policy: { engineMode: "DETECTION_ONLY", version: 2 }, copiedFrom: { vhost: { id: src.id, domain: "copy-src.test" } } });

      // With replaceExclusions, the exclusions become the source's, recorded before and after.
      await copyPolicy(editor, { ...input, replaceExclusions: true, policyVersion: 2 });
      const now = await db.ruleExclusion.findMany({ where: { vhostId: dst.id } });
      expect(now.map((x) => [x.ruleId, x.target])).toEqual([[942100, "ARGS:query"]]);
      const [e2] = await db.auditEvent.findMany({ where: { action: "policy.copy", vhostId: dst.id }, orderBy: { seq: "desc" }, take: 1 });
      expect(e2!.summary).toMatch(/same settings; exclusions replaced \(1 → 1\)$/);
      expect(e2!.before).toMatchObject({ exclusions: [{ ruleId: 920300, ruleIdEnd: 920310 }] });
      expect(e2!.after).toMatchObject({ exclusions: [{ ruleId: 942100, target: "ARGS:query" }] });
      // The source is untouched.
      expect(await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: src.id } })).toMatchObject({ version: 1 });
    });

    it("applies a template to an existing vhost", async () => {
      const v = await newVhost("apply.test");
      const strict = (await listTemplates()).find((t) => t.name === "strict")!;
      await copyPolicy(editor, { vhostId: v.id, source: `template:${strict.id}`, replaceExclusions: true, policyVersion: 1 });
      expect(await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: v.id } })).toMatchObject({ blockingParanoia: 2, detectionParanoia: 3, version: 2 });
      const [e] = await db.auditEvent.findMany({ where: { action: "policy.apply_template", vhostId: v.id } });
      expect(e!.summary).toContain('Copied the policy of the template "strict" to apply.test');
    });

    it("refuses a stale policy version, the vhost itself and a vanished source, writing nothing", async () => {
      const a = await newVhost("stale-a.test");
      const b = await newVhost("stale-b.test");
      await copyPolicy(admin, { vhostId: a.id, source: `vhost:${b.id}`, replaceExclusions: false, policyVersion: 1 });
      const before = await db.auditEvent.count();
      const stale = await caught(() => copyPolicy(editor, { vhostId: a.id, source: `vhost:${b.id}`, replaceExclusions: false, policyVersion: 1 }));
      expect(stale).toMatchObject({ savedBy: "tpl-admin@palisade.test", currentVersion: 2 });
      expect(CopyPolicySchema.safeParse({ vhostId: a.id, source: `vhost:${a.id}`, replaceExclusions: false, policyVersion: 2 }).error!.issues[0]!.path).toEqual(["source"]);
      const self = await caught(() => copyPolicy(editor, { vhostId: a.id, source: `vhost:${a.id}`, replaceExclusions: false, policyVersion: 2 }));
      expect(self).toBeInstanceOf(FieldValidationError);
      const missing = await caught(() => copyPolicy(editor, { vhostId: a.id, source: `template:${crypto.randomUUID()}`, replaceExclusions: false, policyVersion: 2 }));
      expect((missing as FieldValidationError).fieldErrors).toEqual({ source: ["That template no longer exists: choose another."] });
      await expect(copyPolicy(editor, { vhostId: crypto.randomUUID(), source: `vhost:${b.id}`, replaceExclusions: false, policyVersion: 1 })).rejects.toBeInstanceOf(NotFoundError);
      expect(await db.auditEvent.count()).toBe(before);
      expect(await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: a.id } })).toMatchObject({ version: 2 });
    });
  });
});
