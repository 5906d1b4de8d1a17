// Config as code: export the stored state, plan a file against it, apply the plan in ONE audited
// transaction. Every change goes through the same service change functions the panel's actions run
// (lib/vhosts, lib/policies, lib/rules, lib/templates), each writing its own audit row, plus one
// "config.apply" row naming the file; a refusal or a database error anywhere rolls all of it back.
import "server-only";
import { audited, type AuditContext, type AuditEntry } from "@/lib/audit/audited";
import { can } from "@/lib/auth/permissions";
import { db, type Tx } from "@/lib/db";
import { AppError, FieldValidationError, ForbiddenError } from "@/lib/errors";
import type { IpListChangeReport } from "@/lib/policies/cidr";
import { ipEntriesAddChange, ipEntryRemoveChange, policyUpdate } from "@/lib/policies/service";
import { parseStoredExclusion, type RuleExclusion } from "@/lib/rules/exclusions";
import {
  customRuleCreateChange,
  customRuleDeleteChange,
  customRuleReorderChange,
  customRuleUpdateChange,
  exclusionCreateChange,
  exclusionDeleteChange,
} from "@/lib/rules/service";
import { templateCreateChange, templateDeleteChange, templateUpdateChange } from "@/lib/templates/service";
import { internalBackendOf } from "@/lib/vhosts/queries";
import { createVhostChange, DEFAULT_POLICY, deleteVhostChange, updateVhostChange } from "@/lib/vhosts/service";
import { planChanges, type Plan, type PlanOp } from "./plan";
import { ipRefKey, readStoredConfig, type StoredConfig } from "./queries";
import { exclusionKey, POLICY_FIELDS, type ExclusionState, type TemplateState, type VhostState } from "./state";
import { ipApplyOrder, objectKey, stateToYaml, type DesiredConfig, type YamlPath } from "./yaml-file";

/** The whole stored state as the configuration file. */
export async function exportConfig(): Promise<string> {
  const stored = await readStoredConfig(db);
  return stateToYaml(stored.state, (url) => internalBackendOf(url) !== null);
}

/** The file and the fingerprint of the state it shows, from one read (GET /api/v1/config: body and ETag). */
export async function exportConfigWithFingerprint(): Promise<{ text: string; fingerprint: string }> {
  const stored = await readStoredConfig(db);
  return { text: stateToYaml(stored.state, (url) => internalBackendOf(url) !== null), fingerprint: stored.fingerprint };
}

/** The whole-state fingerprint now: what a plan made now would name (the API's ETag after an apply or a 412). */
export async function configFingerprint(): Promise<string> {
  return (await readStoredConfig(db)).fingerprint;
}

/** What applying the file would change, and the fingerprint of the state the plan was made on. */
export async function planConfig(desired: DesiredConfig): Promise<{ plan: Plan; fingerprint: string }> {
  const stored = await readStoredConfig(db);
  return { plan: planChanges(stored.state, desired.state), fingerprint: stored.fingerprint };
}

/** The user a command-line apply acts as: an enabled ADMIN, named by email. */
export async function configActor(email: string): Promise<AuditContext> {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true, email: true, role: true, disabled: true } });
  if (!user || user.disabled) throw new ForbiddenError(`No enabled user ${email} exists: --as names the admin the audit log records.`);
  if (!can(user.role, "config.apply")) throw new ForbiddenError(`${user.email} is ${user.role}: only an ADMIN may apply a configuration file.`);
  return { actor: { id: user.id, email: user.email }, meta: { userAgent: "palisade config:apply" } };
}

/** The database changed between plan and apply (optimistic locking, for the whole state). */
export class ConfigChangedError extends AppError {
  constructor() {
    super("The database changed after the plan was made: nothing was applied. Run config:apply again to see the new plan.");
  }
}

/** A change of the plan was refused by its service: where in the file, and why. Nothing was applied. */
export class ConfigApplyError extends AppError {
  constructor(
    readonly path: YamlPath | null,
    readonly problems: { field: string | null; message: string }[],
    readonly what: string,
  ) {
    super(`${what}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join(" ")}`);
  }
}

export type ApplyOptions = {
  /** StoredConfig.fingerprint when the plan was shown: apply refuses if the state is no longer that one. */
  fingerprint: string;
  /** Where the file came from, for the audit row ("palisade.yaml"). */
  source: string;
  /** Runs after each change, inside the transaction. Tests use it to prove that a failure midway rolls everything back. */
  afterEachChange?: (tx: Tx, index: number) => Promise<void>;
};

class NothingToApply extends Error {}

