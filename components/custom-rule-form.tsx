"use client";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import type { ActionResult } from "@/lib/auth/action";
import { CUSTOM_RULE_ID_MAX, CUSTOM_RULE_ID_MIN } from "@/lib/rules/rule-ids";
import type { CustomRule, CustomRuleInput, SecRuleValidation } from "@/lib/rules/secrule";
import { createCustomRuleAction, createCustomRuleForm, updateCustomRuleAction, updateCustomRuleForm } from "@/lib/rules/actions";
import { applyActionErrors } from "./action-result";
import { ConflictBanner } from "./conflict-banner";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input } from "./ui";
import { Textarea } from "./textarea";

type Conflict = NonNullable<Extract<ActionResult<unknown>, { ok: false }>["conflict"]> & { message: string };

// The SecRule checker (the panel's ModSecurity grammar, with its CIDR parser) and the schema built on it are
// fetched when the user starts on the form, not with the page.
const loadSecRule = () => import("@/lib/rules/secrule");
const resolver = lazyZodResolver<CustomRuleInput, CustomRule>(() => loadSecRule().then((m) => m.CustomRuleSchema));

export function exampleSecRule(id: number | null | undefined) {
  return `SecRule ARGS:q "@rx (?i)<script" "id:${id && Number.isInteger(id) ? id : 10001},phase:2,deny,status:403,log,msg:'No script tags'"`;
}

/**
 * Adds a custom rule (no `rule`) or edits one. Edits carry the version the rule was loaded at; a save
 * after someone else's is refused with a conflict that keeps the input and offers to save over theirs.
 */
