"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { renewSessionCookie } from "@/lib/auth/session-cookie";
import { ChangeOwnPasswordSchema, ChangeRoleSchema, CreateUserSchema, ResetPasswordSchema, SetUserDisabledSchema } from "./schema";
import { changeOwnPassword, changeRole, createUser, resetPassword, setUserDisabled } from "./service";

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

/** Any signed-in user, for themself only: the user comes from the session, never from the input. */
export const changeOwnPasswordAction = defineAction("changeOwnPasswordAction", "session.self", ChangeOwnPasswordSchema, async (input, { audit, user }) => {
  const u = await changeOwnPassword(audit, { userId: user.id, currentPassword: input.currentPassword, password: input.password });
  // Every session ended with the new sessionVersion; this one goes on with a renewed cookie.
  await renewSessionCookie(user.id, u.sessionVersion);
  return { email: u.email };
});

/** The form's native submission (before the page has hydrated): the same action. */
export const createUserForm = nativeForm(createUserAction, { redirectTo: () => "/users", secret: ["password", "confirmPassword"] });
export const changeOwnPasswordForm = nativeForm(changeOwnPasswordAction, { secret: ["currentPassword", "password", "confirmPassword"] });
