"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { CreateVhostSchema, SetVhostEnabledSchema, UpdateVhostSchema, VhostRefSchema } from "./schema";
import { createVhost, deleteVhost, setVhostEnabled, updateVhost } from "./service";

export const createVhostAction = defineAction("createVhostAction", "vhost.write", CreateVhostSchema, async (input, { audit }) => {
  const v = await createVhost(audit, input);
  revalidatePath("/vhosts");
  return { id: v.id, domain: v.domain };
});

export const updateVhostAction = defineAction("updateVhostAction", "vhost.write", UpdateVhostSchema, async (input, { audit }) => {
  const v = await updateVhost(audit, input);
  revalidatePath("/vhosts");
  revalidatePath(`/vhosts/${v.id}`);
  return { id: v.id, version: v.version };
});

export const setVhostEnabledAction = defineAction("setVhostEnabledAction", "vhost.write", SetVhostEnabledSchema, async (input, { audit }) => {
  const v = await setVhostEnabled(audit, input);
  revalidatePath("/vhosts");
  revalidatePath(`/vhosts/${v.id}`);
  return { id: v.id, version: v.version, enabled: v.enabled };
});

export const deleteVhostAction = defineAction("deleteVhostAction", "vhost.write", VhostRefSchema, async (input, { audit }) => {
  const r = await deleteVhost(audit, input);
  revalidatePath("/vhosts");
  return r;
});

/** The vhost forms' native submissions (before the page has hydrated): the same actions. */
export const createVhostForm = nativeForm(createVhostAction, { redirectTo: (v) => `/vhosts/${v.id}` });
export const updateVhostForm = nativeForm(updateVhostAction);
