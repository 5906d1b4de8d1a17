// Policy and IP-list mutations, each in one audited transaction (lib/audit/audited.ts).
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import type { Tx } from "@/lib/db";
import { ConflictError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { checkIpListChange, parseBulkPaste, type IpListAddition, type IpListChangeReport, type IpListKind } from "./cidr";
import { policyView, type WafPolicy } from "./policy";

const POLICY_FIELDS = ["engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold"] as const;

/**
 * The vhost a policy, IP list, custom rule or exclusion belongs to, read inside the change's transaction.
 * Here, in the lowest of the vhost's domains (policies ← rules ← templates ← vhosts), so every one can use it.
 */
export async function vhostOrThrow(tx: Tx, vhostId: string) {
  const vhost = await tx.virtualHost.findUnique({ where: { id: vhostId }, select: { id: true, domain: true } });
  if (!vhost) throw new NotFoundError("This virtual host no longer exists: someone deleted it.");
  return vhost;
}

/** Saves engine mode, paranoia levels and thresholds if nobody saved the policy since `version`. */
export async function updatePolicy(ctx: AuditContext, input: WafPolicy & { vhostId: string }) {
  return audited(ctx, policyUpdate(ctx, input));
}

/** updatePolicy's change and its audit entry, for audited(); the write benchmark also runs it unaudited. */
export function policyUpdate(ctx: AuditContext, input: WafPolicy & { vhostId: string }) {
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const current = await tx.wafPolicy.findUnique({ where: { vhostId: input.vhostId } });
    if (!current) throw new NotFoundError(`${vhost.domain} has no WAF policy.`);
    if (current.version !== input.version) throw new ConflictError(current.updatedByEmail, current.updatedAt, current.version);
    const data = Object.fromEntries(POLICY_FIELDS.map((f) => [f, input[f]]));
    const { count } = await tx.wafPolicy.updateMany({
      where: { id: current.id, version: input.version },
      data: { ...data, version: { increment: 1 }, updatedByEmail: ctx.actor.email },
    });
    if (count === 0) {
      const now = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });
      throw new ConflictError(now.updatedByEmail, now.updatedAt, now.version);
    }
    const updated = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });
    const before = policyView(current);
    const after = policyView(updated);
    const changes = POLICY_FIELDS.filter((f) => before[f] !== after[f]).map((f) => `${f} ${before[f]} → ${after[f]}`);
    return {
      result: updated,
      audit: {
        action: "policy.update",
        entityType: "WafPolicy",
        entityId: updated.id,
        vhostId: vhost.id,
        summary: changes.length ? `Policy of ${vhost.domain}: ${changes.join(", ")}` : `Saved the policy of ${vhost.domain} without changes`,
        before,
        after,
      },
    };
  };
}

export type IpAddResult = { report: IpListChangeReport; addedCount: number };

/**
 * Adds the addresses and ranges of a pasted text (one or many lines) to a vhost's allow or deny list.
 * Every line is checked against both lists and the rest of the paste; the valid ones are stored together
 * with one audit event, and the per-line report says what was added and what was refused and why.
 */
/** `fromEvent`: the WAF event the addition was made from ("Deny this address" on /events/[id]); the audit row names it. */
export async function addIpEntries(ctx: AuditContext, input: { vhostId: string; kind: IpListKind; text: string; confirmWide: boolean; fromEvent?: string | undefined }): Promise<IpAddResult> {
  const items = parseBulkPaste(input.text);
  if (items.length === 0) throw new FieldValidationError({ text: ["Paste at least one address or range."] });
  if (items.length > 5000) throw new FieldValidationError({ text: ["Add at most 5,000 entries at a time."] });
  const adding = items.map((i) => ({ kind: input.kind, cidr: i.input, line: i.line, ...(i.note ? { note: i.note } : {}) }));
  return audited(ctx, ipEntriesAddChange({ ...input, adding }));
}

/**
 * addIpEntries's change and its audit entry, for audited(), with the entries already split into lines:
 * config apply passes its list entries here and refuses the whole file when one is refused.
 */
export function ipEntriesAddChange(input: { vhostId: string; kind: IpListKind; adding: IpListAddition[]; confirmWide: boolean; fromEvent?: string | undefined }) {
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const existing = await tx.ipListEntry.findMany({ where: { vhostId: vhost.id }, select: { kind: true, cidr: true } });
    const report = checkIpListChange({ existing, adding: input.adding, confirmWide: input.confirmWide });
    if (report.added.length > 0) {
      await tx.ipListEntry.createMany({ data: report.added.map((a) => ({ vhostId: vhost.id, kind: a.kind, cidr: a.cidr, note: a.note ?? null })) });
    }
    const list = input.kind === "DENY" ? "deny" : "allow";
    return {
      result: { report, addedCount: report.added.length },
      audit: {
        action: "iplist.add",
        entityType: "IpList",
        entityId: `${vhost.id}:${input.kind}`,
        vhostId: vhost.id,
        summary: `Added ${report.added.length} ${list} entr${report.added.length === 1 ? "y" : "ies"} to ${vhost.domain}${report.refusedCount ? ` (${report.refusedCount} refused)` : ""}: ${report.added.slice(0, 5).map((a) => a.cidr).join(", ")}${report.added.length > 5 ? ", …" : ""}${input.fromEvent ? ` (from WAF event ${input.fromEvent})` : ""}`,
        after: { kind: input.kind, ...(input.fromEvent ? { fromEvent: input.fromEvent } : {}), added: report.added, refused: report.lines.filter((l) => l.status === "refused").map((l) => ({ input: l.input, reason: l.status === "refused" ? l.reason : "" })) },
      },
    };
  };
}

export async function removeIpEntry(ctx: AuditContext, input: { vhostId: string; id: string }) {
  return audited(ctx, ipEntryRemoveChange(input));
}

/** removeIpEntry's change and its audit entry, for audited(). */
export function ipEntryRemoveChange(input: { vhostId: string; id: string }) {
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const entry = await tx.ipListEntry.findFirst({ where: { id: input.id, vhostId: vhost.id } });
    if (!entry) throw new NotFoundError("That entry was already removed.");
    await tx.ipListEntry.delete({ where: { id: entry.id } });
    return {
      result: { id: entry.id },
      audit: {
        action: "iplist.remove",
        entityType: "IpList",
        entityId: `${vhost.id}:${entry.kind}`,
        vhostId: vhost.id,
        summary: `Removed ${entry.cidr} from the ${entry.kind === "DENY" ? "deny" : "allow"} list of ${vhost.domain}`,
        before: { kind: entry.kind, cidr: entry.cidr, note: entry.note },
      },
    };
  };
}
