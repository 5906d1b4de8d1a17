// The plan: what applying a desired state to the current one changes, object by object and field by field
// (old → new), in the order apply runs it. Pure.
//
// Order: deletions first (a custom rule id or a template name becomes free before something takes it, a
// narrower IP entry goes before a wider one arrives), then vhosts and their policies, then what hangs off
// them, then templates. An object's natural key is its identity — vhost domain, template name, custom
// rule id, IP list kind + address, exclusion columns — so changing a key is a deletion and a creation.
import {
  compareCidr,
  exclusionKey,
  POLICY_FIELDS,
  VHOST_FIELDS,
  type ConfigState,
  type CustomRuleState,
  type ExclusionState,
  type IpState,
  type PolicyState,
  type TemplateState,
  type VhostState,
} from "./state";

export type FieldChange = { field: string; old: unknown; new: unknown };
export type IpKind = "ALLOW" | "DENY";

export type PlanOp =
  | { op: "delete"; type: "template"; name: string }
  | { op: "delete"; type: "customRule"; domain: string; ruleId: number }
  | { op: "delete"; type: "exclusion"; domain: string; exclusion: ExclusionState }
  | { op: "delete"; type: "ip"; domain: string; kind: IpKind; entry: IpState }
  | { op: "delete"; type: "vhost"; domain: string; contents: { ipEntries: number; customRules: number; exclusions: number } }
  | { op: "update"; type: "ip"; domain: string; kind: IpKind; entry: IpState; changes: FieldChange[] }
  | { op: "update"; type: "exclusion"; domain: string; exclusion: ExclusionState; changes: FieldChange[] }
  | { op: "update"; type: "vhost"; domain: string; desired: VhostState; changes: FieldChange[] }
  | { op: "create"; type: "vhost"; domain: string; desired: VhostState }
  | { op: "update"; type: "policy"; domain: string; desired: PolicyState; changes: FieldChange[] }
  | { op: "create"; type: "ip"; domain: string; kind: IpKind; entries: IpState[] }
  | { op: "create"; type: "exclusion"; domain: string; exclusion: ExclusionState }
  | { op: "update"; type: "customRule"; domain: string; desired: CustomRuleState; changes: FieldChange[] }
  | { op: "create"; type: "customRule"; domain: string; desired: CustomRuleState }
  | { op: "update"; type: "customRuleOrder"; domain: string; before: number[]; after: number[] }
  | { op: "update"; type: "template"; name: string; desired: TemplateState; changes: FieldChange[] }
  | { op: "create"; type: "template"; name: string; desired: TemplateState };

export type Plan = { ops: PlanOp[]; counts: { create: number; update: number; delete: number } };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function fieldChanges<T extends object>(fields: readonly (keyof T & string)[], before: T, after: T): FieldChange[] {
  return fields.filter((f) => !same(before[f], after[f])).map((f) => ({ field: f, old: before[f], new: after[f] }));
}

const byKey = <T,>(items: T[], key: (t: T) => string) => new Map(items.map((t) => [key(t), t]));

