"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { ConfirmTwoFactorSchema, DisableTwoFactorSchema, RequireAdminTwoFactorSchema, ResetTwoFactorSchema } from "./schema";
import { disableTwoFactor, enableTwoFactor, resetTwoFactor, setRequireAdminTwoFactor } from "./service";

/** The signed-in user turns on two-factor sign-in; the answer carries the recovery codes, shown once. */
export const enableTwoFactorAction = defineAction("enableTwoFactorAction", "session.self", ConfirmTwoFactorSchema, async (input, { user, audit }) => {
  const recoveryCodes = await enableTwoFactor(audit, { userId: user.id, secret: input.secret, code: input.code });
  return { recoveryCodes };
});

export const disableTwoFactorAction = defineAction("disableTwoFactorAction", "session.self", DisableTwoFactorSchema, async (input, { user, audit }) => {
  await disableTwoFactor(audit, { userId: user.id, credential: input.credential });
  revalidatePath("/account");
  return { disabled: true };
});

export const resetTwoFactorAction = defineAction("resetTwoFactorAction", "user.manage", ResetTwoFactorSchema, async (input, { audit }) => {
  const r = await resetTwoFactor(audit, { userId: input.userId });
  revalidatePath("/users");
  return r;
});

export const setRequireAdminTwoFactorAction = defineAction("setRequireAdminTwoFactorAction", "security.manage", RequireAdminTwoFactorSchema, async (input, { audit }) => {
  await setRequireAdminTwoFactor(audit, input.required);
  revalidatePath("/users");
  return { required: input.required };
});

export const enableTwoFactorForm = nativeForm(enableTwoFactorAction, { secret: ["code"] });
export const disableTwoFactorForm = nativeForm(disableTwoFactorAction, { secret: ["credential"] });
