"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { toSchemaInput, type ExclusionFormValues } from "./exclusion-form-values";
import { RuleExclusionSchema } from "@/lib/rules/exclusions";
import { CustomRuleSchema, MoveCustomRuleSchema } from "@/lib/rules/secrule";
import { nextFreeRuleId } from "./queries";
import { createCustomRule, createExclusion, deleteCustomRule, deleteExclusion, moveCustomRule, setCustomRuleEnabled, updateCustomRule } from "./service";

const VhostId = z.object({ vhostId: z.uuid() });
const ItemRef = VhostId.extend({ id: z.uuid() });
/** The WAF event a change was made from (/events/[id]), named in its audit row. */
const FromEvent = VhostId.extend({ fromEvent: z.uuid("Unknown WAF event.").optional() });

/** The vhost layout shows rule and exclusion counts in its summary, so the whole layout is revalidated. */
function revalidateVhost(vhostId: string) {
  revalidatePath(`/vhosts/${vhostId}`, "layout");
}

export const createCustomRuleAction = defineAction("createCustomRuleAction", "policy.write", z.intersection(CustomRuleSchema, VhostId), async (input, { audit }) => {
  const rule = await createCustomRule(audit, input);
  revalidateVhost(input.vhostId);
  // The add form starts over with the id it should propose next.
  return { id: rule.id, ruleId: rule.ruleId, nextRuleId: await nextFreeRuleId() };
});

export const updateCustomRuleAction = defineAction(
  "updateCustomRuleAction",
  "policy.write",
  z.intersection(CustomRuleSchema, ItemRef.extend({ version: z.number({ error: "This form is out of date: reload the page." }).int().min(1) })),
  async (input, { audit }) => {
    const rule = await updateCustomRule(audit, input);
    revalidateVhost(input.vhostId);
    return { id: rule.id, ruleId: rule.ruleId, version: rule.version };
  },
);

export const setCustomRuleEnabledAction = defineAction("setCustomRuleEnabledAction", "policy.write", ItemRef.extend({ enabled: z.boolean() }), async (input, { audit }) => {
  const rule = await setCustomRuleEnabled(audit, input);
  revalidateVhost(input.vhostId);
  return { ruleId: rule.ruleId, enabled: rule.enabled };
});

export const moveCustomRuleAction = defineAction("moveCustomRuleAction", "policy.write", ItemRef.extend(MoveCustomRuleSchema.shape), async (input, { audit }) => {
  const result = await moveCustomRule(audit, input);
  revalidateVhost(input.vhostId);
  return result;
});

export const deleteCustomRuleAction = defineAction("deleteCustomRuleAction", "policy.write", ItemRef, async (input, { audit }) => {
  const result = await deleteCustomRule(audit, input);
  revalidateVhost(input.vhostId);
  return result;
});

export const createExclusionAction = defineAction("createExclusionAction", "policy.write", z.intersection(RuleExclusionSchema, FromEvent), async (input, { audit }) => {
  const exclusion = await createExclusion(audit, input);
  revalidateVhost(input.vhostId);
  return { id: exclusion.id };
});

export const deleteExclusionAction = defineAction("deleteExclusionAction", "policy.write", ItemRef, async (input, { audit }) => {
  const result = await deleteExclusion(audit, input);
  revalidateVhost(input.vhostId);
  return result;
});

/** The custom-rule and exclusion forms' native submissions (before the page has hydrated): the same actions. */
export const createCustomRuleForm = nativeForm(createCustomRuleAction);
export const updateCustomRuleForm = nativeForm(updateCustomRuleAction);
export const createExclusionForm = nativeForm(createExclusionAction, {
  transform: (values) => ({ ...toSchemaInput(values as ExclusionFormValues), vhostId: values.vhostId, ...(values.fromEvent ? { fromEvent: values.fromEvent } : {}) }),
});
