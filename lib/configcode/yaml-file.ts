// The configuration file: state → YAML (config:export) and YAML → desired state (config:apply). Pure.
//
// Every value is checked with the schemas the panel's forms and actions use (lib/vhosts, lib/policies,
// lib/rules, lib/templates), so a file can hold nothing the panel would refuse. Every problem is reported
// at the line and column of the key (or list item) it is about, found through the yaml package's
// LineCounter; a file with any problem changes nothing.
import { createHash } from "node:crypto";
import { domainToUnicode } from "node:url";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Document, type Node } from "yaml";
import { z } from "zod";
import { allowListCoverage, checkIpListChange, IpEntrySchema, parseCidr, type IpListAddition } from "@/lib/policies/cidr";
import { WafPolicySchema } from "@/lib/policies/policy";
import { EXCLUSION_KIND_FIELDS, RULE_EXCLUSION_KINDS, type RuleExclusionKind } from "@/lib/rules/exclusion-fields";
import { exclusionToColumns, RuleExclusionSchema } from "@/lib/rules/exclusions";
import { CustomRuleSchema } from "@/lib/rules/secrule";
import { isBuiltInName } from "@/lib/templates/builtin";
import { TemplateFormSchema } from "@/lib/templates/schema";
import { VhostFieldsSchema } from "@/lib/vhosts/schema";
import {
  exclusionKey,
  normalizeState,
  POLICY_FIELDS,
  type ConfigState,
  type ExclusionState,
  type IpState,
  type PolicyState,
  type TemplateState,
  type VhostConfirmations,
  type VhostState,
} from "./state";

export const FILE_VERSION = 1;

export type YamlPath = (string | number)[];

export type FileProblem = { line: number; col: number; path: string; message: string };

/** Where each object of the file is, so a refusal during apply points at its line too. */
export type ObjectPaths = Map<string, YamlPath>;

export type DesiredConfig = {
  state: ConfigState;
  confirmations: Map<string, VhostConfirmations>;
  paths: ObjectPaths;
  /** The file's SHA-256 (hex), named in the audit row of the apply. */
  sha256: string;
  /** Line and column of a path in the file (the nearest key or item that is there). */
  locate: (path: YamlPath) => { line: number; col: number };
};

export type ParseResult = { ok: true; config: DesiredConfig } | { ok: false; problems: FileProblem[] };

// Keys of the objects kept in `paths`.
export const objectKey = {
  vhost: (domain: string) => `vhost ${domain}`,
  policy: (domain: string) => `policy ${domain}`,
  ip: (domain: string, kind: "ALLOW" | "DENY", cidr: string) => `ip ${domain} ${kind} ${cidr}`,
  customRule: (ruleId: number) => `rule ${ruleId}`,
  exclusion: (domain: string, e: ExclusionState) => `exclusion ${domain} ${exclusionKey(e)}`,
  template: (name: string) => `template ${name}`,
};

// ---------------------------------------------------------------------------------------------------
// Export.

const HEADER = [
  " Palisade configuration (npm run config:export). Apply with: npm run config:apply -- FILE [--dry-run] --as ADMIN_EMAIL",
  " The file is the whole desired state: a virtual host or custom template left out is deleted on apply.",
  " Custom rules run in the order listed; every other list is sorted.",
].join("\n");

function exclusionOut(e: ExclusionState): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: e.kind };
  for (const f of ["ruleId", "ruleIdEnd", "tag", "target", "pathPrefix", "note"] as const) if (e[f] !== null) out[f] = e[f];
  return out;
}

const ipOut = (e: IpState) => (e.note === null ? { cidr: e.cidr } : { cidr: e.cidr, note: e.note });

function policyOut(p: PolicyState) {
  return Object.fromEntries(POLICY_FIELDS.map((f) => [f, p[f]]));
}

/**
 * Whether a vhost's lists need the confirmation the panel asks for before storing them: 0.0.0.0/0 or ::/0 in
 * either list, or an allow list that covers more than ALLOW_COVERAGE_PREFIX's share of the addresses.
 */
