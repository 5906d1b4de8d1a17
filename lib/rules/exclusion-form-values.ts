// The exclusion form's values: one flat shape of strings for every kind, and what they mean to the schema.
// Shared by the form and its native submission (lib/rules/actions.ts).
import type { RuleExclusionKind } from "@/lib/rules/exclusion-fields";

/** One flat shape of strings for every kind: the form shows the fields the chosen kind needs, the schema checks them. */
export type ExclusionFormValues = { kind: RuleExclusionKind; ruleId: string; ruleIdEnd: string; tag: string; target: string; pathPrefix: string; note: string };

export const EMPTY_EXCLUSION_FORM: Omit<ExclusionFormValues, "kind"> = { ruleId: "", ruleIdEnd: "", tag: "", target: "", pathPrefix: "", note: "" };

/**
 * What the typed text means to the schema: empty optional fields are absent, ids are numbers. Total: whatever
 * arrives (a native post may lack fields or carry anything), the schema gets something to refuse.
 */
export function toSchemaInput(values: ExclusionFormValues): Record<string, unknown> {
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const number = (v: unknown) => (text(v).trim() === "" ? undefined : Number(text(v)));
  const optional = (v: unknown) => (text(v).trim() === "" ? undefined : v);
  return {
    kind: values.kind,
    ruleId: number(values.ruleId),
    ruleIdEnd: number(values.ruleIdEnd),
    tag: values.tag,
    target: values.target,
    pathPrefix: optional(values.pathPrefix),
    note: optional(values.note),
  };
}

