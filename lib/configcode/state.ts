// The desired state of everything config as code manages, as plain data without database ids, versions or
// times: what `config:export` writes, what a file parses to and what the plan compares. Pure.
//
// One order for everything, so the same state always gives the same file: vhosts by domain, templates by
// name (plain code-point order, the same on every machine and database), IP entries by address family,
// address and prefix, exclusions by their columns. Custom rules keep their evaluation order: it matters.
import ipaddr from "ipaddr.js";
import { parseCidr } from "@/lib/policies/cidr";
import type { StoredExclusion } from "@/lib/rules/exclusions";
import type { RuleExclusionKind } from "@/lib/rules/exclusion-fields";

export type EngineMode = "OFF" | "DETECTION_ONLY" | "BLOCKING";

export type PolicyState = {
  engineMode: EngineMode;
  blockingParanoia: number;
  detectionParanoia: number;
  inboundThreshold: number;
  outboundThreshold: number;
};

export const POLICY_FIELDS = ["engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold"] as const;

export type IpState = { cidr: string; note: string | null };

export type CustomRuleState = { ruleId: number; description: string; secRule: string; enabled: boolean };

export type ExclusionState = StoredExclusion;

export type VhostState = {
  domain: string;
  aliases: string[];
  backendUrl: string;
  tlsMode: "NONE" | "TERMINATE" | "REDIRECT";
  certificateRef: string | null;
  hsts: boolean;
  minTlsVersion: "TLS1_2" | "TLS1_3";
  enabled: boolean;
  policy: PolicyState;
  ipAllow: IpState[];
  ipDeny: IpState[];
  customRules: CustomRuleState[];
  exclusions: ExclusionState[];
};

export const VHOST_FIELDS = ["aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled"] as const;

export type TemplateState = { name: string; description: string; policy: PolicyState; exclusions: ExclusionState[] };

export type ConfigState = { vhosts: VhostState[]; templates: TemplateState[] };

/**
 * Confirmations a file gives for what the panel asks to confirm (they are not stored): a backend on an
 * internal address, and an allow list that lets a wide share of all addresses skip the WAF.
 */
export type VhostConfirmations = { internalBackend: boolean; wideIpRanges: boolean };

export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareNumbers(a: number | null, b: number | null): number {
  return (a ?? -1) - (b ?? -1);
}

/** IPv4 before IPv6, then by network address, then wider before narrower. Unparsable text sorts last, as text. */
export function compareCidr(a: string, b: string): number {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x.ok || !y.ok) return x.ok ? -1 : y.ok ? 1 : compareText(a, b);
  if (x.value.family !== y.value.family) return x.value.family === "ipv4" ? -1 : 1;
  const xb = ipaddr.parse(x.value.address).toByteArray();
  const yb = ipaddr.parse(y.value.address).toByteArray();
  for (let i = 0; i < xb.length; i++) if (xb[i] !== yb[i]) return xb[i]! - yb[i]!;
  return x.value.prefixLength - y.value.prefixLength;
}

const KIND_ORDER: Record<RuleExclusionKind, number> = { REMOVE_BY_ID: 0, REMOVE_BY_TAG: 1, REMOVE_TARGET_BY_ID: 2, REMOVE_TARGET_BY_TAG: 3 };

/** An exclusion's identity: its columns without the note (the panel refuses the same exclusion twice, notes aside). */
export function exclusionKey(e: ExclusionState): string {
  return JSON.stringify([e.kind, e.ruleId, e.ruleIdEnd, e.tag, e.target, e.pathPrefix]);
}

export function compareExclusions(a: ExclusionState, b: ExclusionState): number {
  return (
    (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) ||
    compareNumbers(a.ruleId, b.ruleId) ||
    compareNumbers(a.ruleIdEnd, b.ruleIdEnd) ||
    compareText(a.tag ?? "", b.tag ?? "") ||
    compareText(a.target ?? "", b.target ?? "") ||
    compareText(a.pathPrefix ?? "", b.pathPrefix ?? "") ||
    compareText(a.note ?? "", b.note ?? "")
  );
}

/** The same state in the one order (custom rules and aliases keep theirs). */
export function normalizeState(state: ConfigState): ConfigState {
  const sortIp = (list: IpState[]) => [...list].sort((a, b) => compareCidr(a.cidr, b.cidr));
  return {
    vhosts: [...state.vhosts]
      .sort((a, b) => compareText(a.domain, b.domain))
      .map((v) => ({ ...v, ipAllow: sortIp(v.ipAllow), ipDeny: sortIp(v.ipDeny), exclusions: [...v.exclusions].sort(compareExclusions) })),
    templates: [...state.templates]
      .sort((a, b) => compareText(a.name, b.name))
      .map((t) => ({ ...t, exclusions: [...t.exclusions].sort(compareExclusions) })),
  };
}
