// Custom rules and rule exclusions of a vhost. Every change runs in one audited transaction
// (lib/audit/audited.ts) and throws typed errors (lib/errors.ts). Inputs are checked here with the same
// zod schemas the forms and actions use, so seeds, tests and the node API get the same checks.
import "server-only";
import type { z } from "zod";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { db, isUniqueViolation, type CustomRuleModel as CustomRuleRow, type Tx } from "@/lib/db";
import { AppError, ConflictError, FieldValidationError, NotFoundError, type FieldErrors } from "@/lib/errors";
import { vhostOrThrow } from "@/lib/policies/service";
import { exclusionToColumns, exclusionView, RuleExclusionSchema, type RuleExclusionInput, type StoredExclusion } from "./exclusions";
import { nextFreeRuleId, ruleIdOwner } from "./queries";
import { CustomRuleSchema, type CustomRule, type CustomRuleInput } from "./secrule";

// ---------------------------------------------------------------------------------------------------
// Shared helpers.

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "_form";
    (fieldErrors[key] ??= []).push(issue.message);
  }
  throw new FieldValidationError(fieldErrors);
}

// ---------------------------------------------------------------------------------------------------
// Custom rules.

export type CustomRuleRef = { vhostId: string; id: string };

async function ruleOrThrow(tx: Tx, ref: CustomRuleRef) {
  const rule = await tx.customRule.findFirst({ where: { id: ref.id, vhostId: ref.vhostId } });
  if (!rule) throw new NotFoundError("This custom rule no longer exists: someone deleted it.");
  return rule;
}

export function customRuleView(r: Pick<CustomRuleRow, "ruleId" | "description" | "secRule" | "enabled" | "position">) {
  return { ruleId: r.ruleId, description: r.description, secRule: r.secRule, enabled: r.enabled, position: r.position };
}

/** The field error for a taken id, naming the vhost that has it and proposing a free one. */
async function duplicateRuleId(ruleId: number, vhostId: string, client: Tx): Promise<FieldValidationError> {
  const owner = await ruleIdOwner(ruleId, client);
  const next = await nextFreeRuleId(client);
  const where = !owner ? "another virtual host" : owner.vhost.id === vhostId ? `this virtual host (${owner.vhost.domain})` : owner.vhost.domain;
  return new FieldValidationError({
    ruleId: [
      `Rule id ${ruleId} is already used by a custom rule of ${where}; ids are unique across all virtual hosts.` +
        (next !== null ? ` The next free id is ${next}.` : ""),
    ],
  });
}

/** The pre-check inside the transaction catches a taken id; this maps the unique-index race onto the same error. */
async function mapDuplicateRuleId<T>(ruleId: number, vhostId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isUniqueViolation(err, "ruleId")) throw await duplicateRuleId(ruleId, vhostId, db);
    throw err;
  }
}

/** Who saved the rule last: custom rules have no updatedBy column, the audit log knows (as for templates). */
async function conflictFor(tx: Tx, rule: { id: string; updatedAt: Date; version: number }): Promise<ConflictError> {
  const last = await tx.auditEvent.findFirst({
    where: { entityType: "CustomRule", entityId: rule.id },
    orderBy: { seq: "desc" },
    select: { actorEmail: true },
  });
  return new ConflictError(last?.actorEmail ?? null, rule.updatedAt, rule.version);
}

export async function createCustomRule(ctx: AuditContext, input: { vhostId: string } & CustomRuleInput) {
  const rule = parseOrThrow(CustomRuleSchema, input);
  return mapDuplicateRuleId(rule.ruleId, input.vhostId, () => audited(ctx, customRuleCreateChange({ ...rule, vhostId: input.vhostId })));
}

