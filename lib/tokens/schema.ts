import { z } from "zod";

export const TOKEN_SCOPES = ["read", "write"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const TOKEN_SCOPE_LABELS: Record<TokenScope, string> = {
  read: "Read only",
  write: "Read and write (within your role)",
};
export const TOKEN_EXPIRY_DAYS = [7, 30, 90, 365] as const;

export const CreateApiTokenSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the token (what will use it, e.g. “CI deploy”).")
    .max(80, "At most 80 characters.")
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "The name contains a control character."),
  scope: z.enum(TOKEN_SCOPES, { error: "Choose read only, or read and write." }),
  expiresInDays: z.coerce
    .number({ error: "Choose when the token expires." })
    .int("Choose when the token expires.")
    .min(1, "A token lives 1 to 365 days.")
    .max(365, "A token lives 1 to 365 days."),
});
export type CreateApiTokenInput = z.output<typeof CreateApiTokenSchema>;

export const RevokeApiTokenSchema = z.object({ id: z.uuid("Unknown token.") });