export async function applyConfig(ctx: AuditContext, desired: DesiredConfig, options: ApplyOptions): Promise<Plan> {
  try {
    return await audited(ctx, async (tx) => {
      const stored = await readStoredConfig(tx);
      if (stored.fingerprint !== options.fingerprint) throw new ConfigChangedError();
      const plan = planChanges(stored.state, desired.state);
      if (plan.ops.length === 0) throw new NothingToApply();
      const run = new ApplyRun(ctx, tx, stored, desired);
      for (const [index, op] of plan.ops.entries()) {
        await run.apply(op);
        if (options.afterEachChange) await options.afterEachChange(tx, index);
      }
      const { create, update, delete: del } = plan.counts;
      const summary: AuditEntry = {
        action: "config.apply",
        entityType: "ConfigFile",
        entityId: desired.sha256,
        summary: `Applied the configuration file ${options.source} (sha256 ${desired.sha256.slice(0, 12)}): ${create} created, ${update} updated, ${del} deleted`,
        after: { source: options.source, sha256: desired.sha256, counts: plan.counts, changes: run.entries.length },
      };
      return { result: plan, audit: [...run.entries, summary] };
    });
  } catch (err) {
    if (err instanceof NothingToApply) return { ops: [], counts: { create: 0, update: 0, delete: 0 } };
    throw err;
  }
}

type Change<T> = (tx: Tx) => Promise<{ result: T; audit: AuditEntry | AuditEntry[] }>;

/** Runs the plan's changes one after the other in the caller's transaction and keeps their audit entries. */
class ApplyRun {
  readonly entries: AuditEntry[] = [];
  private readonly vhostIds = new Map<string, string>();

  constructor(
    private readonly ctx: AuditContext,
    private readonly tx: Tx,
    private readonly stored: StoredConfig,
    private readonly desired: DesiredConfig,
  ) {
    for (const [domain, refs] of stored.vhosts) this.vhostIds.set(domain, refs.id);
  }

  private async run<T>(change: Change<T>, path: YamlPath | null, what: string): Promise<T> {
    try {
      const { result, audit } = await change(this.tx);
      this.entries.push(...(Array.isArray(audit) ? audit : [audit]));
      return result;
    } catch (err) {
      if (err instanceof FieldValidationError) {
        throw new ConfigApplyError(path, Object.entries(err.fieldErrors).flatMap(([field, messages]) => messages.map((message) => ({ field, message }))), what);
      }
      if (err instanceof AppError && !(err instanceof ConfigApplyError)) throw new ConfigApplyError(path, [{ field: null, message: err.message }], what);
      throw err;
    }
  }

  private vhostId(domain: string): string {
    const id = this.vhostIds.get(domain);
    if (!id) throw new Error(`No virtual host ${domain} in this apply`);
    return id;
  }

  private refs(domain: string) {
    const r = this.stored.vhosts.get(domain);
    if (!r) throw new Error(`No stored virtual host ${domain}`);
    return r;
  }

  private path(key: string): YamlPath | null {
    return this.desired.paths.get(key) ?? null;
  }

  private async addIp(domain: string, kind: "ALLOW" | "DENY", entries: { cidr: string; note: string | null }[]) {
    const adding = ipApplyOrder(entries).map((e) => ({ kind, cidr: e.cidr, ...(e.note !== null ? { note: e.note } : {}) }));
    const confirmWide = this.desired.confirmations.get(domain)?.wideIpRanges ?? false;
    const r = await this.run(ipEntriesAddChange({ vhostId: this.vhostId(domain), kind, adding, confirmWide }), this.path(objectKey.vhost(domain)), `${kind === "ALLOW" ? "Allow" : "Deny"} list of ${domain}`);
    const refused = (r.report as IpListChangeReport).lines.find((l) => l.status === "refused");
    if (refused && refused.status === "refused") {
      throw new ConfigApplyError(this.path(objectKey.ip(domain, kind, adding[refused.index]!.cidr)), [{ field: "cidr", message: refused.reason }], `${refused.input} on ${domain}`);
    }
  }