/** createCustomRule's change and its audit entry, for audited(); `input` is already checked with CustomRuleSchema. */
export function customRuleCreateChange(input: { vhostId: string } & CustomRule) {
  const { vhostId: _vhostId, ...rule } = input;
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    if (await ruleIdOwner(rule.ruleId, tx)) throw await duplicateRuleId(rule.ruleId, vhost.id, tx);
    const last = await tx.customRule.findFirst({ where: { vhostId: vhost.id }, orderBy: { position: "desc" }, select: { position: true } });
    const created = await tx.customRule.create({ data: { vhostId: vhost.id, ...rule, position: (last?.position ?? -1) + 1 } });
    return {
      result: created,
      audit: {
        action: "customrule.create",
        entityType: "CustomRule",
        entityId: created.id,
        vhostId: vhost.id,
        summary: `Added custom rule ${created.ruleId} to ${vhost.domain}${created.enabled ? "" : " (disabled)"}`,
        after: customRuleView(created),
      },
    };
  };
}

export type UpdateCustomRuleInput = CustomRuleRef & CustomRuleInput & { /** The version the form loaded the rule at. */ version: number };

export async function updateCustomRule(ctx: AuditContext, input: UpdateCustomRuleInput) {
  const rule = parseOrThrow(CustomRuleSchema, input);
  return mapDuplicateRuleId(rule.ruleId, input.vhostId, () => audited(ctx, customRuleUpdateChange({ ...input, ...rule })));
}

/** updateCustomRule's change and its audit entry, for audited(); the rule fields are already checked with CustomRuleSchema. */
export function customRuleUpdateChange(input: CustomRuleRef & CustomRule & { version: number }) {
  const rule: CustomRule = { ruleId: input.ruleId, description: input.description, secRule: input.secRule, enabled: input.enabled };
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const current = await ruleOrThrow(tx, input);
    if (current.version !== input.version) throw await conflictFor(tx, current);
    if (rule.ruleId !== current.ruleId && (await ruleIdOwner(rule.ruleId, tx))) throw await duplicateRuleId(rule.ruleId, vhost.id, tx);
    // Writes only if the row still has the version the user loaded; a concurrent save makes count 0.
    const { count } = await tx.customRule.updateMany({ where: { id: current.id, version: input.version }, data: { ...rule, version: { increment: 1 } } });
    if (count === 0) throw await conflictFor(tx, await ruleOrThrow(tx, input));
    const updated = await tx.customRule.findUniqueOrThrow({ where: { id: current.id } });
    const before = customRuleView(current);
    const after = customRuleView(updated);
    const changed = (["ruleId", "description", "secRule", "enabled"] as const).filter((f) => before[f] !== after[f]);
    const name = before.ruleId === after.ruleId ? `custom rule ${after.ruleId}` : `custom rule ${before.ruleId} (now ${after.ruleId})`;
    return {
      result: updated,
      audit: {
        action: "customrule.update",
        entityType: "CustomRule",
        entityId: updated.id,
        vhostId: vhost.id,
        summary: changed.length ? `Updated ${name} on ${vhost.domain}: ${changed.join(", ")}` : `Saved ${name} on ${vhost.domain} without changes`,
        before,
        after,
      },
    };
  };
}

export async function setCustomRuleEnabled(ctx: AuditContext, input: CustomRuleRef & { enabled: boolean }) {
  return audited(ctx, async (tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const current = await ruleOrThrow(tx, input);
    if (current.enabled === input.enabled) {
      throw new AppError(`Custom rule ${current.ruleId} is already ${input.enabled ? "enabled" : "disabled"}: someone changed it a moment ago.`);
    }
    // The edit form edits `enabled` too: a toggle makes an open form's version stale.
    const updated = await tx.customRule.update({ where: { id: current.id }, data: { enabled: input.enabled, version: { increment: 1 } } });
    return {
      result: updated,
      audit: {
        action: input.enabled ? "customrule.enable" : "customrule.disable",
        entityType: "CustomRule",
        entityId: updated.id,
        vhostId: vhost.id,
        summary: `${input.enabled ? "Enabled" : "Disabled"} custom rule ${updated.ruleId} on ${vhost.domain}`,
        before: customRuleView(current),
        after: customRuleView(updated),
      },
    };
  });
}

export type MoveDirection = "up" | "down";

