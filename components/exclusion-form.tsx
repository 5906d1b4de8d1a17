"use client";
import { useRouter } from "next/navigation";
import { useForm, type Resolver } from "react-hook-form";
import { describeExclusion, EXCLUSION_KIND_LABELS, RULE_EXCLUSION_KINDS, type RuleExclusionKind } from "@/lib/policies/exclusion-fields";
import type { RuleExclusion, RuleExclusionInput } from "@/lib/policies/exclusions";
import { createExclusionAction } from "@/lib/rules/actions";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { toast } from "./toast";
import { Button, Field, Input, Select } from "./ui";

/** One flat shape of strings for every kind: the form shows the fields the chosen kind needs, the schema checks them. */
type ExclusionFormValues = { kind: RuleExclusionKind; ruleId: string; ruleIdEnd: string; tag: string; target: string; pathPrefix: string; note: string };

const EMPTY: Omit<ExclusionFormValues, "kind"> = { ruleId: "", ruleIdEnd: "", tag: "", target: "", pathPrefix: "", note: "" };

/** What the typed text means to the schema: empty optional fields are absent, ids are numbers. */
function toSchemaInput(values: ExclusionFormValues): Record<string, unknown> {
  const number = (v: string) => (v.trim() === "" ? undefined : Number(v));
  const optional = (v: string) => (v.trim() === "" ? undefined : v);
  return {
    kind: values.kind,
    ruleId: number(values.ruleId),
    ruleIdEnd: number(values.ruleIdEnd),
    tag: values.tag,
    target: values.target,
    pathPrefix: optional(values.pathPrefix),
    note: optional(values.note),
  };
}

const schemaResolver = lazyZodResolver<RuleExclusionInput, RuleExclusion>(() => import("@/lib/policies/exclusions").then((m) => m.RuleExclusionSchema));
// The shared schema checks the form's values as the action will receive them.
const resolver: Resolver<ExclusionFormValues, unknown, RuleExclusion> = (values, context, options) =>
  schemaResolver(toSchemaInput(values) as RuleExclusionInput, context, options as never) as never;

export function ExclusionForm({ vhostId }: { vhostId: string }) {
  const router = useRouter();
  const form = useForm<ExclusionFormValues, unknown, RuleExclusion>({
    resolver,
    // Values of hidden fields are kept (switching kind back loses nothing); the schema ignores them.
    defaultValues: { kind: "REMOVE_TARGET_BY_ID", ...EMPTY },
    mode: "onTouched",
  });
  const { handleSubmit, formState, setError, watch, reset } = form;
  const { field } = htmlFields(form);
  const errors = formState.errors;
  const kind = watch("kind");
  const byId = kind === "REMOVE_BY_ID" || kind === "REMOVE_TARGET_BY_ID";
  const withTarget = kind === "REMOVE_TARGET_BY_ID" || kind === "REMOVE_TARGET_BY_TAG";

  async function save(values: RuleExclusion) {
    const result = await createExclusionAction({ ...values, vhostId });
    if (!result.ok) return applyActionErrors(result, setError);
    toast.success(`Added exclusion: ${describeExclusion(values)}.`);
    reset({ kind: values.kind, ...EMPTY });
    router.refresh();
  }

  const described = (name: keyof ExclusionFormValues) => (errors[name] ? { "aria-invalid": true, "aria-describedby": `exclusion-${name}-error` } : {});

  return (
    <form onSubmit={handleSubmit(save)} onFocus={schemaResolver.preload} noValidate className="space-y-4" aria-label="Add an exclusion">
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
        {byId && (
          <Field label="CRS rule id" htmlFor="exclusion-ruleId" error={errors.ruleId?.message} hint="900000–999999, as in the WAF log: [id &quot;942100&quot;].">
            <Input id="exclusion-ruleId" inputMode="numeric" placeholder="942100" autoComplete="off" {...field("ruleId")} {...described("ruleId")} />
          </Field>
        )}
        {kind === "REMOVE_BY_ID" && (
          <Field label="Last id of a range (optional)" htmlFor="exclusion-ruleIdEnd" error={errors.ruleIdEnd?.message} hint="Leave empty for one rule.">
            <Input id="exclusion-ruleIdEnd" inputMode="numeric" placeholder="942199" autoComplete="off" {...field("ruleIdEnd")} {...described("ruleIdEnd")} />
          </Field>
        )}
        {!byId && (
          <Field label="Tag" htmlFor="exclusion-tag" error={errors.tag?.message} hint="As in the WAF log: [tag &quot;attack-sqli&quot;].">
            <Input id="exclusion-tag" placeholder="attack-sqli" autoComplete="off" {...field("tag")} {...described("tag")} />
          </Field>
        )}
        {withTarget && (
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
