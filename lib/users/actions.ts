"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { ChangeRoleSchema, CreateUserSchema, ResetPasswordSchema, SetUserDisabledSchema } from "./schema";
import { changeRole, createUser, resetPassword, setUserDisabled } from "./service";

export const createUserAction = defineAction("createUserAction", "user.manage", CreateUserSchema, async (input, { audit }) => {
  const u = await createUser(audit, { email: input.email, name: input.name, role: input.role, password: input.password });
  revalidatePath("/users");
  return { id: u.id, email: u.email };
});

export const changeRoleAction = defineAction("changeRoleAction", "user.manage", ChangeRoleSchema, async (input, { audit }) => {
  const u = await changeRole(audit, input);
  revalidatePath("/users");
  return { id: u.id, email: u.email, role: u.role };
});

export const setUserDisabledAction = defineAction("setUserDisabledAction", "user.manage", SetUserDisabledSchema, async (input, { audit }) => {
  const u = await setUserDisabled(audit, input);
  revalidatePath("/users");
  return { id: u.id, email: u.email, disabled: u.disabled };
});

export const resetPasswordAction = defineAction("resetPasswordAction", "user.manage", ResetPasswordSchema, async (input, { audit, user }) => {
  const u = await resetPassword(audit, { id: input.id, password: input.password });
  revalidatePath("/users");
  return { id: u.id, email: u.email, self: u.id === user.id };
});

/** The form's native submission (before the page has hydrated): the same action. */
export const createUserForm = nativeForm(createUserAction, { redirectTo: () => "/users", secret: ["password", "confirmPassword"] });