/** Moves a rule one place earlier or later in its vhost's evaluation order, swapping with its neighbour. */
export async function moveCustomRule(ctx: AuditContext, input: CustomRuleRef & { direction: MoveDirection }) {
  return audited(ctx, async (tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const rules = await tx.customRule.findMany({ where: { vhostId: vhost.id }, orderBy: [{ position: "asc" }, { ruleId: "asc" }] });
    const from = rules.findIndex((r) => r.id === input.id);
    if (from === -1) throw new NotFoundError("This custom rule no longer exists: someone deleted it.");
    const moved = rules[from]!;
    const to = input.direction === "up" ? from - 1 : from + 1;
    const neighbour = rules[to];
    if (!neighbour) throw new AppError(`Custom rule ${moved.ruleId} is already ${input.direction === "up" ? "first" : "last"}.`);

    const order = [...rules];
    [order[from], order[to]] = [neighbour, moved];
    // Swap the two positions; only rows that somehow share a position get renumbered.
    const positions =
      moved.position !== neighbour.position
        ? new Map([[moved.id, neighbour.position], [neighbour.id, moved.position]])
        : new Map(order.map((r, i) => [r.id, i]));
    for (const r of rules) {
      const position = positions.get(r.id);
      // The version is kept: the edit form does not edit the position, so a move does not make it stale.
      if (position !== undefined && position !== r.position) await tx.customRule.update({ where: { id: r.id }, data: { position } });
    }
    return {
      result: { order: order.map((r) => r.ruleId) },
      audit: {
        action: "customrule.move",
        entityType: "CustomRule",
        entityId: moved.id,
        vhostId: vhost.id,
        summary: `Moved custom rule ${moved.ruleId} ${input.direction} on ${vhost.domain} (now ${to + 1} of ${rules.length}, ${input.direction === "up" ? "before" : "after"} ${neighbour.ruleId})`,
        before: { order: rules.map((r) => r.ruleId) },
        after: { order: order.map((r) => r.ruleId) },
      },
    };
  });
}

/**
 * Puts a vhost's custom rules in the given evaluation order (rule ids, every rule of the vhost once), with
 * positions 0…n-1: config apply's counterpart of moving rules one by one. Versions are kept, as for a move.
 */
export function customRuleReorderChange(input: { vhostId: string; order: number[] }) {
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const rules = await tx.customRule.findMany({ where: { vhostId: vhost.id }, orderBy: [{ position: "asc" }, { ruleId: "asc" }] });
    const byRuleId = new Map(rules.map((r) => [r.ruleId, r]));
    if (rules.length !== input.order.length || new Set(input.order).size !== input.order.length || input.order.some((id) => !byRuleId.has(id))) {
      throw new AppError(`The new order of the custom rules of ${vhost.domain} must name each of its ${rules.length} rules once.`);
    }
    for (const [position, ruleId] of input.order.entries()) {
      const r = byRuleId.get(ruleId)!;
      if (r.position !== position) await tx.customRule.update({ where: { id: r.id }, data: { position } });
    }
    const before = rules.map((r) => r.ruleId);
    return {
      result: { order: input.order },
      audit: {
        action: "customrule.reorder",
        entityType: "VirtualHost",
        entityId: vhost.id,
        vhostId: vhost.id,
        summary: `Reordered the custom rules of ${vhost.domain}: ${input.order.join(", ")} (was ${before.join(", ")})`,
        before: { order: before },
        after: { order: input.order },
      },
    };
  };
}

export async function deleteCustomRule(ctx: AuditContext, input: CustomRuleRef) {
  return audited(ctx, customRuleDeleteChange(input));
}

