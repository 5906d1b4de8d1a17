"use client";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { archiveAuditAction, archiveAuditForm } from "@/lib/audit/actions";
import type { ArchiveAuditInput, ArchiveAuditSchema } from "@/lib/audit/schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input } from "./ui";

type FormInput = z.input<typeof ArchiveAuditSchema>;

const resolver = lazyZodResolver<FormInput, ArchiveAuditInput>(() => import("@/lib/audit/schema").then((m) => m.ArchiveAuditSchema));

export function AuditArchiveForm() {
  const router = useRouter();
  const native = useNativeForm(archiveAuditForm, { olderThanDays: 365, confirm: false } as FormInput);
  const form = useForm<FormInput, unknown, ArchiveAuditInput>({
    resolver,
    defaultValues: native.values,
  });
  const { handleSubmit, formState, setError, reset } = form;
  useNativeResult(native.state, setError);
  const { field, checkbox } = htmlFields(form);
  const errors = formState.errors;

  async function archive(values: ArchiveAuditInput) {
    const r = await native.send(archiveAuditAction, values);
    if (!r.ok) {
      applyActionErrors(r, setError);
      return;
    }
    const d = r.data;
    toast.success(`Archived ${d.eventCount} events (#${d.fromSeq}–#${d.throughSeq}) to ${d.fileName}.${d.more ? " More old events remain: run it again." : ""}`);
    reset({ olderThanDays: values.olderThanDays, confirm: false });
    router.refresh();
  }

  return (
    <form action={native.action} onSubmit={handleSubmit(archive)} onFocus={resolver.preload} noValidate className="max-w-xl space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-label="Archive old events">
      <NativeFields idempotencyKey={native.key} values={{ olderThanDays: 365, confirm: false }} />
      <NativeStatus state={native.state} success="Archived." />
      <Field label="Archive events older than (days)" htmlFor="olderThanDays" error={errors.olderThanDays?.message}>
        <Input id="olderThanDays" type="number" min={1} step={1} aria-invalid={!!errors.olderThanDays} {...field("olderThanDays")} />
      </Field>
      <div className="space-y-1">
        <label className="flex items-start gap-2 text-sm">
          <input className="mt-1" aria-invalid={!!errors.confirm} {...checkbox("confirm")} />
          <span>
            I understand the archived events are written to a file on the server and then removed from the database; the chain stays verifiable
            from the archive&apos;s anchor.
          </span>
        </label>
        {errors.confirm && (
          <p role="alert" className="text-sm text-red-700">
            {errors.confirm.message}
          </p>
        )}
      </div>
      <Button type="submit" variant="danger" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? "Archiving…" : "Archive old events"}
      </Button>
    </form>
  );
}
