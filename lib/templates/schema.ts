// Policy templates: a named starting policy (engine mode, paranoia, thresholds and rule exclusions) that a
// new virtual host can start from. One schema per input, shared by the forms and the server actions.
import { z } from "zod";
import { exclusionToColumns, RULE_EXCLUSION_KINDS, RuleExclusionSchema, type RuleExclusion, type RuleExclusionKind } from "@/lib/rules/exclusions";
import { WafPolicySchema } from "@/lib/policies/policy";
import { TEMPLATE_DESCRIPTION_MAX, TEMPLATE_EXCLUSIONS_MAX, TEMPLATE_NAME_MAX } from "./fields";

export { EMPTY_EXCLUSION_ROW, TEMPLATE_DESCRIPTION_MAX, TEMPLATE_EXCLUSIONS_MAX, TEMPLATE_NAME_MAX } from "./fields";

const { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold } = WafPolicySchema.shape;
const policyFields = { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold };

type Levels = { blockingParanoia: number; detectionParanoia: number };

/** The same rule as the policy form: CRS refuses to run with detection below blocking. */
function checkParanoia(v: Levels, ctx: z.RefinementCtx) {
  if (v.detectionParanoia < v.blockingParanoia) {
    ctx.addIssue({
      code: "custom",
      path: ["detectionParanoia"],
      message: `The detection paranoia level must be at least the blocking level (${v.blockingParanoia}): with a lower one, CRS refuses to run.`,
    });
  }
}

/** The `policy` JSON column, as stored and as read back (validated again on every read: it is only JSON). */
export const TemplatePolicySchema = z
  .object({ ...policyFields, exclusions: z.array(RuleExclusionSchema).max(TEMPLATE_EXCLUSIONS_MAX).default([]) })
  .superRefine(checkParanoia);
export type TemplatePolicy = z.output<typeof TemplatePolicySchema>;

/**
 * One exclusion as the template form edits it: every field is text (an empty number field is ""), and only
 * the fields the kind uses are passed on to the exclusion schema, so its messages apply unchanged.
 */
export const ExclusionRowSchema = z
  .object({
    kind: z.enum(RULE_EXCLUSION_KINDS, { error: "Choose what the exclusion does." }),
    ruleId: z.string().max(20),
    ruleIdEnd: z.string().max(20),
    tag: z.string().max(200),
    target: z.string().max(300),
    pathPrefix: z.string().max(300),
    note: z.string().max(300),
  })
  // Missing numbers stay undefined here so the exclusion schema reports them with its own message.
  .transform((row) => rowToCandidate(row) as z.input<typeof RuleExclusionSchema>)
  .pipe(RuleExclusionSchema);
export type ExclusionRow = z.input<typeof ExclusionRowSchema>;

const num = (text: string) => (text.trim() === "" ? undefined : Number(text.trim()));
const opt = (text: string) => (text.trim() === "" ? undefined : text);

function rowToCandidate(row: { kind: RuleExclusionKind; ruleId: string; ruleIdEnd: string; tag: string; target: string; pathPrefix: string; note: string }) {
  const common = { pathPrefix: opt(row.pathPrefix), note: opt(row.note) };
  switch (row.kind) {
    case "REMOVE_BY_ID":
      return { kind: row.kind, ruleId: num(row.ruleId), ruleIdEnd: num(row.ruleIdEnd), ...common };
    case "REMOVE_BY_TAG":
      return { kind: row.kind, tag: row.tag, ...common };
    case "REMOVE_TARGET_BY_ID":
      return { kind: row.kind, ruleId: num(row.ruleId), target: row.target, ...common };
    case "REMOVE_TARGET_BY_TAG":
      return { kind: row.kind, tag: row.tag, target: row.target, ...common };
  }
}

/** The form row for a stored exclusion (the inverse of ExclusionRowSchema). */
export function exclusionToRow(e: RuleExclusion): ExclusionRow {
  const s = (v: string | number | undefined) => (v === undefined ? "" : String(v));
  return {
    kind: e.kind,
    ruleId: s("ruleId" in e ? e.ruleId : undefined),
    ruleIdEnd: s("ruleIdEnd" in e ? e.ruleIdEnd : undefined),
    tag: s("tag" in e ? e.tag : undefined),
    target: s("target" in e ? e.target : undefined),
    pathPrefix: s(e.pathPrefix),
    note: s(e.note),
  };
}

const TemplateNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a name for the template.")
  .max(TEMPLATE_NAME_MAX, `A template name has at most ${TEMPLATE_NAME_MAX} characters.`)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._()\-]*$/u, "Use letters, digits, spaces and . _ ( ) - only, starting with a letter or digit.");

const DescriptionSchema = z
  .string()
  .trim()
  .max(TEMPLATE_DESCRIPTION_MAX, `Keep the description under ${TEMPLATE_DESCRIPTION_MAX + 1} characters.`)
  .refine((v) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v), "The description cannot contain control characters.");

const templateFields = {
  name: TemplateNameSchema,
  description: DescriptionSchema,
  ...policyFields,
  exclusions: z
    .array(ExclusionRowSchema)
    .max(TEMPLATE_EXCLUSIONS_MAX, `A template holds at most ${TEMPLATE_EXCLUSIONS_MAX} exclusions.`)
    .superRefine((list, ctx) => {
      // The same exclusion twice (notes aside) is a mistake, and the exclusions page would refuse the second.
      const seen = new Map<string, number>();
      for (const [i, e] of list.entries()) {
        const { note: _note, ...key } = exclusionToColumns(e);
        const k = JSON.stringify(key);
        const first = seen.get(k);
        if (first !== undefined) ctx.addIssue({ code: "custom", path: [i, "kind"], message: `This repeats exclusion ${first + 1}.` });
        else seen.set(k, i);
      }
    }),
};

/** The template form (create). */
export const TemplateFormSchema = z.object(templateFields).superRefine(checkParanoia);
/** The template form (edit): the same fields, plus which template and the version it was loaded at. */
export const UpdateTemplateSchema = z
  .object({ ...templateFields, id: z.uuid(), version: z.number().int().min(1) })
  .superRefine(checkParanoia);
export const TemplateRefSchema = z.object({ id: z.uuid(), version: z.number().int().min(1) });

export type TemplateFormValues = z.input<typeof TemplateFormSchema>;
export type TemplateInput = z.output<typeof TemplateFormSchema>;
export type UpdateTemplateInput = z.output<typeof UpdateTemplateSchema>;

/** The stored policy of a template form's values. */
export function templatePolicyOf(input: TemplateInput): TemplatePolicy {
  const { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold, exclusions } = input;
  return { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold, exclusions };
}

export const EMPTY_TEMPLATE_FORM: TemplateFormValues = {
  name: "",
  description: "",
  engineMode: "BLOCKING",
  blockingParanoia: 1,
  detectionParanoia: 1,
  inboundThreshold: 5,
  outboundThreshold: 4,
  exclusions: [],
};

/** Copying a policy onto a vhost, from another vhost or from a template. */
export const CopyPolicySchema = z
  .object({
    vhostId: z.uuid(),
    /** "vhost:<id>" or "template:<id>": one select offers both. */
    source: z
      .string()
      .refine((v) => /^(vhost|template):/.test(v) && z.uuid().safeParse(v.slice(v.indexOf(":") + 1)).success, "Choose a virtual host or a template to copy from."),
    replaceExclusions: z.boolean(),
    /** Optimistic locking: the version of this vhost's policy the page was loaded with. */
    policyVersion: z.number().int().min(1),
  })
  .superRefine((v, ctx) => {
    if (v.source === `vhost:${v.vhostId}`) ctx.addIssue({ code: "custom", path: ["source"], message: "Choose another virtual host: this is the one you are on." });
  });
export type CopyPolicyFormValues = z.input<typeof CopyPolicySchema>;
export type CopyPolicyInput = z.output<typeof CopyPolicySchema>;

/** "Blocking, paranoia 2 (logging up to 3), thresholds 5 / 4, 2 exclusions". */
export function describeTemplatePolicy(p: TemplatePolicy): string {
  const mode = { BLOCKING: "Blocking", DETECTION_ONLY: "Detection only", OFF: "Off" }[p.engineMode];
  const levels = p.detectionParanoia > p.blockingParanoia ? `paranoia ${p.blockingParanoia} (logging up to ${p.detectionParanoia})` : `paranoia ${p.blockingParanoia}`;
  const n = p.exclusions.length;
  return `${mode}, ${levels}, thresholds ${p.inboundThreshold} / ${p.outboundThreshold}, ${n === 0 ? "no exclusions" : `${n} exclusion${n === 1 ? "" : "s"}`}`;
}