/** deleteCustomRule's change and its audit entry, for audited(). */
export function customRuleDeleteChange(input: CustomRuleRef) {
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const current = await ruleOrThrow(tx, input);
    await tx.customRule.delete({ where: { id: current.id } });
    return {
      result: { id: current.id, ruleId: current.ruleId },
      audit: {
        action: "customrule.delete",
        entityType: "CustomRule",
        entityId: current.id,
        vhostId: vhost.id,
        summary: `Deleted custom rule ${current.ruleId} from ${vhost.domain}`,
        before: customRuleView(current),
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------------
// Rule exclusions.

/** "rule 942100 target ARGS:password under /login", for audit summaries. */
export function exclusionPhrase(e: StoredExclusion): string {
  const rules = e.ruleId !== null ? (e.ruleIdEnd !== null ? `rules ${e.ruleId}–${e.ruleIdEnd}` : `rule ${e.ruleId}`) : `rules tagged ${e.tag}`;
  const what = e.target !== null ? (e.ruleId !== null ? `${rules} target ${e.target}` : `target ${e.target} of ${rules}`) : rules;
  return e.pathPrefix !== null ? `${what} under ${e.pathPrefix}` : what;
}

/** `fromEvent`: the WAF event this exclusion was made from ("Exclude this" on /events/[id]); the audit row names it. */
export async function createExclusion(ctx: AuditContext, input: { vhostId: string; fromEvent?: string | undefined } & RuleExclusionInput) {
  const stored = exclusionToColumns(parseOrThrow(RuleExclusionSchema, input));
  return audited(ctx, exclusionCreateChange({ vhostId: input.vhostId, fromEvent: input.fromEvent, stored }));
}

/** createExclusion's change and its audit entry, for audited(); `stored` comes from a checked exclusion (exclusionToColumns). */
export function exclusionCreateChange(input: { vhostId: string; fromEvent?: string | undefined; stored: StoredExclusion }) {
  const { stored } = input;
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const { note: _note, ...same } = stored;
    if (await tx.ruleExclusion.findFirst({ where: { vhostId: vhost.id, ...same }, select: { id: true } })) {
      const field = stored.ruleId !== null ? "ruleId" : "tag";
      throw new FieldValidationError({ [field]: [`${vhost.domain} already has this exclusion (${exclusionPhrase(stored)}).`] });
    }
    const created = await tx.ruleExclusion.create({ data: { vhostId: vhost.id, ...stored } });
    return {
      result: created,
      audit: {
        action: "exclusion.create",
        entityType: "RuleExclusion",
        entityId: created.id,
        vhostId: vhost.id,
        summary: `Excluded ${exclusionPhrase(created)} on ${vhost.domain}${input.fromEvent ? ` (from WAF event ${input.fromEvent})` : ""}`,
        after: input.fromEvent ? { ...exclusionView(created), fromEvent: input.fromEvent } : exclusionView(created),
      },
    };
  };
}

export async function deleteExclusion(ctx: AuditContext, input: { vhostId: string; id: string }) {
  return audited(ctx, exclusionDeleteChange(input));
}

/** deleteExclusion's change and its audit entry, for audited(). */
export function exclusionDeleteChange(input: { vhostId: string; id: string }) {
  return async (tx: Tx) => {
    const vhost = await vhostOrThrow(tx, input.vhostId);
    const current = await tx.ruleExclusion.findFirst({ where: { id: input.id, vhostId: vhost.id } });
    if (!current) throw new NotFoundError("This exclusion was already deleted.");
    await tx.ruleExclusion.delete({ where: { id: current.id } });
    return {
      result: { id: current.id },
      audit: {
        action: "exclusion.delete",
        entityType: "RuleExclusion",
        entityId: current.id,
        vhostId: vhost.id,
        summary: `Deleted the exclusion of ${exclusionPhrase(current)} on ${vhost.domain}`,
        before: exclusionView(current),
      },
    };
  };
}

/**
 * Inserts exclusions one by one so createdAt keeps their order (the lists sort by it), inside the caller's
 * audited transaction: a vhost created from a template, or a policy copied with its exclusions.
 */
export async function createExclusions(tx: Tx, vhostId: string, exclusions: StoredExclusion[]) {
  const base = Date.now();
  for (const [i, e] of exclusions.entries()) {
    await tx.ruleExclusion.create({
      data: { vhostId, ...exclusionView(e), createdAt: new Date(base + i) },
    });
  }
}
