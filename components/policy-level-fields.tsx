"use client";
import { useState } from "react";
import type { FieldErrors, FieldValues, Path, PathValue, UseFormReturn } from "react-hook-form";
import type { HtmlField } from "./form-fields";
import { PARANOIA_HINT, PARANOIA_MAX, PARANOIA_MIN, THRESHOLD_HINT, THRESHOLD_MAX, THRESHOLD_MIN } from "@/lib/policies/policy-fields";
import { Field, Input, Select } from "./ui";

type Levels = { blockingParanoia: number; detectionParanoia: number; inboundThreshold: number; outboundThreshold: number };

const LEVELS = Array.from({ length: PARANOIA_MAX - PARANOIA_MIN + 1 }, (_, i) => PARANOIA_MIN + i);
const num = { valueAsNumber: true } as const;

/**
 * The paranoia levels and anomaly thresholds of a policy, as the policy and template forms edit them.
 *
 * CRS needs detection paranoia ≥ blocking paranoia (the schema refuses less). Rather than refuse, raising
 * blocking above detection raises detection with it and says so; lowering blocking leaves detection alone.
 * Only the hydrated form does this: a native submission (before the scripts ran) with detection below
 * blocking gets the schema's field error from the server, as any other invalid input does.
 */
export function PolicyLevelFields<F extends FieldValues & Levels>({
  field: htmlField,
  errors,
  form,
}: {
  field: HtmlField<F>;
  errors: FieldErrors<F>;
  form: Pick<UseFormReturn<F>, "getValues" | "setValue" | "getFieldState" | "trigger">;
}) {
  const [note, setNote] = useState("");
  const name = (n: keyof Levels) => n as Path<F>;
  const field = (n: keyof Levels, onChange?: () => void) => ({ ...htmlField(name(n), { ...num, ...(onChange ? { onChange } : {}) }), "aria-invalid": !!errors[n] });
  const message = (n: keyof Levels) => errors[n]?.message as string | undefined;

  function blockingChanged() {
    const blocking = Number(form.getValues(name("blockingParanoia")));
    const detection = Number(form.getValues(name("detectionParanoia")));
    const raise = Number.isInteger(blocking) && detection < blocking;
    if (raise) form.setValue(name("detectionParanoia"), blocking as PathValue<F, Path<F>>, { shouldDirty: true, shouldTouch: true });
    setNote(raise ? `Detection paranoia raised to ${blocking} with blocking paranoia.` : "");
    // An error shown from an earlier save may no longer apply: check the field again.
    if (form.getFieldState(name("detectionParanoia")).error) void form.trigger(name("detectionParanoia"));
  }

  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label="Blocking paranoia level" htmlFor="blockingParanoia" error={message("blockingParanoia")} hint={PARANOIA_HINT.blocking}>
        <Select id="blockingParanoia" {...field("blockingParanoia", blockingChanged)}>
          {LEVELS.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </Select>
      </Field>
      <Field label="Detection paranoia level" htmlFor="detectionParanoia" error={message("detectionParanoia")} hint={PARANOIA_HINT.detection}>
        <Select id="detectionParanoia" {...field("detectionParanoia", () => setNote(""))}>
          {LEVELS.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </Select>
        {/* Always in the page (empty until needed), so screen readers announce the note when it appears. */}
        <p aria-live="polite" data-testid="paranoia-note" className="text-sm text-blue-800">
          {note}
        </p>
      </Field>
      <Field label="Inbound anomaly threshold" htmlFor="inboundThreshold" error={message("inboundThreshold")} hint={THRESHOLD_HINT.inbound}>
        <Input id="inboundThreshold" type="number" min={THRESHOLD_MIN} max={THRESHOLD_MAX} step={1} {...field("inboundThreshold")} />
      </Field>
      <Field label="Outbound anomaly threshold" htmlFor="outboundThreshold" error={message("outboundThreshold")} hint={THRESHOLD_HINT.outbound}>
        <Input id="outboundThreshold" type="number" min={THRESHOLD_MIN} max={THRESHOLD_MAX} step={1} {...field("outboundThreshold")} />
      </Field>
    </div>
  );
}