export function planChanges(current: ConfigState, desired: ConfigState): Plan {
  const phases: Record<string, PlanOp[]> = {};
  const add = (phase: number, op: PlanOp) => (phases[phase] ??= []).push(op);

  // Templates (custom ones only: the built-ins are Palisade's).
  const currentTemplates = byKey(current.templates, (t) => t.name);
  const desiredTemplates = byKey(desired.templates, (t) => t.name);
  for (const t of current.templates) if (!desiredTemplates.has(t.name)) add(1, { op: "delete", type: "template", name: t.name });
  for (const t of desired.templates) {
    const was = currentTemplates.get(t.name);
    if (!was) {
      add(16, { op: "create", type: "template", name: t.name, desired: t });
      continue;
    }
    const changes = [
      ...fieldChanges(["description"], was, t),
      ...fieldChanges(POLICY_FIELDS, was.policy, t.policy),
      ...fieldChanges(["exclusions"], was, t),
    ];
    if (changes.length) add(15, { op: "update", type: "template", name: t.name, desired: t, changes });
  }

  // Custom rule ids are unique across vhosts: the vhost each one is wanted on.
  const desiredRuleHome = new Map<number, string>();
  for (const v of desired.vhosts) for (const r of v.customRules) desiredRuleHome.set(r.ruleId, v.domain);

  const currentVhosts = byKey(current.vhosts, (v) => v.domain);
  const desiredVhosts = byKey(desired.vhosts, (v) => v.domain);
  for (const v of current.vhosts) {
    if (!desiredVhosts.has(v.domain)) {
      add(5, {
        op: "delete",
        type: "vhost",
        domain: v.domain,
        contents: { ipEntries: v.ipAllow.length + v.ipDeny.length, customRules: v.customRules.length, exclusions: v.exclusions.length },
      });
    }
  }

  for (const v of desired.vhosts) {
    const was = currentVhosts.get(v.domain);
    if (!was) add(8, { op: "create", type: "vhost", domain: v.domain, desired: v });
    else {
      const changes = fieldChanges(VHOST_FIELDS, was, v);
      if (changes.length) add(7, { op: "update", type: "vhost", domain: v.domain, desired: v, changes });
      const policy = fieldChanges(POLICY_FIELDS, was.policy, v.policy);
      if (policy.length) add(9, { op: "update", type: "policy", domain: v.domain, desired: v.policy, changes: policy });
    }

    // IP lists.
    for (const [kind, key] of [["ALLOW", "ipAllow"], ["DENY", "ipDeny"]] as const) {
      const before = byKey(was?.[key] ?? [], (e) => e.cidr);
      const after = byKey(v[key], (e) => e.cidr);
      for (const e of before.values()) if (!after.has(e.cidr)) add(4, { op: "delete", type: "ip", domain: v.domain, kind, entry: e });
      const adding: IpState[] = [];
      for (const e of after.values()) {
        const old = before.get(e.cidr);
        if (!old) adding.push(e);
        else if (old.note !== e.note) add(6, { op: "update", type: "ip", domain: v.domain, kind, entry: e, changes: [{ field: "note", old: old.note, new: e.note }] });
      }
      if (adding.length) add(10, { op: "create", type: "ip", domain: v.domain, kind, entries: adding.sort((a, b) => compareCidr(a.cidr, b.cidr)) });
    }

    // Exclusions (a note is not part of the identity: changing it is an update).
    const exBefore = byKey(was?.exclusions ?? [], exclusionKey);
    const exAfter = byKey(v.exclusions, exclusionKey);
    for (const [k, e] of exBefore) if (!exAfter.has(k)) add(3, { op: "delete", type: "exclusion", domain: v.domain, exclusion: e });
    for (const [k, e] of exAfter) {
      const old = exBefore.get(k);
      if (!old) add(11, { op: "create", type: "exclusion", domain: v.domain, exclusion: e });
      else if (old.note !== e.note) add(6, { op: "update", type: "exclusion", domain: v.domain, exclusion: e, changes: [{ field: "note", old: old.note, new: e.note }] });
    }

    // Custom rules, and their order.
    const rulesBefore = byKey(was?.customRules ?? [], (r) => String(r.ruleId));
    for (const r of v.customRules) {
      const old = rulesBefore.get(String(r.ruleId));
      if (!old) add(13, { op: "create", type: "customRule", domain: v.domain, desired: r });
      else {
        const changes = fieldChanges(["description", "secRule", "enabled"], old, r);
        if (changes.length) add(12, { op: "update", type: "customRule", domain: v.domain, desired: r, changes });
      }
    }
    if (was) {
      // Where the rules end up without a reorder: the kept ones in their order, the new ones after them.
      const kept = was.customRules.filter((r) => desiredRuleHome.get(r.ruleId) === v.domain).map((r) => r.ruleId);
      const order = [...kept, ...v.customRules.filter((r) => !rulesBefore.has(String(r.ruleId))).map((r) => r.ruleId)];
      const wanted = v.customRules.map((r) => r.ruleId);
      if (!same(order, wanted)) add(14, { op: "update", type: "customRuleOrder", domain: v.domain, before: order, after: wanted });
    }
  }
  // Rules that leave a vhost that stays (deleted, or moved to another vhost).
  for (const v of current.vhosts) {
    if (!desiredVhosts.has(v.domain)) continue;
    for (const r of v.customRules) if (desiredRuleHome.get(r.ruleId) !== v.domain) add(2, { op: "delete", type: "customRule", domain: v.domain, ruleId: r.ruleId });
  }

  const ops = Object.keys(phases)
    .map(Number)
    .sort((a, b) => a - b)
    .flatMap((p) => phases[p]!);
  const counts = { create: 0, update: 0, delete: 0 };
  for (const op of ops) counts[op.op] += op.type === "ip" && op.op === "create" ? op.entries.length : 1;
  return { ops, counts };
}

// ---------------------------------------------------------------------------------------------------
// Text.

/** A value as the plan prints it: JSON (strings quoted, so trailing spaces show), "(none)" for an empty optional field. */
export function formatValue(v: unknown): string {
  return v === null || v === undefined ? "(none)" : JSON.stringify(v);
}

