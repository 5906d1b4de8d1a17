// Custom rules' and exclusions' fields as their forms name them (components/custom-rule-form.tsx,
// exclusion-form.tsx), for audit diffs.
import type { FieldLabels } from "@/lib/audit/field-labels";
import { EXCLUSION_KIND_LABELS } from "./exclusion-fields";

export const CUSTOM_RULE_LABELS: FieldLabels = {
  fields: { ruleId: "Rule id", description: "Description", secRule: "SecRule", enabled: "Enabled", position: "Position", order: "Order" },
};

export const EXCLUSION_LABELS: FieldLabels = {
  fields: {
    kind: "Kind",
    ruleId: "CRS rule id",
    ruleIdEnd: "Last id of a range",
    tag: "Tag",
    target: "Input to ignore",
    pathPrefix: "Only under path",
    note: "Note",
    fromEvent: "From WAF event",
  },
  values: { kind: Object.fromEntries(Object.entries(EXCLUSION_KIND_LABELS).map(([k, v]) => [k, v.label])) },
};