  async apply(op: PlanOp): Promise<void> {
    switch (op.type) {
      case "template": {
        const ref = this.stored.templates.get(op.name);
        if (op.op === "delete") return void (await this.run(templateDeleteChange(ref!), null, `Template "${op.name}"`));
        const path = this.path(objectKey.template(op.name));
        const input = templateInput(op.desired);
        if (op.op === "create") return void (await this.run(templateCreateChange(input), path, `Template "${op.name}"`));
        return void (await this.run(templateUpdateChange({ ...input, id: ref!.id, version: ref!.version }), path, `Template "${op.name}"`));
      }
      case "vhost": {
        const what = `Virtual host ${op.domain}`;
        if (op.op === "delete") {
          const r = this.refs(op.domain);
          return void (await this.run(deleteVhostChange({ id: r.id, version: r.version }), null, what));
        }
        const path = this.path(objectKey.vhost(op.domain));
        const fields = vhostFields(op.desired, this.desired.confirmations.get(op.domain)?.internalBackend ?? false);
        if (op.op === "update") {
          const r = this.refs(op.domain);
          return void (await this.run(updateVhostChange(this.ctx, { ...fields, id: r.id, version: r.version }), path, what));
        }
        const created = await this.run(createVhostChange(this.ctx, fields), path, what);
        this.vhostIds.set(op.domain, created.id);
        // A new vhost starts with CRS's defaults (as in the panel without a template); then the file's policy.
        if (POLICY_FIELDS.some((f) => op.desired.policy[f] !== DEFAULT_POLICY[f])) {
          await this.run(policyUpdate(this.ctx, { ...op.desired.policy, vhostId: created.id, version: 1 }), this.path(objectKey.policy(op.domain)), `Policy of ${op.domain}`);
        }
        return;
      }
      case "policy": {
        const r = this.refs(op.domain);
        await this.run(policyUpdate(this.ctx, { ...op.desired, vhostId: r.id, version: r.policyVersion }), this.path(objectKey.policy(op.domain)), `Policy of ${op.domain}`);
        return;
      }
      case "ip": {
        if (op.op === "create") return this.addIp(op.domain, op.kind, op.entries);
        // A note is changed by removing the entry and adding it again with the new note.
        const id = this.refs(op.domain).ipEntries.get(ipRefKey(op.kind, op.entry.cidr))!;
        await this.run(ipEntryRemoveChange({ vhostId: this.vhostId(op.domain), id }), null, `${op.entry.cidr} on ${op.domain}`);
        if (op.op === "update") await this.addIp(op.domain, op.kind, [op.entry]);
        return;
      }
      case "exclusion": {
        const what = `Exclusion on ${op.domain}`;
        if (op.op !== "create") {
          const id = this.refs(op.domain).exclusions.get(exclusionKey(op.exclusion))!;
          await this.run(exclusionDeleteChange({ vhostId: this.vhostId(op.domain), id }), null, what);
          if (op.op === "delete") return;
        }
        await this.run(exclusionCreateChange({ vhostId: this.vhostId(op.domain), stored: op.exclusion }), this.path(objectKey.exclusion(op.domain, op.exclusion)), what);
        return;
      }
      case "customRule": {
        if (op.op === "delete") {
          const id = this.refs(op.domain).customRules.get(op.ruleId)!.id;
          return void (await this.run(customRuleDeleteChange({ vhostId: this.vhostId(op.domain), id }), null, `Custom rule ${op.ruleId}`));
        }
        const path = this.path(objectKey.customRule(op.desired.ruleId));
        const what = `Custom rule ${op.desired.ruleId}`;
        if (op.op === "create") return void (await this.run(customRuleCreateChange({ vhostId: this.vhostId(op.domain), ...op.desired }), path, what));
        const ref = this.refs(op.domain).customRules.get(op.desired.ruleId)!;
        return void (await this.run(customRuleUpdateChange({ vhostId: this.vhostId(op.domain), id: ref.id, version: ref.version, ...op.desired }), path, what));
      }
      case "customRuleOrder":
        await this.run(customRuleReorderChange({ vhostId: this.vhostId(op.domain), order: op.after }), this.path(objectKey.vhost(op.domain)), `Custom rule order on ${op.domain}`);
        return;
    }
  }
}

function vhostFields(v: VhostState, confirmInternalBackend: boolean) {
  return {
    domain: v.domain,
    aliases: v.aliases,
    backendUrl: v.backendUrl,
    tlsMode: v.tlsMode,
    certificateRef: v.certificateRef ?? "",
    hsts: v.hsts,
    minTlsVersion: v.minTlsVersion,
    enabled: v.enabled,
    confirmInternalBackend,
  };
}

function templateInput(t: TemplateState) {
  return { name: t.name, description: t.description, ...t.policy, exclusions: t.exclusions.map(checkedExclusion) };
}

/** The file's exclusions were checked when it was parsed; this only turns the columns back into the schema's shape. */
function checkedExclusion(e: ExclusionState): RuleExclusion {
  const parsed = parseStoredExclusion(e);
  if (!parsed.ok) throw new AppError(`Exclusion ${e.kind}: ${parsed.field} ${parsed.message}`);
  return parsed.value;
}
