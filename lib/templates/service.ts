// Template mutations, and copying a policy onto a vhost (from a template or from another vhost). Each runs in
// one audited transaction and throws typed errors (lib/errors.ts).
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { isUniqueViolation, type Tx } from "@/lib/db";
import { AppError, ConflictError, FieldValidationError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { exclusionToColumns, exclusionView, type StoredExclusion } from "@/lib/rules/exclusions";
import { createExclusions } from "@/lib/rules/service";
import { BUILT_IN_TEMPLATES, isBuiltInName } from "./builtin";
import {
  describeTemplatePolicy,
  templatePolicyOf,
  TemplatePolicySchema,
  type CopyPolicyInput,
  type TemplateInput,
  type TemplatePolicy,
  type UpdateTemplateInput,
} from "./schema";

const POLICY_FIELDS = ["engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold"] as const;
type PolicyValues = Pick<TemplatePolicy, (typeof POLICY_FIELDS)[number]>;

function policyValues(p: PolicyValues): PolicyValues {
  return Object.fromEntries(POLICY_FIELDS.map((f) => [f, p[f]])) as PolicyValues;
}

type TemplateRow = { id: string; name: string; description: string; policy: unknown; builtIn: boolean; version: number };

/** A template's stored policy, checked: the column is only JSON, so it is validated on every read. */
export function readTemplatePolicy(t: { name: string; policy: unknown }): TemplatePolicy {
  const parsed = TemplatePolicySchema.safeParse(t.policy);
  if (!parsed.success) {
    throw new AppError(`The template "${t.name}" holds a policy this version cannot use (${parsed.error.issues[0]?.message ?? "invalid"}). An admin should fix or delete it.`);
  }
  return parsed.data;
}

export function templateView(t: TemplateRow) {
  return { id: t.id, name: t.name, description: t.description, builtIn: t.builtIn, version: t.version, policy: t.policy };
}

class NothingToDo extends Error {}

/**
 * Writes the built-in templates (lib/templates/builtin.ts) that are missing or differ from the code, with
 * one audit row each. Idempotent: when everything is current it writes nothing, not even an audit row.
 */
export async function ensureBuiltInTemplates(ctx: AuditContext): Promise<{ created: string[]; updated: string[] }> {
  try {
    return await audited(ctx, async (tx) => {
      const rows = await tx.policyTemplate.findMany({ where: { name: { in: BUILT_IN_TEMPLATES.map((t) => t.name) } } });
      const created: string[] = [];
      const updated: string[] = [];
      const audit = [];
      for (const def of BUILT_IN_TEMPLATES) {
        const policy = TemplatePolicySchema.parse(def.policy);
        const row = rows.find((r) => r.name === def.name);
        if (!row) {
          const t = await tx.policyTemplate.create({ data: { name: def.name, description: def.description, policy, builtIn: true } });
          created.push(t.name);
          audit.push({ action: "template.create", entityType: "PolicyTemplate", entityId: t.id, summary: `Added the built-in template "${t.name}"`, after: templateView(t) });
        } else if (row.builtIn && (row.description !== def.description || !samePolicy(row.policy, policy))) {
          const t = await tx.policyTemplate.update({ where: { id: row.id }, data: { description: def.description, policy, version: { increment: 1 } } });
          updated.push(t.name);
          audit.push({
            action: "template.update",
            entityType: "PolicyTemplate",
            entityId: t.id,
            summary: `Updated the built-in template "${t.name}" to this version of Palisade`,
            before: templateView(row),
            after: templateView(t),
          });
        }
      }
      if (audit.length === 0) throw new NothingToDo();
      return { result: { created, updated }, audit };
    });
  } catch (err) {
    if (err instanceof NothingToDo) return { created: [], updated: [] };
    // Two first listings at once: the other one wrote them.
    if (isUniqueViolation(err, "name")) return { created: [], updated: [] };
    throw err;
  }
}

/** True when a built-in template is missing or differs from the code (cheap check before ensureBuiltInTemplates). */
export function builtInsNeedWrite(rows: { name: string; description: string; policy: unknown; builtIn: boolean }[]): boolean {
  return BUILT_IN_TEMPLATES.some((def) => {
    const row = rows.find((r) => r.name === def.name);
    if (!row) return true;
    return row.builtIn && (row.description !== def.description || !samePolicy(row.policy, TemplatePolicySchema.parse(def.policy)));
  });
}

/** PostgreSQL's jsonb reorders keys: compare what the policies mean, not their text. */
function samePolicy(stored: unknown, policy: TemplatePolicy): boolean {
  const parsed = TemplatePolicySchema.safeParse(stored);
  return parsed.success && JSON.stringify(parsed.data) === JSON.stringify(policy);
}

async function assertNameFree(tx: Tx, name: string, exceptId?: string) {
  if (isBuiltInName(name)) throw new FieldValidationError({ name: [`"${name}" is the name of a built-in template: choose another.`] });
  // Few templates: compare case-insensitively in code, the same way on both databases.
  const all = await tx.policyTemplate.findMany({ select: { id: true, name: true } });
  const other = all.find((t) => t.id !== exceptId && t.name.toLowerCase() === name.toLowerCase());
  if (other) throw duplicateName(other.name);
}

function duplicateName(name: string) {
  return new FieldValidationError({ name: [`A template named "${name}" already exists.`] });
}

async function mapUnique<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isUniqueViolation(err, "name")) throw duplicateName(name);
    throw err;
  }
}

