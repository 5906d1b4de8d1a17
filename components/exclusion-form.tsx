"use client";
import { useRouter } from "next/navigation";
import { useForm, type Resolver } from "react-hook-form";
import { DEFAULT_EXCLUSION_KIND, describeExclusion, EXCLUSION_KIND_FIELDS, EXCLUSION_KIND_LABELS, RULE_EXCLUSION_KINDS } from "@/lib/rules/exclusion-fields";
import type { RuleExclusion, RuleExclusionInput } from "@/lib/rules/exclusions";
import { createExclusionAction, createExclusionForm } from "@/lib/rules/actions";
import { EMPTY_EXCLUSION_FORM as EMPTY, toSchemaInput, type ExclusionFormValues } from "@/lib/rules/exclusion-form-values";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input, Select } from "./ui";

const schemaResolver = lazyZodResolver<RuleExclusionInput, RuleExclusion>(() => import("@/lib/rules/exclusions").then((m) => m.RuleExclusionSchema));
// The shared schema checks the form's values as the action will receive them.
const resolver: Resolver<ExclusionFormValues, unknown, RuleExclusion> = (values, context, options) =>
  schemaResolver(toSchemaInput(values) as RuleExclusionInput, context, options as never) as never;

/** `initial`: a draft to start from ("Exclude this" on a WAF event); `fromEvent`: that event, named in the audit row. */
export function ExclusionForm({ vhostId, initial, fromEvent }: { vhostId: string; initial?: ExclusionFormValues; fromEvent?: string }) {
  const router = useRouter();
  // Without a draft the form opens on the most common kind: one rule off, optionally under a path.
  const native = useNativeForm(createExclusionForm, initial ?? ({ kind: DEFAULT_EXCLUSION_KIND, ...EMPTY } as ExclusionFormValues));
  const form = useForm<ExclusionFormValues, unknown, RuleExclusion>({
    resolver,
    // Values of hidden fields are kept (switching kind back loses nothing); the schema ignores them.
    defaultValues: native.values,
    mode: "onTouched",
  });
  const { handleSubmit, formState, setError, watch, reset } = form;
  useNativeResult(native.state, setError);
  const { field } = htmlFields(form);
  const errors = formState.errors;
  const kind = watch("kind");
  // Only the fields the chosen kind takes are shown; the schema (a union by kind) requires exactly those.
  const shown = EXCLUSION_KIND_FIELDS[kind] ?? EXCLUSION_KIND_FIELDS[DEFAULT_EXCLUSION_KIND];

  async function save(values: RuleExclusion) {
    const result = await native.send(createExclusionAction, { ...values, vhostId, ...(fromEvent ? { fromEvent } : {}) });
    if (!result.ok) return applyActionErrors(result, setError);
    toast.success(`Added exclusion: ${describeExclusion(values)}.`);
    reset({ kind: values.kind, ...EMPTY });
    router.refresh();
  }

  const described = (name: keyof ExclusionFormValues) => (errors[name] ? { "aria-invalid": true, "aria-describedby": `exclusion-${name}-error` } : {});

  return (
    <form action={native.action} onSubmit={handleSubmit(save)} onFocus={schemaResolver.preload} noValidate className="space-y-4" aria-label="Add an exclusion">
      <NativeFields idempotencyKey={native.key} values={{ kind: DEFAULT_EXCLUSION_KIND, ...EMPTY }} hidden={{ vhostId, fromEvent }} />
      <NativeStatus state={native.state} success="Exclusion added." />
      <Field label="Kind" htmlFor="exclusion-kind" hint={EXCLUSION_KIND_LABELS[kind]?.hint}>
        <Select id="exclusion-kind" {...field("kind")}>
          {RULE_EXCLUSION_KINDS.map((k) => (
            <option key={k} value={k}>
              {EXCLUSION_KIND_LABELS[k].label}
            </option>
          ))}
        </Select>
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        {shown.ruleId && (
          <Field label="CRS rule id" htmlFor="exclusion-ruleId" error={errors.ruleId?.message} hint="900000–999999, as in the WAF log: [id &quot;942100&quot;].">
            <Input id="exclusion-ruleId" inputMode="numeric" placeholder="942100" autoComplete="off" {...field("ruleId")} {...described("ruleId")} />
          </Field>
        )}
        {shown.ruleIdEnd && (
          <Field label="Last id of a range (optional)" htmlFor="exclusion-ruleIdEnd" error={errors.ruleIdEnd?.message} hint="Leave empty for one rule.">
            <Input id="exclusion-ruleIdEnd" inputMode="numeric" placeholder="942199" autoComplete="off" {...field("ruleIdEnd")} {...described("ruleIdEnd")} />
          </Field>
        )}
        {shown.tag && (
          <Field label="Tag" htmlFor="exclusion-tag" error={errors.tag?.message} hint="As in the WAF log: [tag &quot;attack-sqli&quot;].">
            <Input id="exclusion-tag" placeholder="attack-sqli" autoComplete="off" {...field("tag")} {...described("tag")} />
          </Field>
        )}
        {shown.target && (
          <Field label="Input to ignore" htmlFor="exclusion-target" error={errors.target?.message} hint="One variable with its name: ARGS:password, REQUEST_COOKIES:session, REQUEST_HEADERS:User-Agent.">
            <Input id="exclusion-target" className="font-mono" placeholder="ARGS:password" autoComplete="off" spellCheck={false} {...field("target")} {...described("target")} />
          </Field>
        )}
        <Field label="Only under path (optional)" htmlFor="exclusion-pathPrefix" error={errors.pathPrefix?.message} hint="Empty: the whole site. Otherwise requests whose path starts with this, e.g. /login.">
          <Input id="exclusion-pathPrefix" className="font-mono" placeholder="/login" autoComplete="off" spellCheck={false} {...field("pathPrefix")} {...described("pathPrefix")} />
        </Field>
        <Field label="Note (optional)" htmlFor="exclusion-note" error={errors.note?.message} hint="Why: which false positive this fixes.">
          <Input id="exclusion-note" placeholder="Password field trips SQLi rule" autoComplete="off" {...field("note")} {...described("note")} />
        </Field>
      </div>
      <Button type="submit" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? "Adding…" : "Add exclusion"}
      </Button>
    </form>
  );
}
