// react-hook-form's `register`, plus the field's value as the element's default. `register` alone leaves
// the server-rendered HTML empty (react-hook-form writes the values into the DOM when it registers a field
// in the browser); with these the HTML shows them until the page hydrates, and a form submitted before then
// (natively, components/native-form.tsx) sends them. The value is read at each render, so a later render
// never sets a stale default.
import { useEffect, useRef } from "react";
import type { FieldPath, FieldValues, RegisterOptions, UseFormRegisterReturn, UseFormReturn } from "react-hook-form";

const asText = (v: unknown) => (v == null || (typeof v === "number" && Number.isNaN(v)) ? "" : String(v));

export type HtmlField<T extends FieldValues> = <N extends FieldPath<T>>(name: N, options?: RegisterOptions<T, N>) => UseFormRegisterReturn<N> & { defaultValue: string };

// react-hook-form keeps what was typed or chosen in a text field, select or checkbox before it registered
// the field (the page had not hydrated yet), but sets a radio group back to its default value. A choice made
// in the group before then is taken as the group's value first, so registering keeps it.
function adoptRadioChoice<T extends FieldValues>(form: Pick<UseFormReturn<T>, "getValues" | "setValue">, name: FieldPath<T>, el: HTMLInputElement) {
  const group = el.form?.elements.namedItem(name);
  if (!(group instanceof RadioNodeList)) return;
  const radios = [...group].filter((r): r is HTMLInputElement => r instanceof HTMLInputElement);
  const edited = radios.some((r) => r.checked !== r.defaultChecked);
  if (edited && group.value && group.value !== form.getValues(name)) form.setValue(name, group.value as never, { shouldDirty: true });
}

export function htmlFields<T extends FieldValues>(form: Pick<UseFormReturn<T>, "register" | "getValues" | "setValue">) {
  const field: HtmlField<T> = (name, options) => ({ ...form.register(name, options), defaultValue: asText(form.getValues(name)) });
  return {
    /** An input, select or textarea. */
    field,
    /** A single checkbox holding a boolean. */
    checkbox: <N extends FieldPath<T>>(name: N) => ({ ...form.register(name), type: "checkbox" as const, defaultChecked: form.getValues(name) === true }),
    /** A password: never written into the HTML, neither its start value (always empty) nor, at a later render, what was typed. */
    secret: <N extends FieldPath<T>>(name: N) => form.register(name),
    /** One radio button of a group. */
    radio: <N extends FieldPath<T>>(name: N, value: string) => {
      const registered = form.register(name);
      const ref = (el: HTMLInputElement | null) => {
        if (el) adoptRadioChoice(form, name, el);
        registered.ref(el);
      };
      return { ...registered, ref, type: "radio" as const, value, defaultChecked: form.getValues(name) === value };
    },
  };
}

/**
 * Starts the form over from `initial` when the page brings a version of the record newer than the one the
 * form holds (someone else's save, a copied policy), but never at mount: a field the user changed before
 * the page hydrated stays as they left it. The form's own saves already hold the version they made.
 */
export function useFollowStoredVersion(storedVersion: number | undefined, heldVersion: number | undefined, startOver: () => void) {
  const seen = useRef(storedVersion);
  useEffect(() => {
    if (storedVersion === undefined || storedVersion === seen.current) return;
    seen.current = storedVersion;
    if (storedVersion !== heldVersion) startOver();
  }, [storedVersion, heldVersion, startOver]);
}
