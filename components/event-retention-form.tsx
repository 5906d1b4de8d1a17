"use client";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { setEventRetentionAction, setEventRetentionForm } from "@/lib/events/actions";
import type { EventRetentionInput, EventRetentionSchema } from "@/lib/events/retention-schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input } from "./ui";

type FormInput = z.input<typeof EventRetentionSchema>;

const resolver = lazyZodResolver<FormInput, EventRetentionInput>(() => import("@/lib/events/retention-schema").then((m) => m.EventRetentionSchema));

/** An admin's form for how many days of WAF events are kept (lib/events/settings.ts). */
export function EventRetentionForm({ days }: { days: number }) {
  const router = useRouter();
  const native = useNativeForm(setEventRetentionForm, { days } as FormInput);
  const form = useForm<FormInput, unknown, EventRetentionInput>({ resolver, defaultValues: native.values });
  const { handleSubmit, formState, setError, reset } = form;
  useNativeResult(native.state, setError);
  const { field } = htmlFields(form);
  const errors = formState.errors;

  async function save(values: EventRetentionInput) {
    const r = await native.send(setEventRetentionAction, values);
    if (!r.ok) {
      applyActionErrors(r, setError);
      return;
    }
    toast.success(`WAF events are now kept ${r.data.days} days.`);
    reset({ days: r.data.days });
    router.refresh();
  }

  return (
    <form action={native.action} onSubmit={handleSubmit(save)} onFocus={resolver.preload} noValidate className="max-w-xl space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-label="Event retention">
      <NativeFields idempotencyKey={native.key} values={{ days }} />
      <NativeStatus state={native.state} success="Saved." />
      <Field label="Keep WAF events for (days)" htmlFor="days" error={errors.days?.message}>
        <Input id="days" type="number" min={1} step={1} aria-invalid={!!errors.days} {...field("days")} />
      </Field>
      <Button type="submit" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? "Saving…" : "Save retention"}
      </Button>
    </form>
  );
}
