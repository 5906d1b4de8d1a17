"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { AppError } from "@/lib/errors";
import { CopyPolicySchema, TemplateFormSchema, TemplateRefSchema, UpdateTemplateSchema } from "./schema";
import { copyPolicy, createTemplate, deleteTemplate, updateTemplate } from "./service";

export const createTemplateAction = defineAction("createTemplateAction", "template.manage", TemplateFormSchema, async (input, { audit }) => {
  const t = await createTemplate(audit, input);
  revalidatePath("/templates");
  return { id: t.id, name: t.name };
});

export const updateTemplateAction = defineAction("updateTemplateAction", "template.manage", UpdateTemplateSchema, async (input, { audit }) => {
  const t = await updateTemplate(audit, input);
  revalidatePath("/templates");
  revalidatePath(`/templates/${t.id}`);
  return { id: t.id, name: t.name, version: t.version };
});

export const deleteTemplateAction = defineAction("deleteTemplateAction", "template.manage", TemplateRefSchema, async (input, { audit }) => {
  const r = await deleteTemplate(audit, input);
  revalidatePath("/templates");
  return r;
});

/** Changing a vhost's policy is an editor's job, so copying one needs policy.write, not template.manage. */
export const copyPolicyAction = defineAction("copyPolicyAction", "policy.write", CopyPolicySchema, async (input, { audit }) => {
  const r = await copyPolicy(audit, input);
  revalidatePath(`/vhosts/${input.vhostId}`, "layout");
  revalidatePath("/vhosts");
  revalidatePath("/");
  return { version: r.policy.version, exclusionCount: r.exclusionCount, sourceLabel: r.sourceLabel };
});

/** The template form's native submissions (before the page has hydrated): the same actions. */
export const createTemplateForm = nativeForm(createTemplateAction, { redirectTo: () => "/templates" });
export const updateTemplateForm = nativeForm(updateTemplateAction);

// The copy form asks for confirmation in a dialog, which needs the page's scripts: sent before they have run,
// it changes nothing and says so (after the same session and role checks), and the form keeps the choice.
const refuseUnconfirmedCopy = defineAction("copyPolicyForm", "policy.write", z.unknown(), async () => {
  throw new AppError("Nothing was copied: the page was still loading, so the confirmation could not be shown. Press Copy policy again.");
});
export const copyPolicyForm = nativeForm(refuseUnconfirmedCopy);
