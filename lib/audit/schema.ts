import { z } from "zod";

/** Archive events older than N days (ADMIN). Shared by the form and the action. */
export const ArchiveAuditSchema = z.object({
  olderThanDays: z.coerce
    .number({ error: "Enter a number of days." })
    .int("Enter a whole number of days.")
    .min(1, "Keep at least the last day.")
    .max(36_500, "At most 36,500 days (100 years)."),
  confirm: z.boolean().refine((v) => v, "Confirm that the archived events leave the database."),
});

export type ArchiveAuditInput = z.infer<typeof ArchiveAuditSchema>;
