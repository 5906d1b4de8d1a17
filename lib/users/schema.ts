// One schema per user input, shared by the forms (zodResolver) and the server actions.
import { z } from "zod";

import { NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, ROLES } from "./fields";

export { EMPTY_PASSWORD_CHANGE_FORM, EMPTY_USER_FORM, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, ROLE_LABELS, ROLES, type UserRole } from "./fields";

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "Enter an email address.")
  .max(254, "An email address has at most 254 characters.")
  .pipe(z.email("Enter a valid email address, e.g. jane@example.com."));

export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters: a few unrelated words make a good password.`)
  .max(PASSWORD_MAX, `A password has at most ${PASSWORD_MAX} characters.`);

const NameSchema = z
  .string()
  .trim()
  .min(1, "Enter the person's name.")
  .max(NAME_MAX, `A name has at most ${NAME_MAX} characters.`)
  .refine((v) => !/\p{Cc}/u.test(v), "The name cannot contain control characters.");

const RoleSchema = z.enum(ROLES, { error: "Choose Admin, Editor or Auditor." });

export const PASSWORD_IS_EMAIL = "The password cannot be the email address.";

/** The password policy's one rule that needs the email: checked by the form, the action and the service. */
export function passwordIsEmail(password: string, email: string): boolean {
  return password.trim().toLowerCase() === email.trim().toLowerCase();
}

const PASSWORDS_DIFFER = "The two passwords differ: type the same password twice.";

/** What the service needs to create a user (seeds and tests call it with this shape). */
export const NewUserSchema = z
  .object({ email: EmailSchema, name: NameSchema, role: RoleSchema, password: PasswordSchema })
  .superRefine((v, ctx) => {
    if (passwordIsEmail(v.password, v.email)) ctx.addIssue({ code: "custom", path: ["password"], message: PASSWORD_IS_EMAIL });
  });

/** The "New user" form: the same fields plus the password typed twice. */
export const CreateUserSchema = z
  .object({ email: EmailSchema, name: NameSchema, role: RoleSchema, password: PasswordSchema, confirmPassword: z.string() })
  .superRefine((v, ctx) => {
    if (passwordIsEmail(v.password, v.email)) ctx.addIssue({ code: "custom", path: ["password"], message: PASSWORD_IS_EMAIL });
    if (v.password !== v.confirmPassword) ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: PASSWORDS_DIFFER });
  });

export const ChangeRoleSchema = z.object({ id: z.uuid(), role: RoleSchema });

export const SetUserDisabledSchema = z.object({ id: z.uuid(), disabled: z.boolean() });

/** The email is not part of the input (the service reads it), so "not the email" is checked by the service. */
export const ResetPasswordSchema = z
  .object({ id: z.uuid(), password: PasswordSchema, confirmPassword: z.string() })
  .superRefine((v, ctx) => {
    if (v.password !== v.confirmPassword) ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: PASSWORDS_DIFFER });
  });

/** "Change your password" (/account): the signed-in user's own password; the current one is required. */
export const ChangeOwnPasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password.").max(PASSWORD_MAX, "That is not your current password."),
    password: PasswordSchema,
    confirmPassword: z.string(),
  })
  .superRefine((v, ctx) => {
    if (v.password !== v.confirmPassword) ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: PASSWORDS_DIFFER });
    if (v.password === v.currentPassword) ctx.addIssue({ code: "custom", path: ["password"], message: "Choose a new password, not the current one." });
  });

export type NewUserInput = z.input<typeof NewUserSchema>;
export type CreateUserFormValues = z.input<typeof CreateUserSchema>;
export type CreateUserInput = z.output<typeof CreateUserSchema>;
export type ChangeRoleInput = z.output<typeof ChangeRoleSchema>;
export type SetUserDisabledInput = z.output<typeof SetUserDisabledSchema>;
export type ResetPasswordFormValues = z.input<typeof ResetPasswordSchema>;
export type ResetPasswordInput = z.output<typeof ResetPasswordSchema>;
export type ChangeOwnPasswordFormValues = z.input<typeof ChangeOwnPasswordSchema>;
export type ChangeOwnPasswordInput = z.output<typeof ChangeOwnPasswordSchema>;
