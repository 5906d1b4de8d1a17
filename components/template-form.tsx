"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useFieldArray, useForm, type FieldErrors } from "react-hook-form";
import type { ActionResult } from "@/lib/auth/action";
import { EXCLUSION_KIND_LABELS, RULE_EXCLUSION_KINDS } from "@/lib/rules/exclusion-fields";
import { createTemplateAction, createTemplateForm, updateTemplateAction, updateTemplateForm } from "@/lib/templates/actions";
import { EMPTY_EXCLUSION_ROW, TEMPLATE_EXCLUSIONS_MAX } from "@/lib/templates/fields";
import type { ExclusionRow, TemplateFormValues, TemplateInput } from "@/lib/templates/schema";
import { applyActionErrors } from "./action-result";
import { ConflictBanner } from "./conflict-banner";
import { htmlFields, useFollowStoredVersion, type HtmlField } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { PolicyLevelFields } from "./policy-level-fields";
import { toast } from "./toast";
import { Button, Field, Input, Select } from "./ui";
import { Textarea } from "./textarea";

type Conflict = NonNullable<Extract<ActionResult<unknown>, { ok: false }>["conflict"]> & { message: string };

const MODES = [
  { value: "BLOCKING", label: "Blocking" },
  { value: "DETECTION_ONLY", label: "Detection only" },
  { value: "OFF", label: "Off" },
] as const;

const resolver = lazyZodResolver<TemplateFormValues, TemplateInput>(() => import("@/lib/templates/schema").then((m) => m.TemplateFormSchema));

export function TemplateForm({ initial, id, version: initialVersion }: { initial: TemplateFormValues; id?: string; version?: number }) {
  const router = useRouter();
  const [version, setVersion] = useState(initialVersion);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const native = useNativeForm(id ? updateTemplateForm : createTemplateForm, initial);
  const form = useForm<TemplateFormValues, unknown, TemplateInput>({ resolver, defaultValues: native.values });
  const { handleSubmit, formState, setError, control } = form;
  useNativeResult(native.state, setError);
  useFollowStoredVersion(initialVersion, version, () => {
    setVersion(initialVersion);
    form.reset(initial);
  });
  const { field } = htmlFields(form);
  const errors = formState.errors;
  const exclusions = useFieldArray({ control, name: "exclusions" });

  async function save(values: TemplateFormValues, atVersion = version) {
    setConflict(null);
    if (id) {
      const r = await native.send(updateTemplateAction, { ...values, id, version: atVersion! });
      if (!r.ok) return failed(r);
      setVersion(r.data.version);
      form.reset(values);
      toast.success(`Saved the template "${r.data.name}".`);
      router.refresh();
    } else {
      const r = await native.send(createTemplateAction, values);
      if (!r.ok) return failed(r);
      toast.success(`Created the template "${r.data.name}".`);
      router.push("/templates");
      router.refresh();
    }
  }

  function failed(r: Extract<ActionResult<unknown>, { ok: false }>) {
    if (r.conflict) setConflict({ ...r.conflict, message: r.error });
    applyActionErrors(r, setError);
  }

  return (
    <form action={native.action} onSubmit={handleSubmit(() => save(form.getValues()))} onFocus={resolver.preload} noValidate className="max-w-3xl space-y-6" aria-label={id ? "Edit template" : "New template"}>
      <NativeFields idempotencyKey={native.key} values={native.values} hidden={{ id, version }} />
      <NativeStatus state={native.state} success="Template saved." />
      {conflict && <ConflictBanner message={conflict.message} onSaveMine={() => save(form.getValues(), conflict.currentVersion)} />}
      <Field label="Name" htmlFor="name" error={errors.name?.message}>
        <Input id="name" autoComplete="off" {...field("name")} aria-invalid={!!errors.name} placeholder="shop" />
      </Field>
      <Field label="Description" htmlFor="description" error={errors.description?.message} hint="When to use it and why: editors read this when they pick a template.">
        <Textarea id="description" rows={3} className="font-sans" {...field("description")} aria-invalid={!!errors.description} />
      </Field>
      <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium">Policy</legend>
        <Field label="Engine mode" htmlFor="engineMode" error={errors.engineMode?.message}>
          <Select id="engineMode" {...field("engineMode")}>
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </Select>
        </Field>
        <PolicyLevelFields field={field} errors={errors} form={form} />
      </fieldset>

      <fieldset className="space-y-3 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium">Rule exclusions</legend>
        <p className="text-xs text-slate-600">
          Copied to every virtual host created from this template. Keep them to false positives of the application the template is for, limited to a path where you can.
        </p>
        {errors.exclusions?.message && (
          <p role="alert" className="text-sm text-red-700">
            {errors.exclusions.message}
          </p>
        )}
        {exclusions.fields.length === 0 && (
          <p className="rounded-md border border-dashed border-slate-300 bg-white p-3 text-sm text-slate-600">No exclusions: every CRS rule of the chosen paranoia level runs. Add one only for a known false positive.</p>
        )}
        {exclusions.fields.map((row, i) => (
          <ExclusionRowFields key={row.id} index={i} field={field} watchKind={form.watch(`exclusions.${i}.kind`)} errors={errors.exclusions?.[i]} onRemove={() => exclusions.remove(i)} />
        ))}
        <Button type="button" variant="secondary" disabled={exclusions.fields.length >= TEMPLATE_EXCLUSIONS_MAX} onClick={() => exclusions.append({ ...EMPTY_EXCLUSION_ROW })}>
          Add exclusion
        </Button>
      </fieldset>

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : id ? "Save template" : "Create template"}
        </Button>
        <Link href="/templates" className="text-sm text-slate-600 hover:underline">
          Cancel
        </Link>
      </div>
    </form>
  );
}