export function wideIpRangesNeedConfirmation(v: Pick<VhostState, "ipAllow" | "ipDeny">): boolean {
  const everything = [...v.ipAllow, ...v.ipDeny].some((e) => {
    const p = parseCidr(e.cidr);
    return p.ok && p.value.coversEverything;
  });
  return everything || allowListCoverage(v.ipAllow.map((e) => ({ kind: "ALLOW" as const, cidr: e.cidr }))).some((c) => c.exceeds);
}

/**
 * The file for a state. `internalBackend(url)` says whether a backend needs the "internal backend"
 * confirmation, which the file then gives explicitly (the reviewer sees it).
 */
export function stateToYaml(input: ConfigState, internalBackend: (backendUrl: string) => boolean): string {
  const state = normalizeState(input);
  const data = {
    version: FILE_VERSION,
    templates: state.templates.map((t) => ({ name: t.name, description: t.description, ...policyOut(t.policy), exclusions: t.exclusions.map(exclusionOut) })),
    vhosts: state.vhosts.map((v) => ({
      domain: v.domain,
      aliases: v.aliases,
      backendUrl: v.backendUrl,
      ...(internalBackend(v.backendUrl) ? { confirmInternalBackend: true } : {}),
      tlsMode: v.tlsMode,
      ...(v.certificateRef !== null ? { certificateRef: v.certificateRef } : {}),
      hsts: v.hsts,
      minTlsVersion: v.minTlsVersion,
      enabled: v.enabled,
      policy: policyOut(v.policy),
      ipAllow: v.ipAllow.map(ipOut),
      ipDeny: v.ipDeny.map(ipOut),
      ...(wideIpRangesNeedConfirmation(v) ? { confirmWideIpRanges: true } : {}),
      customRules: v.customRules.map((r) => ({ ruleId: r.ruleId, description: r.description, enabled: r.enabled, secRule: r.secRule })),
      exclusions: v.exclusions.map(exclusionOut),
    })),
  };
  const doc = new Document(data);
  doc.commentBefore = HEADER;
  // Internationalised domains are stored in punycode; the comment shows the name people read.
  for (const [i, v] of state.vhosts.entries()) {
    const unicode = domainToUnicodeSafe(v.domain);
    if (unicode !== v.domain) {
      const node = doc.getIn(["vhosts", i, "domain"], true);
      if (isScalar(node)) node.comment = ` ${unicode}`;
    }
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

/** node:url's domainToUnicode is the WHATWG algorithm whose inverse the vhost schema (toAsciiHostname) uses. */
function domainToUnicodeSafe(ascii: string): string {
  return domainToUnicode(ascii) || ascii;
}

// ---------------------------------------------------------------------------------------------------
// Parse and check.

const U = z.unknown().optional();
const ExclusionEntry = z.strictObject({ kind: U, ruleId: U, ruleIdEnd: U, tag: U, target: U, pathPrefix: U, note: U });
const IpEntryShape = z.strictObject({ cidr: U, note: U });
const CustomRuleEntry = z.strictObject({ ruleId: U, description: U, enabled: U, secRule: U });
const PolicyEntry = z.strictObject({ engineMode: U, blockingParanoia: U, detectionParanoia: U, inboundThreshold: U, outboundThreshold: U });
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();
const confirm = z.boolean({ error: "Write true, or leave the line out." }).optional();

const VhostEntry = z.strictObject({
  domain: U,
  aliases: list(U),
  backendUrl: U,
  confirmInternalBackend: confirm,
  tlsMode: U,
  certificateRef: U,
  hsts: U,
  minTlsVersion: U,
  enabled: U,
  policy: PolicyEntry,
  ipAllow: list(IpEntryShape),
  ipDeny: list(IpEntryShape),
  confirmWideIpRanges: confirm,
  customRules: list(CustomRuleEntry),
  exclusions: list(ExclusionEntry),
});

const TemplateEntry = z.strictObject({
  name: U,
  description: U,
  engineMode: U,
  blockingParanoia: U,
  detectionParanoia: U,
  inboundThreshold: U,
  outboundThreshold: U,
  exclusions: list(ExclusionEntry),
});

const FileShape = z.strictObject({
  version: z.literal(FILE_VERSION, { error: `This file format is version ${FILE_VERSION}: write "version: ${FILE_VERSION}" at the top.` }),
  templates: list(U),
  vhosts: list(U),
});

type RawExclusion = z.output<typeof ExclusionEntry>;

/** "vhosts[2].policy.blockingParanoia" */
export function pathText(path: YamlPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(file)";
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    const key = issue.path.at(-1);
    return typeof key === "string" ? `"${key}" is missing.` : "A value is missing.";
  }
  if (issue.code === "invalid_type" && issue.expected === "object") return "Expected a mapping (key: value lines) here.";
  if (issue.code === "invalid_type" && issue.expected === "array") return "Expected a list (lines starting with '- ') here.";
  return issue.message;
}

export function parseConfigYaml(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
        return { line: pos.line, col: pos.col, path: "(file)", message: `YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}` };
      }),
    };
  }
  const locate = (path: YamlPath) => locateIn(doc, lineCounter, path);
  const problems: FileProblem[] = [];
  const report = (path: YamlPath, message: string) => problems.push({ ...locate(path), path: pathText(path), message });
  const reportIssues = (base: YamlPath, issues: readonly z.core.$ZodIssue[]) => {
    for (const issue of issues) {
      const path = [...base, ...(issue.path as (string | number)[])];
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) report([...path, key], `Unknown key "${key}".`);
      } else report(path, issueMessage(issue));
    }
  };

  const raw: unknown = doc.toJS() ?? {};
  const shape = FileShape.safeParse(raw);
  if (!shape.success) {
    reportIssues([], shape.error.issues);
    // Still check the lists that are lists, so one run shows every problem.
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, problems: sortProblems(problems) };
  }
  const asList = (v: unknown) => (Array.isArray(v) ? (v as unknown[]) : []);
  const file = shape.success ? shape.data : { templates: asList((raw as Record<string, unknown>).templates), vhosts: asList((raw as Record<string, unknown>).vhosts) };
  const paths: ObjectPaths = new Map();
  const confirmations = new Map<string, VhostConfirmations>();
  const vhosts: VhostState[] = [];
  const templates: TemplateState[] = [];

  const firstAt = new Map<string, YamlPath>();
  /** Reports the second use of a key (domain, rule id…), naming the line of the first. */
  const unique = (key: string, path: YamlPath, what: string) => {
    const first = firstAt.get(key);
    if (first) report(path, `${what} is listed twice (first at line ${locate(first).line}).`);
    else firstAt.set(key, path);
    return !first;
  };

  // Each object is checked on its own, so one broken entry does not hide the problems of the others.
  const entries = <S extends z.ZodType>(items: unknown[] | null | undefined, schema: S, key: string) =>
    (items ?? []).flatMap((item, i) => {
      const r = schema.safeParse(item);
      if (r.success) return [{ i, entry: r.data as z.output<S> }];
      reportIssues([key, i], r.error.issues);
      return [];
    });

  for (const { i, entry: t } of entries(file.templates, TemplateEntry, "templates")) {
    const base: YamlPath = ["templates", i];
    const rows = (t.exclusions ?? []).map((e, j) => exclusionRow(e, [...base, "exclusions", j], report));
    const parsed = TemplateFormSchema.safeParse({
      name: t.name,
      description: t.description ?? "",
      engineMode: t.engineMode,
      blockingParanoia: t.blockingParanoia,
      detectionParanoia: t.detectionParanoia,
      inboundThreshold: t.inboundThreshold,
      outboundThreshold: t.outboundThreshold,
      exclusions: rows,
    });
    if (!parsed.success) {
      reportIssues(base, parsed.error.issues);
      continue;
    }
    const v = parsed.data;
    if (isBuiltInName(v.name)) {
      report([...base, "name"], `"${v.name}" is a built-in template: Palisade defines it, so leave it out of the file.`);
      continue;
    }
    if (!unique(`template ${v.name.toLowerCase()}`, [...base, "name"], `The template "${v.name}" (names are compared ignoring case)`)) continue;
    paths.set(objectKey.template(v.name), base);
    templates.push({
      name: v.name,
      description: v.description,
      policy: pickPolicy(v),
      exclusions: v.exclusions.map(exclusionToColumns),
    });
  }

  for (const { i, entry } of entries(file.vhosts, VhostEntry, "vhosts")) {
    const base: YamlPath = ["vhosts", i];
    let ok = true;
    const aliases = entry.aliases ?? [];
    for (const [j, a] of aliases.entries()) {
      if (typeof a !== "string" || /[\n,]/.test(a)) {
        report([...base, "aliases", j], "An alias is one domain name.");
        ok = false;
      }
    }
    const fields = VhostFieldsSchema.safeParse({
      domain: entry.domain,
      aliases: aliases.join("\n"),
      backendUrl: entry.backendUrl,
      tlsMode: entry.tlsMode ?? "NONE",
      certificateRef: entry.certificateRef ?? "",
      hsts: entry.hsts ?? false,
      minTlsVersion: entry.minTlsVersion ?? "TLS1_2",
      enabled: entry.enabled ?? true,
    });
    if (!fields.success) {
      reportIssues(base, fields.error.issues);
      ok = false;
    }
    const policy = WafPolicySchema.safeParse({ ...entry.policy, version: 0 });
    if (!policy.success) {
      reportIssues([...base, "policy"], policy.error.issues.filter((x) => x.path[0] !== "version"));
      ok = false;
    }
    if (!fields.success) continue;
    const domain = fields.data.domain;
    if (!unique(objectKey.vhost(domain), [...base, "domain"], `The virtual host ${domain}`)) continue;
    paths.set(objectKey.vhost(domain), base);
    paths.set(objectKey.policy(domain), [...base, "policy"]);
    const confirm: VhostConfirmations = { internalBackend: entry.confirmInternalBackend === true, wideIpRanges: entry.confirmWideIpRanges === true };
    confirmations.set(domain, confirm);

    // IP lists: each entry on its own, then both lists together, as the panel checks a paste.
    const ip: { kind: "ALLOW" | "DENY"; entry: IpState; path: YamlPath }[] = [];
    for (const [kind, key] of [["ALLOW", "ipAllow"], ["DENY", "ipDeny"]] as const) {
      for (const [j, e] of (entry[key] ?? []).entries()) {
        const path = [...base, key, j];
        const p = IpEntrySchema.safeParse({ kind, cidr: e.cidr, note: e.note ?? undefined });
        if (!p.success) {
          reportIssues(path, p.error.issues);
          ok = false;
          continue;
        }
        ip.push({ kind, entry: { cidr: p.data.cidr, note: p.data.note || null }, path });
        paths.set(objectKey.ip(domain, kind, p.data.cidr), path);
      }
    }
    const adding: IpListAddition[] = ipApplyOrder(ip.map((x, index) => ({ kind: x.kind, cidr: x.entry.cidr, line: index })));
    const check = checkIpListChange({ existing: [], adding, confirmWide: confirm.wideIpRanges });
    for (const l of check.lines) {
      if (l.status !== "refused") continue;
      const at = ip[l.line!]!.path;
      const needsConfirmation = /confirm to add\.$/.test(l.reason);
      report(at, needsConfirmation ? `${l.reason.replace(/;? ?confirm to add\.$/, "")}. To store it, add "confirmWideIpRanges: true" to this virtual host.` : l.reason);
      ok = false;
    }

    const customRules = [];
    for (const [j, r] of (entry.customRules ?? []).entries()) {
      const path = [...base, "customRules", j];
      const p = CustomRuleSchema.safeParse({ ruleId: r.ruleId, description: r.description, secRule: r.secRule, enabled: r.enabled ?? true });
      if (!p.success) {
        reportIssues(path, p.error.issues);
        ok = false;
        continue;
      }
      if (!unique(objectKey.customRule(p.data.ruleId), [...path, "ruleId"], `Custom rule id ${p.data.ruleId} (ids are unique across all virtual hosts)`)) {
        ok = false;
        continue;
      }
      paths.set(objectKey.customRule(p.data.ruleId), path);
      customRules.push({ ruleId: p.data.ruleId, description: p.data.description, secRule: p.data.secRule, enabled: p.data.enabled });
    }

    const exclusions: ExclusionState[] = [];
    for (const [j, e] of (entry.exclusions ?? []).entries()) {
      const path = [...base, "exclusions", j];
      if (!kindFieldsOk(e, path, report)) {
        ok = false;
        continue;
      }
      const p = RuleExclusionSchema.safeParse(withoutNulls(e));
      if (!p.success) {
        reportIssues(path, p.error.issues);
        ok = false;
        continue;
      }
      const stored = exclusionToColumns(p.data);
      if (!unique(objectKey.exclusion(domain, stored), [...path, "kind"], "This exclusion (notes aside)")) {
        ok = false;
        continue;
      }
      paths.set(objectKey.exclusion(domain, stored), path);
      exclusions.push(stored);
    }

    if (!ok || !policy.success) continue;
    const f = fields.data;
    vhosts.push({
      domain,
      aliases: f.aliases,
      backendUrl: f.backendUrl,
      tlsMode: f.tlsMode,
      certificateRef: f.certificateRef || null,
      hsts: f.hsts,
      minTlsVersion: f.minTlsVersion,
      enabled: f.enabled,
      policy: pickPolicy(policy.data),
      ipAllow: ip.filter((x) => x.kind === "ALLOW").map((x) => x.entry),
      ipDeny: ip.filter((x) => x.kind === "DENY").map((x) => x.entry),
      customRules,
      exclusions,
    });
  }

  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return {
    ok: true,
    config: { state: normalizeState({ vhosts, templates }), confirmations, paths, sha256: createHash("sha256").update(text).digest("hex"), locate },
  };
}

