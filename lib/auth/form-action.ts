// The native submission of a form: what the browser sends when it submits the form itself, before the
// page's scripts have run (progressive enhancement). The form's values are rebuilt from the FormData
// (lib/forms/native.ts) and handed to the very server action the hydrated form calls, so the session,
// the role, the zod schema and the audited transaction are the same; only the transport differs.
import { redirect } from "next/navigation";
import { IDEMPOTENCY_FIELD, withIdempotencyKey } from "@/lib/forms/idempotency";
import { valuesFromFormData } from "@/lib/forms/native";
import type { ActionResult } from "./action";

export type NativeFormState<T = unknown> = {
  result: ActionResult<T>;
  /** After a refusal, what was submitted, for the form to show again (secret fields blanked); empty after a success. */
  values: Record<string, unknown>;
} | null;

export function nativeForm<I, T>(
  action: (input: I) => Promise<ActionResult<T>>,
  options: { redirectTo?: (data: T) => string; secret?: string[]; transform?: (values: Record<string, unknown>) => unknown } = {},
): (prev: NativeFormState<T>, formData: FormData) => Promise<NativeFormState<T>> {
  return async (_prev, formData) => {
    const values = valuesFromFormData(formData as unknown);
    if (!values) return { result: { ok: false, error: "The form could not be read. Reload the page and try again." }, values: {} };
    const input = options.transform ? options.transform(values) : values;
    // The key the form rendered with: resubmitting the page (the browser's "resend") returns the first result.
    const key = formData.get(IDEMPOTENCY_FIELD);
    const result = await action((typeof key === "string" ? withIdempotencyKey(input, key) : input) as I);
    // Outside any try/catch: redirect() throws by design.
    if (result.ok && options.redirectTo) redirect(options.redirectTo(result.data));
    // After a success the page is rendered again from what was stored; after a refusal the form shows what was sent.
    if (result.ok) return { result, values: {} };
    for (const name of options.secret ?? []) if (name in values) values[name] = "";
    return { result, values };
  };
}
