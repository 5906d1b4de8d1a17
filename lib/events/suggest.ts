// Tuning from an event: the exclusions that would have let this request through, narrowest first, and
// which stored events a draft exclusion would also have let through. Pure (no database): the page asks
// lib/events/queries.ts for the events, this file decides. A suggestion is a valid RuleExclusion (the one
// schema of lib/rules/exclusions.ts) and never names a bookkeeping rule (lib/events/rules.ts): excluding
// 949110 or 901xxx fixes nothing, the scoring rule keeps scoring.
import { describeExclusion, PathPrefixSchema, RuleExclusionSchema, type RuleExclusion, type RuleExclusionInput } from "@/lib/rules/exclusions";
import { isBookkeepingRule } from "./rules";
import type { EventMatch } from "./schema";

export type SuggestionScope = "target-under-path" | "target-everywhere" | "rule-under-path" | "rule-everywhere";
export type ExclusionSuggestion = { scope: SuggestionScope; exclusion: RuleExclusion; description: string };

/** The event's path as an exclusion's path prefix (ModSecurity compares the decoded path), or null when it cannot be one. */
function pathPrefixOf(path: string): string | null {
  let decoded = path.split("?")[0]!;
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    return null;
  }
  return PathPrefixSchema.safeParse(decoded).success ? decoded : null;
}

function valid(input: RuleExclusionInput): RuleExclusion | null {
  const parsed = RuleExclusionSchema.safeParse(input);
  return parsed.success ? parsed.data : null;
}

/**
 * For each scoring match with a variable, "remove target VAR from rule R under the path"; then, per rule,
 * "rule R under the path"; then "rule R everywhere". Duplicates and whatever the schema refuses (a custom
 * rule's id, a target the engine cannot take per path) are left out.
 */
export function suggestExclusions(event: { path: string; matches: readonly EventMatch[] }): ExclusionSuggestion[] {
  const scoring = event.matches.filter((m) => !isBookkeepingRule(m.ruleId));
  const prefix = pathPrefixOf(event.path);
  const out: ExclusionSuggestion[] = [];
  const seen = new Set<string>();
  const add = (scope: SuggestionScope, input: RuleExclusionInput) => {
    const exclusion = valid(input);
    if (!exclusion) return;
    const key = JSON.stringify(exclusion);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ scope, exclusion, description: describeExclusion(exclusion) });
  };
  for (const m of scoring) {
    if (m.variable) add(prefix ? "target-under-path" : "target-everywhere", { kind: "REMOVE_TARGET_BY_ID", ruleId: m.ruleId, target: m.variable, ...(prefix ? { pathPrefix: prefix } : {}) });
  }
  if (prefix) for (const m of scoring) add("rule-under-path", { kind: "REMOVE_BY_ID", ruleId: m.ruleId, pathPrefix: prefix });
  for (const m of scoring) add("rule-everywhere", { kind: "REMOVE_BY_ID", ruleId: m.ruleId });
  return out;
}

function splitVariable(v: string): { collection: string; key: string | null } {
  const i = v.indexOf(":");
  return i < 0 ? { collection: v.toUpperCase(), key: null } : { collection: v.slice(0, i).toUpperCase(), key: v.slice(i + 1) };
}

/** Whether an exclusion's target names this matched variable (collections and names compare case-insensitively, as ModSecurity does). */
export function targetCovers(target: string, variable: string | null): boolean {
  if (!variable) return false;
  const t = splitVariable(target);
  const v = splitVariable(variable);
  if (t.collection !== v.collection) return false;
  if (t.key === null) return true;
  if (v.key === null) return false;
  if (t.key.length > 1 && t.key.startsWith("/") && t.key.endsWith("/")) {
    try {
      return new RegExp(t.key.slice(1, -1), "i").test(v.key);
    } catch {
      return false;
    }
  }
  return t.key.toLowerCase() === v.key.toLowerCase();
}

/** Whether the exclusion switches off this match of a request to `path`. */
export function exclusionCovers(e: RuleExclusion, m: EventMatch, path: string): boolean {
  if (e.pathPrefix && !(pathPrefixOf(path) ?? path).startsWith(e.pathPrefix)) return false;
  const rule =
    e.kind === "REMOVE_BY_ID"
      ? m.ruleId >= e.ruleId && m.ruleId <= (e.ruleIdEnd ?? e.ruleId)
      : e.kind === "REMOVE_TARGET_BY_ID"
        ? m.ruleId === e.ruleId
        : m.tags.includes(e.tag);
  if (!rule) return false;
  return e.kind === "REMOVE_BY_ID" || e.kind === "REMOVE_BY_TAG" ? true : targetCovers(e.target, m.variable);
}

export type ExclusionImpact = {
  /** Events with at least one scoring match the draft switches off. */
  touched: number;
  /** Of those, events whose every scoring match it switches off: they would have gone through. */
  letThrough: number;
  /** Of those touched, events that also scored on rules the draft leaves on (they may still be blocked). */
  alsoOtherRules: number;
  /** The other rules those scored on, most frequent first. */
  otherRules: { ruleId: number; count: number }[];
};

/** What a draft exclusion would have changed for these stored events. */
export function exclusionImpact(e: RuleExclusion, events: readonly { path: string; matches: readonly EventMatch[] }[]): ExclusionImpact {
  const impact: ExclusionImpact = { touched: 0, letThrough: 0, alsoOtherRules: 0, otherRules: [] };
  const others = new Map<number, number>();
  for (const ev of events) {
    const scoring = ev.matches.filter((m) => !isBookkeepingRule(m.ruleId));
    const covered = scoring.filter((m) => exclusionCovers(e, m, ev.path));
    if (covered.length === 0) continue;
    impact.touched++;
    const left = new Set(scoring.filter((m) => !covered.includes(m)).map((m) => m.ruleId));
    if (left.size === 0) impact.letThrough++;
    else {
      impact.alsoOtherRules++;
      for (const r of left) others.set(r, (others.get(r) ?? 0) + 1);
    }
  }
  impact.otherRules = [...others].map(([ruleId, count]) => ({ ruleId, count })).sort((a, b) => b.count - a.count || a.ruleId - b.ruleId);
  return impact;
}
