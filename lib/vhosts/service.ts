// Vhost mutations. Each runs in one audited transaction and throws typed errors (lib/errors.ts).
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { isUniqueViolation, type Tx } from "@/lib/db";
import { ConflictError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { policyView } from "@/lib/policies/policy";
import { exclusionToColumns, exclusionView } from "@/lib/rules/exclusions";
import { createExclusions } from "@/lib/rules/service";
import { describeTemplatePolicy } from "@/lib/templates/schema";
import { templateForNewVhost } from "@/lib/templates/service";
import type { BackendRisk } from "./backend-risk";
import { internalBackendOf } from "./queries";
import { vhostColumns, type CreateVhostInput, type UpdateVhostInput } from "./schema";

/** CRS's own defaults: anomaly scoring in blocking mode at paranoia 1, thresholds 5 (inbound) / 4 (outbound). */
export const DEFAULT_POLICY = {
  engineMode: "BLOCKING",
  blockingParanoia: 1,
  detectionParanoia: 1,
  inboundThreshold: 5,
  outboundThreshold: 4,
} as const;

function duplicateDomain(domain: string): FieldValidationError {
  return new FieldValidationError({ domain: [`A virtual host for ${domain} already exists.`] });
}

function toStored(input: Omit<CreateVhostInput, "templateId">) {
  return vhostColumns(input);
}

/**
 * A backend on loopback, link-local, the metadata endpoint or a node's own address needs
 * `confirmInternalBackend: true` (lib/vhosts/backend-risk.ts). An update that keeps the stored backend
 * needs no new confirmation: it was given (or the row predates the rule, and the list flags it anyway).
 */
function confirmedBackendRisk(input: { backendUrl: string; confirmInternalBackend?: boolean }, storedUrl?: string): BackendRisk | null {
  const risk = internalBackendOf(input.backendUrl);
  if (risk && storedUrl !== input.backendUrl && input.confirmInternalBackend !== true) {
    throw new FieldValidationError({ backendUrl: [risk.message] }, risk.message);
  }
  return risk;
}

function internalNote(risk: BackendRisk | null): string {
  return risk ? ` (internal backend confirmed: ${risk.kind} ${risk.host})` : "";
}

async function assertDomainFree(tx: Tx, domain: string, exceptId?: string) {
  const other = await tx.virtualHost.findUnique({ where: { domain }, select: { id: true } });
  if (other && other.id !== exceptId) throw duplicateDomain(domain);
}

/** Unique-index races (two creates at once) surface as the same field error as the pre-check. */
async function mapUnique<T>(domain: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isUniqueViolation(err, "domain")) throw duplicateDomain(domain);
    throw err;
  }
}

export async function createVhost(ctx: AuditContext, input: CreateVhostInput) {
  return mapUnique(input.domain, () => audited(ctx, createVhostChange(ctx, input)));
}

/** createVhost's change and its audit entry, for audited() (config apply runs several in one transaction). */
export function createVhostChange(ctx: AuditContext, input: CreateVhostInput) {
  return async (tx: Tx) => {
    await assertDomainFree(tx, input.domain);
    const risk = confirmedBackendRisk(input);
    // A template gives the policy and its exclusions; without one the vhost gets CRS's defaults.
    const from = input.templateId ? await templateForNewVhost(tx, input.templateId) : null;
    const vhost = await tx.virtualHost.create({ data: { ...toStored(input), updatedByEmail: ctx.actor.email } });
    const { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold } = from ? from.policy : DEFAULT_POLICY;
    const policy = await tx.wafPolicy.create({
      data: { vhostId: vhost.id, engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold, updatedByEmail: ctx.actor.email },
    });
    const exclusions = from ? from.policy.exclusions.map(exclusionToColumns) : [];
    await createExclusions(tx, vhost.id, exclusions);
    return {
      result: vhost,
      audit: {
        action: "vhost.create",
        entityType: "VirtualHost",
        entityId: vhost.id,
        vhostId: vhost.id,
        summary: from
          ? `Created virtual host ${vhost.domain} → ${vhost.backendUrl}${internalNote(risk)} from the template "${from.template.name}" (${describeTemplatePolicy(from.policy)})`
          : `Created virtual host ${vhost.domain} → ${vhost.backendUrl}${internalNote(risk)} with the default policy (blocking, paranoia 1)`,
        after: from
          ? { vhost: auditView(vhost), policy: policyView(policy), template: from.template, exclusions: exclusions.map(exclusionView) }
          : { vhost: auditView(vhost), policy: policyView(policy) },
      },
    };
  };
}

async function loadForUpdate(tx: Tx, id: string, version: number) {
  const current = await tx.virtualHost.findUnique({ where: { id } });
  if (!current) throw new NotFoundError("This virtual host no longer exists: someone deleted it.");
  if (current.version !== version) throw new ConflictError(current.updatedByEmail, current.updatedAt, current.version);
  return current;
}

