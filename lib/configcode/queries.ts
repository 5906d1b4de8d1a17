// The stored state as config as code sees it, with the ids and versions apply needs (never written to a file).
import "server-only";
import { createHash } from "node:crypto";
import type { Db, Tx } from "@/lib/db";
import type { RuleExclusionKind } from "@/lib/rules/exclusion-fields";
import { exclusionToColumns } from "@/lib/rules/exclusions";
import { readTemplatePolicy } from "@/lib/templates/service";
import { exclusionKey, normalizeState, POLICY_FIELDS, type ConfigState, type ExclusionState, type PolicyState } from "./state";

export type VhostRefs = {
  id: string;
  version: number;
  policyVersion: number;
  ipEntries: Map<string, string>;
  customRules: Map<number, { id: string; version: number }>;
  exclusions: Map<string, string>;
};

export type StoredConfig = {
  state: ConfigState;
  vhosts: Map<string, VhostRefs>;
  templates: Map<string, { id: string; version: number }>;
  /** Changes when anything config as code manages changes (contents, ids or versions): apply refuses a plan made on another. */
  fingerprint: string;
};

export const ipRefKey = (kind: string, cidr: string) => `${kind} ${cidr}`;

function exclusionOf(e: { kind: string; ruleId: number | null; ruleIdEnd: number | null; tag: string | null; target: string | null; pathPrefix: string | null; note: string | null }): ExclusionState {
  return { kind: e.kind as RuleExclusionKind, ruleId: e.ruleId, ruleIdEnd: e.ruleIdEnd, tag: e.tag, target: e.target, pathPrefix: e.pathPrefix, note: e.note };
}

function policyOf(p: PolicyState): PolicyState {
  return Object.fromEntries(POLICY_FIELDS.map((f) => [f, p[f]])) as PolicyState;
}

/** Reads everything in one go; inside apply's transaction it is the state the plan is checked against. */
export async function readStoredConfig(client: Db | Tx): Promise<StoredConfig> {
  // One query at a time: a transaction holds one connection, and pg refuses overlapping queries on it.
  const rows = await client.virtualHost.findMany({
    include: {
      policy: true,
      ipEntries: true,
      customRules: { orderBy: [{ position: "asc" }, { ruleId: "asc" }] },
      exclusions: true,
    },
  });
  const templateRows = await client.policyTemplate.findMany({ where: { builtIn: false } });

  const vhosts = new Map<string, VhostRefs>();
  const state: ConfigState = {
    vhosts: rows.map((v) => {
      if (!v.policy) throw new Error(`The virtual host ${v.domain} has no WAF policy.`);
      const exclusions = v.exclusions.map(exclusionOf);
      vhosts.set(v.domain, {
        id: v.id,
        version: v.version,
        policyVersion: v.policy.version,
        ipEntries: new Map(v.ipEntries.map((e) => [ipRefKey(e.kind, e.cidr), e.id])),
        customRules: new Map(v.customRules.map((r) => [r.ruleId, { id: r.id, version: r.version }])),
        exclusions: new Map(v.exclusions.map((e) => [exclusionKey(exclusionOf(e)), e.id])),
      });
      const ip = (kind: string) => v.ipEntries.filter((e) => e.kind === kind).map((e) => ({ cidr: e.cidr, note: e.note }));
      return {
        domain: v.domain,
        aliases: v.aliases as string[],
        backendUrl: v.backendUrl,
        tlsMode: v.tlsMode,
        certificateRef: v.certificateRef,
        hsts: v.hsts,
        minTlsVersion: v.minTlsVersion,
        enabled: v.enabled,
        policy: policyOf(v.policy),
        ipAllow: ip("ALLOW"),
        ipDeny: ip("DENY"),
        customRules: v.customRules.map((r) => ({ ruleId: r.ruleId, description: r.description, secRule: r.secRule, enabled: r.enabled })),
        exclusions,
      };
    }),
    templates: templateRows.map((t) => {
      const policy = readTemplatePolicy(t);
      return { name: t.name, description: t.description, policy: policyOf(policy), exclusions: policy.exclusions.map((e) => exclusionOf(exclusionToColumns(e))) };
    }),
  };
  const templates = new Map(templateRows.map((t) => [t.name, { id: t.id, version: t.version }]));
  const normalized = normalizeState(state);
  const versions = {
    vhosts: normalized.vhosts.map((v) => {
      const r = vhosts.get(v.domain)!;
      return [r.id, r.version, r.policyVersion, [...r.ipEntries.values()].sort(), [...r.customRules.values()].map((c) => [c.id, c.version]).sort(), [...r.exclusions.values()].sort()];
    }),
    templates: normalized.templates.map((t) => templates.get(t.name)),
  };
  const fingerprint = createHash("sha256").update(JSON.stringify({ state: normalized, versions })).digest("hex");
  return { state: normalized, vhosts, templates, fingerprint };
}
