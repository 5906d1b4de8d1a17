// Rule exclusion kinds and their one-line description, as the forms and lists show them. No zod here:
// client components import this without the schemas (./exclusions.ts).
import type { RuleExclusion } from "./exclusions";

export const RULE_EXCLUSION_KINDS = ["REMOVE_BY_ID", "REMOVE_BY_TAG", "REMOVE_TARGET_BY_ID", "REMOVE_TARGET_BY_TAG"] as const;
export type RuleExclusionKind = (typeof RULE_EXCLUSION_KINDS)[number];

/** The kind a new exclusion starts on: the most common fix for a false positive, one rule off (optionally under a path). */
export const DEFAULT_EXCLUSION_KIND: RuleExclusionKind = "REMOVE_BY_ID";

/** The fields each kind takes besides the path prefix and note: the forms show these, the schema requires them. */
export const EXCLUSION_KIND_FIELDS: Record<RuleExclusionKind, { ruleId: boolean; ruleIdEnd: boolean; tag: boolean; target: boolean }> = {
  REMOVE_BY_ID: { ruleId: true, ruleIdEnd: true, tag: false, target: false },
  REMOVE_BY_TAG: { ruleId: false, ruleIdEnd: false, tag: true, target: false },
  REMOVE_TARGET_BY_ID: { ruleId: true, ruleIdEnd: false, tag: false, target: true },
  REMOVE_TARGET_BY_TAG: { ruleId: false, ruleIdEnd: false, tag: true, target: true },
};

/** What each kind is called in the forms, and what it does. */
export const EXCLUSION_KIND_LABELS: Record<RuleExclusionKind, { label: string; hint: string }> = {
  REMOVE_BY_ID: { label: "Turn off a CRS rule (by id)", hint: "The rule, or every rule in an id range, no longer runs." },
  REMOVE_BY_TAG: { label: "Turn off CRS rules (by tag)", hint: "Every rule with this tag no longer runs, e.g. attack-sqli." },
  REMOVE_TARGET_BY_ID: { label: "Ignore one input in a CRS rule (by id)", hint: "The rule still runs but no longer looks at this input." },
  REMOVE_TARGET_BY_TAG: { label: "Ignore one input in CRS rules (by tag)", hint: "Rules with this tag still run but no longer look at this input." },
};

/** One line for lists and audit summaries: "Rule 942100 ignores ARGS:q on /api/". */
export function describeExclusion(exclusion: RuleExclusion): string {
  const where = exclusion.pathPrefix ? ` on ${exclusion.pathPrefix}` : "";
  switch (exclusion.kind) {
    case "REMOVE_BY_ID":
      return exclusion.ruleIdEnd !== undefined && exclusion.ruleIdEnd !== exclusion.ruleId
        ? `Rules ${exclusion.ruleId}–${exclusion.ruleIdEnd} off${where}`
        : `Rule ${exclusion.ruleId} off${where}`;
    case "REMOVE_BY_TAG":
      return `Rules tagged ${exclusion.tag} off${where}`;
    case "REMOVE_TARGET_BY_ID":
      return `Rule ${exclusion.ruleId} ignores ${exclusion.target}${where}`;
    case "REMOVE_TARGET_BY_TAG":
      return `Rules tagged ${exclusion.tag} ignore ${exclusion.target}${where}`;
  }
}