export async function createTemplate(ctx: AuditContext, input: TemplateInput) {
  return mapUnique(input.name, () => audited(ctx, templateCreateChange(input)));
}

/** createTemplate's change and its audit entry, for audited() (config apply runs several in one transaction). */
export function templateCreateChange(input: TemplateInput) {
  const policy = TemplatePolicySchema.parse(templatePolicyOf(input));
  return async (tx: Tx) => {
    await assertNameFree(tx, input.name);
    const t = await tx.policyTemplate.create({ data: { name: input.name, description: input.description, policy, builtIn: false } });
    return {
      result: t,
      audit: {
        action: "template.create",
        entityType: "PolicyTemplate",
        entityId: t.id,
        summary: `Created the template "${t.name}": ${describeTemplatePolicy(policy)}`,
        after: templateView(t),
      },
    };
  };
}

/** Who saved a template last: templates have no updatedBy column, the audit log knows. */
async function conflictFor(tx: Tx, t: { id: string; updatedAt: Date; version: number }) {
  const last = await tx.auditEvent.findFirst({ where: { entityType: "PolicyTemplate", entityId: t.id }, orderBy: { seq: "desc" }, select: { actorEmail: true } });
  return new ConflictError(last?.actorEmail ?? null, t.updatedAt, t.version);
}

async function loadEditable(tx: Tx, id: string, version: number) {
  const current = await tx.policyTemplate.findUnique({ where: { id } });
  if (!current) throw new NotFoundError("This template no longer exists: someone deleted it.");
  if (current.builtIn) throw new ForbiddenError(`"${current.name}" is a built-in template and cannot be changed or deleted. Create a custom template instead.`);
  if (current.version !== version) throw await conflictFor(tx, current);
  return current;
}

export async function updateTemplate(ctx: AuditContext, input: UpdateTemplateInput) {
  return mapUnique(input.name, () => audited(ctx, templateUpdateChange(input)));
}

/** updateTemplate's change and its audit entry, for audited(). */
export function templateUpdateChange(input: UpdateTemplateInput) {
  const policy = TemplatePolicySchema.parse(templatePolicyOf(input));
  return async (tx: Tx) => {
    const current = await loadEditable(tx, input.id, input.version);
    if (input.name !== current.name) await assertNameFree(tx, input.name, current.id);
    const { count } = await tx.policyTemplate.updateMany({
      where: { id: current.id, version: input.version },
      data: { name: input.name, description: input.description, policy, version: { increment: 1 } },
    });
    if (count === 0) {
      const now = await tx.policyTemplate.findUnique({ where: { id: current.id } });
      if (!now) throw new NotFoundError("This template no longer exists: someone deleted it.");
      throw await conflictFor(tx, now);
    }
    const updated = await tx.policyTemplate.findUniqueOrThrow({ where: { id: current.id } });
    const before = templateView(current);
    const after = templateView(updated);
    const fields = (["name", "description", "policy"] as const).filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
    return {
      result: updated,
      audit: {
        action: "template.update",
        entityType: "PolicyTemplate",
        entityId: updated.id,
        summary: fields.length ? `Updated the template "${updated.name}": ${fields.join(", ")}` : `Saved the template "${updated.name}" without changes`,
        before,
        after,
      },
    };
  };
}

export async function deleteTemplate(ctx: AuditContext, input: { id: string; version: number }) {
  return audited(ctx, templateDeleteChange(input));
}

/** deleteTemplate's change and its audit entry, for audited(). */
export function templateDeleteChange(input: { id: string; version: number }) {
  return async (tx: Tx) => {
    const current = await loadEditable(tx, input.id, input.version);
    const { count } = await tx.policyTemplate.deleteMany({ where: { id: current.id, version: input.version } });
    if (count === 0) throw await conflictFor(tx, current);
    return {
      result: { id: current.id, name: current.name },
      audit: {
        action: "template.delete",
        entityType: "PolicyTemplate",
        entityId: current.id,
        summary: `Deleted the template "${current.name}"; vhosts created from it keep their policies`,
        before: templateView(current),
      },
    };
  };
}

/** The template a new vhost starts from, read inside the creating transaction. */
export async function templateForNewVhost(tx: Tx, templateId: string) {
  const t = await tx.policyTemplate.findUnique({ where: { id: templateId } });
  if (!t) throw new FieldValidationError({ templateId: ["That template no longer exists: choose another, or none."] });
  return { template: { id: t.id, name: t.name, version: t.version }, policy: readTemplatePolicy(t) };
}

