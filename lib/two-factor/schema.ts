import { z } from "zod";

const Code = z.string().trim().min(1, "Enter the 6-digit code from your authenticator app.").max(64);

/** Enrolment: the secret the page showed (it is kept nowhere else until this succeeds) and a code it produced. */
export const ConfirmTwoFactorSchema = z.object({
  secret: z.string().regex(/^[A-Z2-7]{32}$/, "The enrolment secret is damaged: reload the page and start again."),
  code: Code,
});
export type ConfirmTwoFactorInput = z.infer<typeof ConfirmTwoFactorSchema>;

/** Turning it off: a current code, a recovery code or the account password. */
export const DisableTwoFactorSchema = z.object({
  credential: z.string().min(1, "Enter a current code from your app, a recovery code or your password.").max(1024),
});

export const ResetTwoFactorSchema = z.object({ userId: z.uuid() });

export const RequireAdminTwoFactorSchema = z.object({ required: z.boolean() });