/** Writes only if the row still has the version the user loaded; a concurrent save makes count 0. */
async function writeVersioned(tx: Tx, id: string, version: number, data: Record<string, unknown>, actorEmail: string) {
  const { count } = await tx.virtualHost.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 }, updatedByEmail: actorEmail },
  });
  if (count === 0) {
    const now = await tx.virtualHost.findUnique({ where: { id } });
    if (!now) throw new NotFoundError("This virtual host no longer exists: someone deleted it.");
    throw new ConflictError(now.updatedByEmail, now.updatedAt, now.version);
  }
  return tx.virtualHost.findUniqueOrThrow({ where: { id } });
}

const AUDITED_FIELDS = ["domain", "aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled"] as const;

type VhostRow = { id: string; version: number } & Record<(typeof AUDITED_FIELDS)[number], unknown>;

export function auditView(v: VhostRow) {
  return Object.fromEntries([["id", v.id], ...AUDITED_FIELDS.map((f) => [f, v[f]]), ["version", v.version]]);
}

export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return AUDITED_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

export async function updateVhost(ctx: AuditContext, input: UpdateVhostInput) {
  return mapUnique(input.domain, () => audited(ctx, updateVhostChange(ctx, input)));
}

/** updateVhost's change and its audit entry, for audited(). */
export function updateVhostChange(ctx: AuditContext, input: UpdateVhostInput) {
  return async (tx: Tx) => {
    const current = await loadForUpdate(tx, input.id, input.version);
    if (input.domain !== current.domain) await assertDomainFree(tx, input.domain, input.id);
    const risk = confirmedBackendRisk(input, current.backendUrl);
    const updated = await writeVersioned(tx, input.id, input.version, toStored(input), ctx.actor.email);
    const before = auditView(current);
    const after = auditView(updated);
    const fields = changedFields(before, after);
    return {
      result: updated,
      audit: {
        action: "vhost.update",
        entityType: "VirtualHost",
        entityId: updated.id,
        vhostId: updated.id,
        summary:
          (fields.length ? `Updated ${updated.domain}: ${fields.join(", ")}` : `Saved ${updated.domain} without changes`) +
          (fields.includes("backendUrl") ? internalNote(risk) : ""),
        before,
        after,
      },
    };
  };
}

export async function setVhostEnabled(ctx: AuditContext, input: { id: string; version: number; enabled: boolean }) {
  return audited(ctx, async (tx) => {
    const current = await loadForUpdate(tx, input.id, input.version);
    const updated = await writeVersioned(tx, input.id, input.version, { enabled: input.enabled }, ctx.actor.email);
    return {
      result: updated,
      audit: {
        action: input.enabled ? "vhost.enable" : "vhost.disable",
        entityType: "VirtualHost",
        entityId: updated.id,
        vhostId: updated.id,
        summary: `${input.enabled ? "Enabled" : "Disabled"} ${updated.domain}`,
        before: auditView(current),
        after: auditView(updated),
      },
    };
  });
}

export async function deleteVhost(ctx: AuditContext, input: { id: string; version: number }) {
  return audited(ctx, deleteVhostChange(input));
}

/** deleteVhost's change and its audit entry, for audited(). */
export function deleteVhostChange(input: { id: string; version: number }) {
  return async (tx: Tx) => {
    const current = await loadForUpdate(tx, input.id, input.version);
    // One query at a time: a transaction holds one connection, and pg refuses overlapping queries on it.
    const full = {
      policy: await tx.wafPolicy.findUnique({ where: { vhostId: input.id } }),
      ipEntries: await tx.ipListEntry.findMany({ where: { vhostId: input.id }, orderBy: [{ kind: "asc" }, { cidr: "asc" }] }),
      customRules: await tx.customRule.findMany({ where: { vhostId: input.id }, orderBy: { position: "asc" } }),
      exclusions: await tx.ruleExclusion.findMany({ where: { vhostId: input.id }, orderBy: { createdAt: "asc" } }),
    };
    // The relations cascade; the audit row keeps everything that was removed.
    const { count } = await tx.virtualHost.deleteMany({ where: { id: input.id, version: input.version } });
    if (count === 0) throw new ConflictError(current.updatedByEmail, current.updatedAt, current.version);
    return {
      result: { id: current.id, domain: current.domain },
      audit: {
        action: "vhost.delete",
        entityType: "VirtualHost",
        entityId: current.id,
        vhostId: current.id,
        summary: `Deleted virtual host ${current.domain} with its policy, ${full.ipEntries.length} IP entries, ${full.customRules.length} custom rules and ${full.exclusions.length} exclusions`,
        before: {
          vhost: auditView(current),
          policy: full.policy ? policyView(full.policy) : null,
          ipEntries: full.ipEntries.map(({ kind, cidr, note }) => ({ kind, cidr, note })),
          customRules: full.customRules.map(({ ruleId, description, secRule, enabled, position }) => ({ ruleId, description, secRule, enabled, position })),
          exclusions: full.exclusions.map(({ kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note }) => ({ kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note })),
        },
      },
    };
  };
}
