// The template's fields as its form names them (components/template-form.tsx), for audit diffs. Its policy
// and exclusions use the policy's and the exclusion form's words.
import type { FieldLabels } from "@/lib/audit/field-labels";
import { POLICY_LABELS } from "@/lib/policies/labels";
import { EXCLUSION_LABELS } from "@/lib/rules/labels";

export const TEMPLATE_LABELS: FieldLabels = {
  fields: { ...EXCLUSION_LABELS.fields, ...POLICY_LABELS.fields, name: "Name", description: "Description", builtIn: "Built-in", policy: "Policy", exclusions: "Exclusions" },
  values: { ...EXCLUSION_LABELS.values, ...POLICY_LABELS.values },
};