function exclusionText(e: ExclusionState): string {
  const parts: string[] = [e.kind];
  if (e.ruleId !== null) parts.push(e.ruleIdEnd !== null ? `${e.ruleId}-${e.ruleIdEnd}` : String(e.ruleId));
  if (e.tag !== null) parts.push(`tag ${e.tag}`);
  if (e.target !== null) parts.push(`target ${e.target}`);
  if (e.pathPrefix !== null) parts.push(`under ${e.pathPrefix}`);
  return parts.join(" ");
}

const listName = (kind: IpKind) => (kind === "ALLOW" ? "allow" : "deny");

/** One heading per change ("+" create, "~" update, "-" delete) and one indented line per field. */
export function describePlan(plan: Plan): string[] {
  const out: string[] = [];
  const fields = (changes: FieldChange[]) => changes.forEach((c) => out.push(`    ${c.field}: ${formatValue(c.old)} → ${formatValue(c.new)}`));
  const values = (obj: Record<string, unknown>) => Object.entries(obj).forEach(([k, v]) => out.push(`    ${k}: ${formatValue(v)}`));
  for (const op of plan.ops) {
    switch (op.type) {
      case "template":
        if (op.op === "delete") out.push(`- template "${op.name}"`);
        else if (op.op === "create") {
          out.push(`+ template "${op.name}"`);
          values({ description: op.desired.description, ...op.desired.policy, exclusions: op.desired.exclusions.map(exclusionText) });
        } else {
          out.push(`~ template "${op.name}"`);
          fields(op.changes.map((c) => (c.field === "exclusions" ? { ...c, old: (c.old as ExclusionState[]).map(exclusionText), new: (c.new as ExclusionState[]).map(exclusionText) } : c)));
        }
        break;
      case "vhost":
        if (op.op === "delete") {
          const c = op.contents;
          out.push(`- vhost ${op.domain} (with its policy, ${c.ipEntries} IP entries, ${c.customRules} custom rules, ${c.exclusions} exclusions)`);
        } else if (op.op === "create") {
          out.push(`+ vhost ${op.domain}`);
          const d = op.desired;
          values({ aliases: d.aliases, backendUrl: d.backendUrl, tlsMode: d.tlsMode, certificateRef: d.certificateRef, hsts: d.hsts, minTlsVersion: d.minTlsVersion, enabled: d.enabled });
          values(Object.fromEntries(POLICY_FIELDS.map((f) => [`policy.${f}`, d.policy[f]])));
        } else {
          out.push(`~ vhost ${op.domain}`);
          fields(op.changes);
        }
        break;
      case "policy":
        out.push(`~ policy of ${op.domain}`);
        fields(op.changes);
        break;
      case "ip":
        if (op.op === "create") for (const e of op.entries) out.push(`+ ${listName(op.kind)} ${e.cidr} on ${op.domain}${e.note !== null ? ` (note ${JSON.stringify(e.note)})` : ""}`);
        else if (op.op === "delete") out.push(`- ${listName(op.kind)} ${op.entry.cidr} on ${op.domain}`);
        else {
          out.push(`~ ${listName(op.kind)} ${op.entry.cidr} on ${op.domain}`);
          fields(op.changes);
        }
        break;
      case "exclusion":
        out.push(`${op.op === "create" ? "+" : op.op === "delete" ? "-" : "~"} exclusion ${exclusionText(op.exclusion)} on ${op.domain}`);
        if (op.op === "create" && op.exclusion.note !== null) out.push(`    note: ${formatValue(op.exclusion.note)}`);
        if (op.op === "update") fields(op.changes);
        break;
      case "customRule":
        if (op.op === "delete") out.push(`- custom rule ${op.ruleId} on ${op.domain}`);
        else if (op.op === "create") {
          out.push(`+ custom rule ${op.desired.ruleId} on ${op.domain}`);
          values({ description: op.desired.description, enabled: op.desired.enabled, secRule: op.desired.secRule });
        } else {
          out.push(`~ custom rule ${op.desired.ruleId} on ${op.domain}`);
          fields(op.changes);
        }
        break;
      case "customRuleOrder":
        out.push(`~ custom rule order on ${op.domain}`);
        fields([{ field: "order", old: op.before, new: op.after }]);
        break;
    }
  }
  const { create, update, delete: del } = plan.counts;
  out.push(plan.ops.length === 0 ? "No changes: the database already matches the file." : `Plan: ${create} to create, ${update} to update, ${del} to delete.`);
  return out;
}
