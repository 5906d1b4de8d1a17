// react-hook-form's `register`, plus the field's value as the element's default. `register` alone leaves
// the server-rendered HTML empty (react-hook-form writes the values into the DOM when it registers a field
// in the browser); with these the HTML shows them, which a deferred form (components/deferred.tsx) does
// until it hydrates. The value is read at each render, so a later render never sets a stale default.
import type { FieldPath, FieldValues, RegisterOptions, UseFormRegisterReturn, UseFormReturn } from "react-hook-form";

const asText = (v: unknown) => (v == null || (typeof v === "number" && Number.isNaN(v)) ? "" : String(v));

export type HtmlField<T extends FieldValues> = <N extends FieldPath<T>>(name: N, options?: RegisterOptions<T, N>) => UseFormRegisterReturn<N> & { defaultValue: string };

export function htmlFields<T extends FieldValues>(form: Pick<UseFormReturn<T>, "register" | "getValues">) {
  const field: HtmlField<T> = (name, options) => ({ ...form.register(name, options), defaultValue: asText(form.getValues(name)) });
  return {
    /** An input, select or textarea. */
    field,
    /** A single checkbox holding a boolean. */
    checkbox: <N extends FieldPath<T>>(name: N) => ({ ...form.register(name), type: "checkbox" as const, defaultChecked: form.getValues(name) === true }),
    /** A password: never written into the HTML, neither its start value (always empty) nor, at a later render, what was typed. */
    secret: <N extends FieldPath<T>>(name: N) => form.register(name),
    /** One radio button of a group. */
    radio: <N extends FieldPath<T>>(name: N, value: string) => ({ ...form.register(name), type: "radio" as const, value, defaultChecked: form.getValues(name) === value }),
  };
}