/**
 * The order IP entries are added in: narrower ranges first, so a wider range that covers them is accepted
 * with a warning (as when the panel added them in that order) instead of refusing the narrower one.
 */
export function ipApplyOrder<T extends { cidr: string }>(entries: T[]): T[] {
  const prefix = (cidr: string) => {
    const p = parseCidr(cidr);
    return p.ok ? p.value.prefixLength + (p.value.family === "ipv4" ? 96 : 0) : 0;
  };
  return [...entries].sort((a, b) => prefix(b.cidr) - prefix(a.cidr));
}

function pickPolicy(p: PolicyState): PolicyState {
  return Object.fromEntries(POLICY_FIELDS.map((f) => [f, p[f]])) as PolicyState;
}

function withoutNulls(e: RawExclusion): Record<string, unknown> {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== null && v !== undefined));
}

/** A field the kind does not use would be dropped silently by the schema: say so instead. */
function kindFieldsOk(e: RawExclusion, path: YamlPath, report: (path: YamlPath, message: string) => void): boolean {
  if (!(RULE_EXCLUSION_KINDS as readonly unknown[]).includes(e.kind)) return true; // the schema names the kinds
  const uses = EXCLUSION_KIND_FIELDS[e.kind as RuleExclusionKind];
  let ok = true;
  for (const f of ["ruleId", "ruleIdEnd", "tag", "target"] as const) {
    if (!uses[f] && e[f] !== undefined && e[f] !== null) {
      report([...path, f], `"${f}" is not used by ${String(e.kind)}: remove it.`);
      ok = false;
    }
  }
  return ok;
}

