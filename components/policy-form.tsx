"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/auth/action";
import { updatePolicyAction } from "@/lib/policies/actions";
import { PARANOIA_HINT, THRESHOLD_HINT, WafPolicySchema, type WafPolicy, type WafPolicyInput } from "@/lib/policies/policy";
import { applyActionErrors } from "./action-result";
import { Button, Field, Input, Select } from "./ui";

type Conflict = NonNullable<Extract<ActionResult<unknown>, { ok: false }>["conflict"]> & { message: string };

const MODES = [
  { value: "BLOCKING", label: "Blocking", hint: "Requests over the anomaly threshold are refused with 403." },
  { value: "DETECTION_ONLY", label: "Detection only", hint: "Everything is inspected and logged; nothing is blocked." },
  { value: "OFF", label: "Off", hint: "Requests are not inspected at all." },
] as const;

export function PolicyForm({ vhostId, initial }: { vhostId: string; initial: WafPolicyInput }) {
  const router = useRouter();
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const form = useForm<WafPolicyInput, unknown, WafPolicy>({ resolver: zodResolver(WafPolicySchema), defaultValues: initial });
  const { register, handleSubmit, formState, setError, setValue, getValues } = form;
  const errors = formState.errors;

  async function save(values: WafPolicy) {
    setConflict(null);
    const r = await updatePolicyAction({ ...values, vhostId });
    if (!r.ok) {
      if (r.conflict) setConflict({ ...r.conflict, message: r.error });
      applyActionErrors(r, setError);
      return;
    }
    setValue("version", r.data.version);
    form.reset({ ...values, version: r.data.version });
    toast.success("Policy saved.");
    router.refresh();
  }

  const num = { valueAsNumber: true } as const;
  return (
    <form onSubmit={handleSubmit(save)} noValidate className="max-w-2xl space-y-6" aria-label="WAF policy">
      {conflict && (
        <div role="alert" className="space-y-3 rounded-md border border-amber-400 bg-amber-50 p-4 text-sm" data-testid="conflict">
          <p className="font-medium text-amber-900">{conflict.message}</p>
          <div className="flex flex-wrap gap-2">
            <Button
              type="button"
              variant="secondary"
              onClick={() => {
                setValue("version", conflict.currentVersion);
                void handleSubmit(save)();
              }}
            >
              Save mine over theirs
            </Button>
            <Button type="button" variant="secondary" onClick={() => window.location.reload()}>
              Discard mine and load theirs
            </Button>
          </div>
        </div>
      )}
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-slate-700">Engine mode</legend>
        <div className="grid gap-2 sm:grid-cols-3">
          {MODES.map((m) => (
            <label key={m.value} className="flex cursor-pointer gap-2 rounded-md border border-slate-200 bg-white p-3 text-sm has-[:checked]:border-blue-600 has-[:checked]:bg-blue-50">
              <input type="radio" value={m.value} {...register("engineMode")} className="mt-1" />
              <span>
                <span className="block font-medium">{m.label}</span>
                <span className="text-xs text-slate-600">{m.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Blocking paranoia level" htmlFor="blockingParanoia" error={errors.blockingParanoia?.message} hint={PARANOIA_HINT.blocking}>
          <Select id="blockingParanoia" {...register("blockingParanoia", num)} aria-invalid={!!errors.blockingParanoia}>
            {[1, 2, 3, 4].map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </Select>
        </Field>
        <Field label="Detection paranoia level" htmlFor="detectionParanoia" error={errors.detectionParanoia?.message} hint={PARANOIA_HINT.detection}>
          <Select id="detectionParanoia" {...register("detectionParanoia", num)} aria-invalid={!!errors.detectionParanoia}>
            {[1, 2, 3, 4].map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </Select>
        </Field>
        <Field label="Inbound anomaly threshold" htmlFor="inboundThreshold" error={errors.inboundThreshold?.message} hint={THRESHOLD_HINT.inbound}>
          <Input id="inboundThreshold" type="number" min={1} max={10000} step={1} {...register("inboundThreshold", num)} aria-invalid={!!errors.inboundThreshold} />
        </Field>
        <Field label="Outbound anomaly threshold" htmlFor="outboundThreshold" error={errors.outboundThreshold?.message} hint={THRESHOLD_HINT.outbound}>
          <Input id="outboundThreshold" type="number" min={1} max={10000} step={1} {...register("outboundThreshold", num)} aria-invalid={!!errors.outboundThreshold} />
        </Field>
      </div>
      <input type="hidden" {...register("version", num)} />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : "Save policy"}
        </Button>
        <button type="button" className="text-sm text-slate-600 hover:underline" onClick={() => form.reset({ ...getValues(), inboundThreshold: 5, outboundThreshold: 4 })}>
          Reset thresholds to CRS defaults (5 / 4)
        </button>
      </div>
    </form>
  );
}