type RowErrors = FieldErrors<ExclusionRow> | undefined;

function ExclusionRowFields({
  index,
  field,
  watchKind,
  errors,
  onRemove,
}: {
  index: number;
  field: HtmlField<TemplateFormValues>;
  watchKind: ExclusionRow["kind"];
  errors: RowErrors;
  onRemove: () => void;
}) {
  const p = `exclusions.${index}` as const;
  const idp = `exclusion-${index}`;
  const byId = watchKind === "REMOVE_BY_ID" || watchKind === "REMOVE_TARGET_BY_ID";
  const withTarget = watchKind === "REMOVE_TARGET_BY_ID" || watchKind === "REMOVE_TARGET_BY_TAG";
  return (
    <div className="space-y-3 rounded-md border border-slate-200 bg-slate-50 p-3" role="group" aria-label={`Exclusion ${index + 1}`}>
      <div className="flex items-end gap-3">
        <div className="flex-1">
          <Field label={`Exclusion ${index + 1}: kind`} htmlFor={`${idp}-kind`} error={errors?.kind?.message} hint={EXCLUSION_KIND_LABELS[watchKind]?.hint}>
            <Select id={`${idp}-kind`} {...field(`${p}.kind`)}>
              {RULE_EXCLUSION_KINDS.map((k) => (
                <option key={k} value={k}>
                  {EXCLUSION_KIND_LABELS[k].label}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <Button type="button" variant="ghost" onClick={onRemove} aria-label={`Remove exclusion ${index + 1}`}>
          Remove
        </Button>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        {byId && (
          <Field label="CRS rule id" htmlFor={`${idp}-ruleId`} error={errors?.ruleId?.message}>
            <Input id={`${idp}-ruleId`} inputMode="numeric" placeholder="942100" {...field(`${p}.ruleId`)} aria-invalid={!!errors?.ruleId} />
          </Field>
        )}
        {watchKind === "REMOVE_BY_ID" && (
          <Field label="Last id of a range (optional)" htmlFor={`${idp}-ruleIdEnd`} error={errors?.ruleIdEnd?.message}>
            <Input id={`${idp}-ruleIdEnd`} inputMode="numeric" placeholder="942199" {...field(`${p}.ruleIdEnd`)} aria-invalid={!!errors?.ruleIdEnd} />
          </Field>
        )}
        {!byId && (
          <Field label="Tag" htmlFor={`${idp}-tag`} error={errors?.tag?.message}>
            <Input id={`${idp}-tag`} placeholder="attack-sqli" {...field(`${p}.tag`)} aria-invalid={!!errors?.tag} />
          </Field>
        )}
        {withTarget && (
          <Field label="Input to ignore" htmlFor={`${idp}-target`} error={errors?.target?.message}>
            <Input id={`${idp}-target`} placeholder="ARGS:password" {...field(`${p}.target`)} aria-invalid={!!errors?.target} />
          </Field>
        )}
        <Field label="Only under path (optional)" htmlFor={`${idp}-pathPrefix`} error={errors?.pathPrefix?.message}>
          <Input id={`${idp}-pathPrefix`} placeholder="/api/" {...field(`${p}.pathPrefix`)} aria-invalid={!!errors?.pathPrefix} />
        </Field>
        <Field label="Note (optional)" htmlFor={`${idp}-note`} error={errors?.note?.message}>
          <Input id={`${idp}-note`} {...field(`${p}.note`)} aria-invalid={!!errors?.note} />
        </Field>
      </div>
    </div>
  );
}