/** A template's exclusion as the template form's row (all text), after the checks the row cannot make. */
function exclusionRow(e: RawExclusion, path: YamlPath, report: (path: YamlPath, message: string) => void) {
  kindFieldsOk(e, path, report);
  for (const f of ["ruleId", "ruleIdEnd"] as const) {
    if (e[f] !== undefined && e[f] !== null && typeof e[f] !== "number") report([...path, f], "A rule id is a whole number.");
  }
  const text = (v: unknown) => (v === undefined || v === null ? "" : typeof v === "string" || typeof v === "number" ? String(v) : "\u0000");
  return { kind: e.kind, ruleId: text(e.ruleId), ruleIdEnd: text(e.ruleIdEnd), tag: text(e.tag), target: text(e.target), pathPrefix: text(e.pathPrefix), note: text(e.note) };
}

function sortProblems(problems: FileProblem[]): FileProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .filter((p) => {
      const k = `${p.line}:${p.col}:${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** The line and column of the key (or list item) at `path`, or of the nearest enclosing one that exists. */
export function locateIn(doc: Document, lineCounter: LineCounter, path: YamlPath): { line: number; col: number } {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const last = path[n - 1];
    let node: Node | null | undefined = null;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value === last : p.key === last));
      node = (pair?.key as Node | undefined) ?? null;
    } else if (isSeq(parent) && typeof last === "number") {
      node = parent.items[last] as Node | undefined;
    }
    if (node?.range) return lineCounter.linePos(node.range[0]);
  }
  const start = doc.contents?.range?.[0] ?? 0;
  return lineCounter.linePos(start);
}
