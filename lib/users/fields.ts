// The user forms' choices, limits and blank values. No zod here: client components import this without the schemas.
import type { ChangeOwnPasswordFormValues, CreateUserFormValues } from "./schema";

export const ROLES = ["ADMIN", "EDITOR", "AUDITOR"] as const;
export type UserRole = (typeof ROLES)[number];

export const ROLE_LABELS: Record<UserRole, { label: string; hint: string }> = {
  ADMIN: { label: "Admin", hint: "Everything, including users, templates and publishing." },
  EDITOR: { label: "Editor", hint: "Creates and edits virtual hosts and their WAF policies." },
  AUDITOR: { label: "Auditor", hint: "Reads everything and exports the audit log; changes nothing." },
};

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;
export const NAME_MAX = 100;

export const EMPTY_USER_FORM: CreateUserFormValues = { email: "", name: "", role: "EDITOR", password: "", confirmPassword: "" };

export const EMPTY_PASSWORD_CHANGE_FORM: ChangeOwnPasswordFormValues = { currentPassword: "", password: "", confirmPassword: "" };
