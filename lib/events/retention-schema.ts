import { z } from "zod";

/** The longest retention an admin can set (ten years), as PALISADE_EVENT_RETENTION_DAYS allows. */
export const RETENTION_DAYS_MAX = 3650;

/** How many days of WAF events to keep (ADMIN, /events/retention). Shared by the form and the action. */
export const EventRetentionSchema = z.object({
  days: z.coerce
    .number({ error: "Enter a number of days." })
    .int("Enter a whole number of days.")
    .min(1, "Keep at least one day of events.")
    .max(RETENTION_DAYS_MAX, `At most ${RETENTION_DAYS_MAX.toLocaleString("en")} days (ten years).`),
});

export type EventRetentionInput = z.infer<typeof EventRetentionSchema>;
