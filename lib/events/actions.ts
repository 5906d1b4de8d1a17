"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { nativeForm } from "@/lib/auth/form-action";
import { EventRetentionSchema } from "./retention-schema";
import { setEventRetention } from "./settings";

/** An admin sets how many days of WAF events are kept (audited); the next purge deletes what is older. */
export const setEventRetentionAction = defineAction("setEventRetentionAction", "event.retention", EventRetentionSchema, async (input, { audit }) => {
  const r = await setEventRetention(audit, input.days);
  revalidatePath("/events/retention");
  return { days: r.days };
});

/** The retention form's native submission (before the page has hydrated): the same action. */
export const setEventRetentionForm = nativeForm(setEventRetentionAction);