export function CustomRuleForm({
  vhostId,
  initial,
  rule,
  onDone,
}: {
  vhostId: string;
  initial: CustomRuleInput;
  rule?: { id: string; version: number };
  onDone?: () => void;
}) {
  const router = useRouter();
  const [version, setVersion] = useState(rule?.version);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [validate, setValidate] = useState<((text: string) => SecRuleValidation) | null>(null);
  const native = useNativeForm(rule ? updateCustomRuleForm : createCustomRuleForm, initial);
  const form = useForm<CustomRuleInput, unknown, CustomRule>({ resolver, defaultValues: native.values, mode: "onTouched" });
  const { handleSubmit, formState, setError, watch, setFocus } = form;
  useNativeResult(native.state, setError);
  const { field, checkbox } = htmlFields(form);
  const errors = formState.errors;
  const prefix = rule ? `edit-${rule.id}` : "new-rule";
  const ruleId = watch("ruleId");
  const text = watch("secRule");
  const notes = useMemo(() => {
    const checked = text && validate ? validate(text) : null;
    return checked?.ok ? checked.warnings : [];
  }, [text, validate]);

  function startChecking() {
    resolver.preload();
    if (!validate) loadSecRule().then((m) => setValidate(() => m.validateSecRule), () => {}); // retried at the next focus
  }

  async function save(values: CustomRule, atVersion = version) {
    setConflict(null);
    const result: ActionResult<{ ruleId: number; version?: number; nextRuleId?: number | null }> =
      rule && atVersion !== undefined ? await native.send(updateCustomRuleAction, { ...values, vhostId, id: rule.id, version: atVersion }) : await native.send(createCustomRuleAction, { ...values, vhostId });
    if (!result.ok) {
      if (result.conflict) setConflict({ ...result.conflict, message: result.error });
      applyActionErrors(result, setError);
      return;
    }
    if (rule) {
      setVersion(result.data.version);
      toast.success(`Saved custom rule ${result.data.ruleId}.`);
    } else {
      toast.success(`Added custom rule ${result.data.ruleId}.`);
      form.reset({ ruleId: result.data.nextRuleId ?? Number.NaN, description: "", secRule: "", enabled: true });
    }
    onDone?.();
    router.refresh();
  }

  const secRuleError = errors.secRule?.message;
  const column = secRuleError ? Number(/^Column (\d+):/.exec(secRuleError)?.[1] ?? Number.NaN) : Number.NaN;

  return (
    <form action={native.action} onSubmit={handleSubmit((values) => save(values))} onFocus={startChecking} noValidate className="space-y-4" aria-label={rule ? `Edit custom rule ${initial.ruleId}` : "Add a custom rule"}>
      <NativeFields idempotencyKey={native.key} values={native.values} hidden={{ vhostId, id: rule?.id, version }} />
      <NativeStatus state={native.state} success="Custom rule saved." />
      {conflict && (
        <ConflictBanner
          message={conflict.message}
          onSaveMine={() => {
            setVersion(conflict.currentVersion);
            void handleSubmit((values) => save(values, conflict.currentVersion))();
          }}
        />
      )}
      <div className="grid gap-4 sm:grid-cols-[10rem_1fr]">
        <Field label="Rule id" htmlFor={`${prefix}-ruleId`} error={errors.ruleId?.message} hint={`${CUSTOM_RULE_ID_MIN}–${CUSTOM_RULE_ID_MAX.toLocaleString("en")}, unique across all virtual hosts.`}>
          <Input
            id={`${prefix}-ruleId`}
            type="number"
            inputMode="numeric"
            min={CUSTOM_RULE_ID_MIN}
            max={CUSTOM_RULE_ID_MAX}
            step={1}
            {...field("ruleId", { valueAsNumber: true })}
            aria-invalid={!!errors.ruleId}
            aria-describedby={errors.ruleId ? `${prefix}-ruleId-error` : undefined}
          />
        </Field>
        <Field label="Description" htmlFor={`${prefix}-description`} error={errors.description?.message}>
          <Input
            id={`${prefix}-description`}
            {...field("description")}
            aria-invalid={!!errors.description}
            aria-describedby={errors.description ? `${prefix}-description-error` : undefined}
            placeholder="Block script tags in the search box"
            autoComplete="off"
            autoFocus={!!rule}
          />
        </Field>
      </div>
      <Field
        label="SecRule"
        htmlFor={`${prefix}-secRule`}
        error={secRuleError}
        hint={
          <>
            Exactly one <code>SecRule</code> or <code>SecAction</code> on one line, with <code>id:{Number.isInteger(ruleId) ? ruleId : "N"}</code> (the rule id above) and{" "}
            <code>phase:1</code>, <code>2</code>, <code>3</code> or <code>5</code> (responses are not inspected, so phase 4 never runs). Variables, operators and actions must
            be on the panel&apos;s vetted list; a rule can add blocking, never switch protection off (no <code>allow</code>, <code>ctl</code>, skips, or changes to CRS or policy variables).
          </>
        }
      >
        <Textarea
          id={`${prefix}-secRule`}
          rows={3}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          {...field("secRule")}
          aria-invalid={!!errors.secRule}
          aria-describedby={errors.secRule ? `${prefix}-secRule-error` : undefined}
          placeholder={exampleSecRule(ruleId)}
        />
      </Field>
      {Number.isFinite(column) && text && column <= text.length + 1 && (
        <ErrorPointer
          text={text}
          column={column}
          onGo={() => {
            setFocus("secRule");
            const area = document.getElementById(`${prefix}-secRule`) as HTMLTextAreaElement | null;
            area?.setSelectionRange(column - 1, Math.min(column, text.length));
          }}
        />
      )}
      {!secRuleError && notes.length > 0 && (
        <ul className="list-disc space-y-0.5 pl-5 text-xs text-slate-600" aria-label="Notes on the rule">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input {...checkbox("enabled")} /> Enabled (written into the WAF configuration)
      </label>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : rule ? "Save rule" : "Add rule"}
        </Button>
        {onDone && (
          <Button type="button" variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}

/** Shows the part of the rule around the error's column with a caret under it, and moves the cursor there. */
function ErrorPointer({ text, column, onGo }: { text: string; column: number; onGo: () => void }) {
  const index = column - 1;
  const start = Math.max(0, index - 40);
  const end = Math.min(text.length, index + 40);
  const lead = start > 0 ? "…" : "";
  // One visible character per character of the rule, so the caret stays under the right one.
  const visible = text.slice(start, end).replace(/[\n\r\u0085\u2028\u2029]/g, "⏎").replace(/\t/g, "→");
  const snippet = lead + visible + (end < text.length ? "…" : "");
  const caret = " ".repeat(lead.length + index - start) + "^";
  return (
    <div className="rounded-md border border-red-200 bg-red-50 p-3" data-testid="secrule-error-pointer">
      <pre className="overflow-x-auto font-mono text-xs leading-5 text-slate-800" aria-hidden="true">
        {snippet}
        {"\n"}
        <span className="text-red-700">{caret}</span>
      </pre>
      <button type="button" className="mt-1 text-xs text-red-800 underline" onClick={onGo}>
        Put the cursor at column {column}
      </button>
    </div>
  );
}