type PolicySource =
  | { kind: "template"; label: string; policy: PolicyValues; exclusions: StoredExclusion[] }
  | { kind: "vhost"; label: string; policy: PolicyValues; exclusions: StoredExclusion[] };

async function loadSource(tx: Tx, source: string, vhostId: string): Promise<PolicySource & { sourceRef: Record<string, unknown> }> {
  const [kind, id] = source.split(":") as ["vhost" | "template", string];
  if (kind === "template") {
    const t = await tx.policyTemplate.findUnique({ where: { id } });
    if (!t) throw new FieldValidationError({ source: ["That template no longer exists: choose another."] });
    const policy = readTemplatePolicy(t);
    return {
      kind,
      label: `the template "${t.name}"`,
      policy: policyValues(policy),
      exclusions: policy.exclusions.map(exclusionToColumns),
      sourceRef: { template: { id: t.id, name: t.name, version: t.version } },
    };
  }
  if (id === vhostId) throw new FieldValidationError({ source: ["Choose another virtual host: this is the one you are on."] });
  const v = await tx.virtualHost.findUnique({ where: { id }, select: { id: true, domain: true, policy: true } });
  if (!v || !v.policy) throw new FieldValidationError({ source: ["That virtual host no longer exists: choose another."] });
  const exclusions = await tx.ruleExclusion.findMany({ where: { vhostId: v.id }, orderBy: { createdAt: "asc" } });
  return {
    kind,
    label: v.domain,
    policy: policyValues(v.policy),
    exclusions: exclusions.map(exclusionView),
    sourceRef: { vhost: { id: v.id, domain: v.domain, policyVersion: v.policy.version } },
  };
}

/**
 * Copies mode, paranoia levels and thresholds from another vhost or a template onto a vhost's policy, and
 * with `replaceExclusions` replaces its rule exclusions by the source's. Bumps the policy version; refuses
 * if the policy changed since the page was loaded.
 */
export async function copyPolicy(ctx: AuditContext, input: CopyPolicyInput) {
  return audited(ctx, async (tx) => {
    const vhost = await tx.virtualHost.findUnique({ where: { id: input.vhostId }, select: { id: true, domain: true } });
    if (!vhost) throw new NotFoundError("This virtual host no longer exists: someone deleted it.");
    const current = await tx.wafPolicy.findUnique({ where: { vhostId: vhost.id } });
    if (!current) throw new NotFoundError(`${vhost.domain} has no WAF policy.`);
    if (current.version !== input.policyVersion) throw new ConflictError(current.updatedByEmail, current.updatedAt, current.version);
    const source = await loadSource(tx, input.source, vhost.id);

    const { count } = await tx.wafPolicy.updateMany({
      where: { id: current.id, version: input.policyVersion },
      data: { ...source.policy, version: { increment: 1 }, updatedByEmail: ctx.actor.email },
    });
    if (count === 0) {
      const now = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });
      throw new ConflictError(now.updatedByEmail, now.updatedAt, now.version);
    }
    const updated = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });

    let exclusionsBefore: ReturnType<typeof exclusionView>[] | undefined;
    if (input.replaceExclusions) {
      exclusionsBefore = (await tx.ruleExclusion.findMany({ where: { vhostId: vhost.id }, orderBy: { createdAt: "asc" } })).map(exclusionView);
      await tx.ruleExclusion.deleteMany({ where: { vhostId: vhost.id } });
      await createExclusions(tx, vhost.id, source.exclusions);
    }

    const before = { policy: { ...policyValues(current), version: current.version }, ...(exclusionsBefore ? { exclusions: exclusionsBefore } : {}) };
    const after = {
      policy: { ...policyValues(updated), version: updated.version },
      ...(input.replaceExclusions ? { exclusions: source.exclusions.map(exclusionView) } : {}),
      copiedFrom: source.sourceRef,
    };
    const changes = POLICY_FIELDS.filter((f) => current[f] !== updated[f]).map((f) => `${f} ${current[f]} → ${updated[f]}`);
    const exclusionsText = input.replaceExclusions
      ? `; exclusions replaced (${exclusionsBefore!.length} → ${source.exclusions.length})`
      : "; exclusions kept";
    return {
      result: { policy: updated, exclusionCount: input.replaceExclusions ? source.exclusions.length : null, sourceLabel: source.label },
      audit: {
        action: source.kind === "template" ? "policy.apply_template" : "policy.copy",
        entityType: "WafPolicy",
        entityId: updated.id,
        vhostId: vhost.id,
        summary: `Copied the policy of ${source.label} to ${vhost.domain}: ${changes.length ? changes.join(", ") : "same settings"}${exclusionsText}`,
        before,
        after,
      },
    };
  });
}
