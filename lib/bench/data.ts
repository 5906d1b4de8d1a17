// Realistic, deterministic data for the scale seed and the benchmarks: virtual hosts with policies in
// every mode, IP lists, custom rules and exclusions, and a stream of audit events about them. Pure: the
// same seed gives the same data, so the compiler benchmark and the database see the same kind of vhost.
import { randomUUID } from "node:crypto";
import type { HashedFields } from "@/lib/audit/chain";
import type { CustomRuleInput, ExclusionInput, IpEntryInput, PolicyInput, VhostInput } from "@/lib/waf/types";

export type Rng = () => number;

/** mulberry32: small, fast, good enough to spread test data. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Picks a key of `weights` with probability proportional to its weight. */
export function weighted<K extends string>(r: Rng, weights: Record<K, number>): K {
  const entries = Object.entries(weights) as [K, number][];
  let x = r() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/** A version-4-shaped UUID from the generator (deterministic, unlike crypto.randomUUID). */
export function uuid(r: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(r, ["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;
}

const WORDS = ["shop", "api", "www", "portal", "billing", "cdn", "auth", "admin", "blog", "docs", "status", "mail", "app", "partners", "intranet", "media"];
const ORGS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "cyberdyne", "soylent", "wonka", "oscorp"];
const TLDS = ["com", "net", "org", "io", "de", "fr"];
const NOTES = ["scanner network", "office", "VPN egress", "monitoring", "partner API", "abuse report", "credential stuffing", null, null];
const PATHS = ["/login", "/api/", "/cms/editor", "/upload", "/search", "/admin/", "/graphql", "/wp-json/"];
const TARGETS = ["ARGS:password", "ARGS:q", "ARGS:content", "REQUEST_COOKIES:session", "ARGS:html", "ARGS:query"];
const TAGS = ["attack-xss", "attack-sqli", "attack-rce", "attack-lfi", "paranoia-level/2", "OWASP_CRS/WEB_ATTACK/SQL_INJECTION"];
const EXCLUDABLE_IDS = [920350, 942100, 941100, 932100, 930120, 920420, 942200, 942430, 921110, 913100];

export type SeedVhost = VhostInput & {
  policyId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  updatedByEmail: string;
};

function ipv4Cidr(r: Rng): string {
  const prefix = pick(r, [32, 32, 32, 24, 24, 16]);
  const a = pick(r, [45, 62, 80, 91, 103, 176, 185, 193, 198, 203]);
  const b = int(r, 0, 255);
  const c = prefix >= 24 ? int(r, 0, 255) : 0;
  const d = prefix === 32 ? int(r, 1, 254) : 0;
  return prefix === 32 ? `${a}.${b}.${c}.${d}` : `${a}.${b}.${c}.${d}/${prefix}`;
}

function ipv6Cidr(r: Rng): string {
  const h = () => int(r, 1, 0xfffe).toString(16);
  return pick(r, [`2001:db8:${h()}::/48`, `2a01:${h()}:${h()}::/48`, `2001:db8:${h()}:${h()}::/64`]);
}

/**
 * The `i`-th vhost of a run: the domain carries the run's `tag` so reruns on the same database do not
 * collide. `nextRuleId` hands out installation-wide custom rule ids (null when the range is used up).
 */
export function makeVhost(r: Rng, i: number, tag: string, createdAt: Date, editor: string, nextRuleId: () => number | null): SeedVhost {
  const org = pick(r, ORGS);
  const domain = `${pick(r, WORDS)}-${i}.${org}-${tag}.${pick(r, TLDS)}`;
  const tlsMode = pick(r, ["NONE", "TERMINATE", "TERMINATE", "TERMINATE", "REDIRECT"] as const);
  const engineMode = pick(r, ["BLOCKING", "BLOCKING", "BLOCKING", "BLOCKING", "BLOCKING", "BLOCKING", "BLOCKING", "DETECTION_ONLY", "DETECTION_ONLY", "OFF"] as const);
  const blockingParanoia = pick(r, [1, 1, 1, 2, 2, 3, 4]);
  const policy: PolicyInput = {
    engineMode,
    blockingParanoia,
    detectionParanoia: Math.min(4, blockingParanoia + pick(r, [0, 0, 1])),
    inboundThreshold: pick(r, [5, 5, 5, 7, 10, 15]),
    outboundThreshold: pick(r, [4, 4, 4, 5, 8]),
  };
  const ipEntries: IpEntryInput[] = [];
  const seen = new Set<string>();
  const ipCount = pick(r, [0, 0, 1, 2, 3, 4, 6, 10]);
  for (let k = 0; k < ipCount; k++) {
    const cidr = r() < 0.8 ? ipv4Cidr(r) : ipv6Cidr(r);
    if (seen.has(cidr)) continue;
    seen.add(cidr);
    ipEntries.push({ kind: r() < 0.75 ? "DENY" : "ALLOW", cidr, note: pick(r, NOTES) });
  }
  const customRules: CustomRuleInput[] = [];
  const ruleCount = pick(r, [0, 0, 0, 0, 1, 1, 2]);
  for (let k = 0; k < ruleCount; k++) {
    const ruleId = nextRuleId();
    if (ruleId === null) break;
    const path = pick(r, ["/wp-admin", "/phpmyadmin", "/.env", "/server-status", "/old-admin", "/debug"]);
    customRules.push({
      ruleId,
      description: `Block ${path}`,
      secRule: `SecRule REQUEST_FILENAME "@beginsWith ${path}" "id:${ruleId},phase:1,deny,status:403,log,msg:'Blocked path ${path}'"`,
      enabled: r() < 0.9,
      position: k + 1,
    });
  }
  const exclusions: ExclusionInput[] = [];
  const exclusionCount = pick(r, [0, 0, 0, 1, 1, 2, 3]);
  for (let k = 0; k < exclusionCount; k++) {
    const kind = pick(r, ["REMOVE_BY_ID", "REMOVE_BY_TAG", "REMOVE_TARGET_BY_ID", "REMOVE_TARGET_BY_TAG"] as const);
    const byId = kind === "REMOVE_BY_ID" || kind === "REMOVE_TARGET_BY_ID";
    const withTarget = kind === "REMOVE_TARGET_BY_ID" || kind === "REMOVE_TARGET_BY_TAG";
    exclusions.push({
      kind,
      ruleId: byId ? pick(r, EXCLUDABLE_IDS) : null,
      ruleIdEnd: null,
      tag: byId ? null : pick(r, TAGS),
      target: withTarget ? pick(r, TARGETS) : null,
      pathPrefix: r() < 0.5 ? pick(r, PATHS) : null,
      note: r() < 0.5 ? "false positive reported by the application team" : null,
    });
  }
  const aliases = r() < 0.4 ? [`www.${domain}`] : [];
  return {
    // Random, not from the seed: a second run on the same database must not collide.
    id: randomUUID(),
    policyId: randomUUID(),
    domain,
    aliases,
    backendUrl: `http${r() < 0.3 ? "s" : ""}://10.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}:${pick(r, [80, 8080, 8443, 3000, 9000])}`,
    tlsMode,
    certificateRef: tlsMode === "NONE" ? null : `${org}-${tag}-${i}`,
    hsts: tlsMode !== "NONE" && r() < 0.6,
    minTlsVersion: r() < 0.2 ? "TLS1_3" : "TLS1_2",
    enabled: r() < 0.95,
    policy,
    ipEntries,
    customRules,
    exclusions,
    version: int(r, 1, 6),
    createdAt,
    updatedAt: createdAt,
    updatedByEmail: editor,
  };
}

/** `count` vhosts as the compiler's input, built in memory (no database). */
export function compilerVhosts(count: number, seed = 42): VhostInput[] {
  const r = rng(seed);
  let ruleId = 0;
  const now = new Date("2026-01-01T00:00:00Z");
  return Array.from({ length: count }, (_, i) => {
    const { policyId: _p, version: _v, createdAt: _c, updatedAt: _u, updatedByEmail: _e, ...input } = makeVhost(r, i + 1, "bench", now, "x@example.test", () =>
      ruleId < 89_999 ? ++ruleId : null,
    );
    return input;
  });
}

// ---------------------------------------------------------------------------------------------------
// Users and audit events

export type SeedUser = { email: string; name: string; role: "ADMIN" | "EDITOR" | "AUDITOR"; weight: number };

/** The people who act in the seeded log, with how often each acts (some a lot, most a little). */
export const SEED_USERS: SeedUser[] = [
  { email: "ops.lead@palisade.bench", name: "Ops Lead", role: "ADMIN", weight: 6 },
  { email: "secops@palisade.bench", name: "SecOps", role: "ADMIN", weight: 4 },
  ...Array.from({ length: 14 }, (_, k) => ({
    email: `editor${k + 1}@palisade.bench`,
    name: `Editor ${k + 1}`,
    role: "EDITOR" as const,
    weight: [20, 14, 10, 8, 6, 5, 4, 4, 3, 3, 2, 2, 1, 1][k]!,
  })),
  { email: "auditor1@palisade.bench", name: "Auditor 1", role: "AUDITOR", weight: 1 },
  { email: "auditor2@palisade.bench", name: "Auditor 2", role: "AUDITOR", weight: 1 },
];

export type Actor = { id: string | null; email: string; role: string };

/** An event as audited() builds it, before seq, prevHash and hash are assigned. */
export type EventDraft = Omit<HashedFields, "seq" | "prevHash" | "createdAt"> & { createdAt: Date };

const USER_AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
];

const policyView = (p: PolicyInput, version: number) => ({ ...p, version });

function policyChange(r: Rng, p: PolicyInput): PolicyInput {
  const field = pick(r, ["engineMode", "blockingParanoia", "inboundThreshold", "outboundThreshold"] as const);
  if (field === "engineMode") return { ...p, engineMode: pick(r, ["OFF", "DETECTION_ONLY", "BLOCKING"] as const) };
  if (field === "blockingParanoia") {
    const b = int(r, 1, 4);
    return { ...p, blockingParanoia: b, detectionParanoia: Math.max(b, p.detectionParanoia) };
  }
  return { ...p, [field]: pick(r, [3, 4, 5, 7, 10, 15, 20]) };
}

const ACTION_WEIGHTS = {
  "policy.update": 25,
  "iplist.add": 20,
  "iplist.remove": 8,
  "vhost.update": 15,
  "customrule.create": 5,
  "customrule.update": 5,
  "exclusion.create": 6,
  "vhost.toggle": 3,
  "security.denied": 5,
  "audit.export": 1,
  "template.update": 1,
} as const;

/**
 * The event after `vhost` was created or changed by `actor` at `at`: a vhost.create when `create`, else
 * one of the everyday changes, shaped like the real service's audit entry.
 */
export function makeEvent(r: Rng, at: Date, actor: Actor, vhost: SeedVhost, create: boolean): EventDraft {
  const meta = { ip: `10.20.${int(r, 0, 255)}.${int(r, 1, 254)}`, userAgent: pick(r, USER_AGENTS) };
  const base = { createdAt: at, actorId: actor.id, actorEmail: actor.email, ...meta };
  const d = vhost.domain;
  if (create) {
    return {
      ...base,
      action: "vhost.create",
      entityType: "VirtualHost",
      entityId: vhost.id,
      vhostId: vhost.id,
      summary: `Created virtual host ${d} → ${vhost.backendUrl} with the default policy (${vhost.policy.engineMode.toLowerCase().replace("_", " ")}, paranoia ${vhost.policy.blockingParanoia})`,
      before: null,
      after: {
        vhost: { id: vhost.id, domain: d, aliases: vhost.aliases, backendUrl: vhost.backendUrl, tlsMode: vhost.tlsMode, certificateRef: vhost.certificateRef, hsts: vhost.hsts, minTlsVersion: vhost.minTlsVersion, enabled: vhost.enabled, version: 1 },
        policy: policyView(vhost.policy, 1),
      },
    };
  }
  const action = actor.role === "AUDITOR" ? "security.denied" : weighted(r, ACTION_WEIGHTS);
  const v = int(r, 1, 30);
  switch (action) {
    case "policy.update": {
      const after = policyChange(r, vhost.policy);
      const changes = (Object.keys(after) as (keyof PolicyInput)[]).filter((k) => after[k] !== vhost.policy[k]).map((k) => `${k} ${vhost.policy[k]} → ${after[k]}`);
      return {
        ...base,
        action,
        entityType: "WafPolicy",
        entityId: vhost.policyId,
        vhostId: vhost.id,
        summary: changes.length ? `Policy of ${d}: ${changes.join(", ")}` : `Saved the policy of ${d} without changes`,
        before: policyView(vhost.policy, v),
        after: policyView(after, v + 1),
      };
    }
    case "iplist.add":
    case "iplist.remove": {
      const kind = r() < 0.75 ? "DENY" : "ALLOW";
      const list = kind === "DENY" ? "deny" : "allow";
      const entry = { kind, cidr: r() < 0.8 ? ipv4Cidr(r) : ipv6Cidr(r), note: pick(r, NOTES) };
      if (action === "iplist.remove") {
        return { ...base, action, entityType: "IpList", entityId: `${vhost.id}:${kind}`, vhostId: vhost.id, summary: `Removed ${entry.cidr} from the ${list} list of ${d}`, before: entry, after: null };
      }
      return {
        ...base,
        action,
        entityType: "IpList",
        entityId: `${vhost.id}:${kind}`,
        vhostId: vhost.id,
        summary: `Added 1 ${list} entry to ${d}: ${entry.cidr}`,
        before: null,
        after: { kind, added: [entry], refused: [] },
      };
    }
    case "vhost.update": {
      const before = { backendUrl: vhost.backendUrl, hsts: vhost.hsts, version: v };
      const after = { backendUrl: `http://10.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}:8080`, hsts: !vhost.hsts, version: v + 1 };
      return { ...base, action, entityType: "VirtualHost", entityId: vhost.id, vhostId: vhost.id, summary: `Updated ${d}: backendUrl, hsts`, before, after };
    }
    case "vhost.toggle": {
      const enabled = r() < 0.5;
      return {
        ...base,
        action: enabled ? "vhost.enable" : "vhost.disable",
        entityType: "VirtualHost",
        entityId: vhost.id,
        vhostId: vhost.id,
        summary: `${enabled ? "Enabled" : "Disabled"} ${d}`,
        before: { enabled: !enabled, version: v },
        after: { enabled, version: v + 1 },
      };
    }
    case "customrule.create":
    case "customrule.update": {
      const ruleId = int(r, 1, 89_999);
      const rule = { ruleId, description: "Block an old admin path", enabled: true, secRule: `SecRule REQUEST_FILENAME "@beginsWith /old" "id:${ruleId},phase:1,deny,status:403,log"` };
      return action === "customrule.create"
        ? { ...base, action, entityType: "CustomRule", entityId: randomUUID(), vhostId: vhost.id, summary: `Added custom rule ${ruleId} to ${d}`, before: null, after: rule }
        : {
            ...base,
            action,
            entityType: "CustomRule",
            entityId: randomUUID(),
            vhostId: vhost.id,
            summary: `Updated custom rule ${ruleId} on ${d}: description`,
            before: { ...rule, description: "Old admin path" },
            after: rule,
          };
    }
    case "exclusion.create": {
      const ruleId = pick(r, EXCLUDABLE_IDS);
      const target = pick(r, TARGETS);
      return {
        ...base,
        action,
        entityType: "RuleExclusion",
        entityId: randomUUID(),
        vhostId: vhost.id,
        summary: `Excluded ${target} from rule ${ruleId} on ${d}`,
        before: null,
        after: { kind: "REMOVE_TARGET_BY_ID", ruleId, target, pathPrefix: pick(r, PATHS), note: null },
      };
    }
    case "security.denied":
      return {
        ...base,
        action,
        entityType: "Action",
        entityId: "updatePolicyAction",
        vhostId: null,
        summary: `Refused updatePolicyAction for ${actor.email} (${actor.role}): not allowed`,
        before: null,
        after: { action: "updatePolicyAction", role: actor.role },
      };
    case "audit.export":
      return { ...base, action, entityType: "AuditLog", entityId: "export", vhostId: null, summary: `Exported audit events (csv): action policy.update`, before: null, after: { format: "csv", filter: { action: "policy.update" } } };
    default:
      return {
        ...base,
        action: "template.update",
        entityType: "PolicyTemplate",
        entityId: randomUUID(),
        vhostId: null,
        summary: `Updated template balanced: inboundThreshold 5 → 7`,
        before: { inboundThreshold: 5 },
        after: { inboundThreshold: 7 },
      };
  }
}
