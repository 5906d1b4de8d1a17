"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { NodeRefSchema, RegisterNodeSchema } from "./schema";
import { registerNode, revokeNode, rotateNodeToken } from "./service";

// The token is in the result once; the page shows it and never gets it again.
export const registerNodeAction = defineAction("registerNodeAction", "node.manage", RegisterNodeSchema, async (input, { audit }) => {
  const r = await registerNode(audit, input);
  revalidatePath("/nodes");
  return r;
});

export const revokeNodeAction = defineAction("revokeNodeAction", "node.manage", NodeRefSchema, async (input, { audit }) => {
  const r = await revokeNode(audit, input);
  revalidatePath("/nodes");
  return r;
});

export const rotateNodeTokenAction = defineAction("rotateNodeTokenAction", "node.manage", NodeRefSchema, async (input, { audit }) => {
  const r = await rotateNodeToken(audit, input);
  revalidatePath("/nodes");
  return r;
});

/** The form's native submission (before the page has hydrated): the same action. */
export const registerNodeForm = nativeForm(registerNodeAction);
