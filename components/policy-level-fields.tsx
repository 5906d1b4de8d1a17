"use client";
import type { FieldErrors, FieldValues, Path } from "react-hook-form";
import type { HtmlField } from "./form-fields";
import { PARANOIA_HINT, PARANOIA_MAX, PARANOIA_MIN, THRESHOLD_HINT, THRESHOLD_MAX, THRESHOLD_MIN } from "@/lib/policies/policy-fields";
import { Field, Input, Select } from "./ui";

type Levels = { blockingParanoia: number; detectionParanoia: number; inboundThreshold: number; outboundThreshold: number };

const LEVELS = Array.from({ length: PARANOIA_MAX - PARANOIA_MIN + 1 }, (_, i) => PARANOIA_MIN + i);
const num = { valueAsNumber: true } as const;

/** The paranoia levels and anomaly thresholds of a policy, as the policy and template forms edit them. */
export function PolicyLevelFields<F extends FieldValues & Levels>({ field: htmlField, errors }: { field: HtmlField<F>; errors: FieldErrors<F> }) {
  const field = (name: keyof Levels) => ({ ...htmlField(name as Path<F>, num), "aria-invalid": !!errors[name] });
  const message = (name: keyof Levels) => errors[name]?.message as string | undefined;
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label="Blocking paranoia level" htmlFor="blockingParanoia" error={message("blockingParanoia")} hint={PARANOIA_HINT.blocking}>
        <Select id="blockingParanoia" {...field("blockingParanoia")}>
          {LEVELS.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </Select>
      </Field>
      <Field label="Detection paranoia level" htmlFor="detectionParanoia" error={message("detectionParanoia")} hint={PARANOIA_HINT.detection}>
        <Select id="detectionParanoia" {...field("detectionParanoia")}>
          {LEVELS.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </Select>
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
