"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { ActionResult } from "@/lib/auth/action";
import { updatePolicyAction, updatePolicyForm } from "@/lib/policies/actions";
import type { WafPolicy, WafPolicyInput } from "@/lib/policies/policy";
import { applyActionErrors } from "./action-result";
import { ConflictBanner } from "./conflict-banner";
import { htmlFields, useFollowStoredVersion } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { PolicyLevelFields } from "./policy-level-fields";
import { toast } from "./toast";
import { Button } from "./ui";

type Conflict = NonNullable<Extract<ActionResult<unknown>, { ok: false }>["conflict"]> & { message: string };

const MODES = [
  { value: "BLOCKING", label: "Blocking", hint: "Requests over the anomaly threshold are refused with 403." },
  { value: "DETECTION_ONLY", label: "Detection only", hint: "Everything is inspected and logged; nothing is blocked." },
  { value: "OFF", label: "Off", hint: "Requests are not inspected at all." },
] as const;

const resolver = lazyZodResolver<WafPolicyInput, WafPolicy>(() => import("@/lib/policies/policy").then((m) => m.WafPolicySchema));

export function PolicyForm({ vhostId, initial }: { vhostId: string; initial: WafPolicyInput }) {
  const router = useRouter();
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const native = useNativeForm(updatePolicyForm, initial);
  const form = useForm<WafPolicyInput, unknown, WafPolicy>({ resolver, defaultValues: native.values });
  const { handleSubmit, formState, setError, setValue, getValues } = form;
  useNativeResult(native.state, setError);
  useFollowStoredVersion(initial.version, form.watch("version"), () => form.reset(initial));
  const { field, radio } = htmlFields(form);
  const errors = formState.errors;

  async function save(values: WafPolicy) {
    setConflict(null);
    const r = await native.send(updatePolicyAction, { ...values, vhostId });
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
    <form action={native.action} onSubmit={handleSubmit(save)} onFocus={resolver.preload} noValidate className="max-w-2xl space-y-6" aria-label="WAF policy">
      <NativeFields idempotencyKey={native.key} values={native.values} hidden={{ vhostId }} />
      <NativeStatus state={native.state} success="Policy saved." />
      {conflict && (
        <ConflictBanner
          message={conflict.message}
          onSaveMine={() => {
            setValue("version", conflict.currentVersion);
            void handleSubmit(save)();
          }}
        />
      )}
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-slate-700">Engine mode</legend>
        <div className="grid gap-2 sm:grid-cols-3">
          {MODES.map((m) => (
            <label key={m.value} className="flex cursor-pointer gap-2 rounded-md border border-slate-200 bg-white p-3 text-sm has-[:checked]:border-blue-600 has-[:checked]:bg-blue-50">
              <input {...radio("engineMode", m.value)} className="mt-1" />
              <span>
                <span className="block font-medium">{m.label}</span>
                <span className="text-xs text-slate-600">{m.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <PolicyLevelFields field={field} errors={errors} form={form} />
      <input type="hidden" {...field("version", num)} />
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
