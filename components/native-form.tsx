"use client";
// Progressive enhancement for the panel's forms. Each form is a <form action={…}> bound to a server action
// through useActionState, so a submit made before the page's scripts have run (or without them) is sent by
// the browser itself: a POST of exactly what the fields show, handled by the same server action as the
// hydrated form's (lib/auth/form-action.ts). Once hydrated, the form's onSubmit takes over (client-side
// validation, no page load) and the native path is not used.
import { useActionState, useEffect, useRef, useState } from "react";
import type { FieldValues, UseFormSetError } from "react-hook-form";
import type { ActionResult } from "@/lib/auth/action";
import type { NativeFormState } from "@/lib/auth/form-action";
import { IDEMPOTENCY_FIELD, newIdempotencyKey, withIdempotencyKey } from "@/lib/forms/idempotency";
import { SHAPE_FIELD, START_FIELD, shapeOf } from "@/lib/forms/native";
import { applyActionErrors, reach } from "./action-result";

type NativeAction<T> = (prev: NativeFormState<T>, formData: FormData) => Promise<NativeFormState<T>>;

/**
 * The form's native submission: `action` goes on the <form>; `state` is the result of a native submission
 * when this page is its answer (null otherwise), and `values` what was submitted then, to start from.
 */
export function useNativeForm<V extends FieldValues>(serverAction: (prev: NativeFormState<never>, formData: FormData) => Promise<NativeFormState<unknown>>, initial: V) {
  const [state, action] = useActionState(serverAction as unknown as NativeAction<unknown>, null);
  const values = (state && Object.keys(state.values).length ? { ...initial, ...state.values } : initial) as V;
  const { key, send } = useIdempotentSend();
  return { state, action, values, key, send };
}

/**
 * Sends a change with an idempotency key (lib/forms/idempotency.ts): one key per submission, kept while the
 * answer is unknown or a refusal (a retry then returns the first result if the first attempt did commit),
 * renewed after a success. `send` answers UNREACHABLE when no answer came (components/action-result.ts).
 */
export function useIdempotentSend() {
  const [key, setKey] = useState(newIdempotencyKey);
  async function send<I, T>(call: (input: I) => Promise<ActionResult<T>>, input: I): Promise<ActionResult<T>> {
    const result = await reach(call(withIdempotencyKey(input, key)));
    if (result.ok) setKey(newIdempotencyKey());
    return result;
  }
  return { key, send };
}

/** Once the page has hydrated: a native submission's field errors on the form, its message as a toast. */
export function useNativeResult<T, V extends FieldValues>(state: NativeFormState<T>, setError: UseFormSetError<V> | undefined, onSuccess?: (data: T) => void) {
  const done = useRef(false);
  useEffect(() => {
    if (!state || done.current) return;
    done.current = true;
    if (state.result.ok) onSuccess?.(state.result.data);
    else applyActionErrors(state.result, setError);
  }, [state, setError, onSuccess]);
}

/** The hidden fields a native submission needs: the values' shape and start, and fixed values (ids, versions). */
export function NativeFields({ values, hidden = {}, idempotencyKey }: { values: object; hidden?: Record<string, string | number | undefined>; idempotencyKey?: string }) {
  const fixed = Object.entries(hidden).filter((e): e is [string, string | number] => e[1] !== undefined);
  const all = { ...values, ...Object.fromEntries(fixed) };
  return (
    <>
      <input type="hidden" name={SHAPE_FIELD} value={JSON.stringify(shapeOf(all))} />
      <input type="hidden" name={START_FIELD} value={JSON.stringify(all)} />
      {/* The key differs between the server's render and the browser's; only a native submission reads this field. */}
      {idempotencyKey && <input type="hidden" name={IDEMPOTENCY_FIELD} value={idempotencyKey} suppressHydrationWarning />}
      {fixed.map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={String(value)} />
      ))}
    </>
  );
}

/** A native submission's outcome in the page itself, readable before (and without) the scripts. */
export function NativeStatus({ state, success }: { state: NativeFormState<unknown>; success: string }) {
  if (!state) return null;
  return state.result.ok ? (
    <p role="status" className="rounded-md border border-green-200 bg-green-50 p-2 text-sm text-green-800" data-testid="native-status">
      {success}
    </p>
  ) : (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-800" data-testid="native-status">
      <p>{state.result.error}</p>
      {state.result.fieldErrors && (
        <ul className="list-disc pl-5">
          {Object.entries(state.result.fieldErrors).map(([field, messages]) => (
            <li key={field}>{messages.join(" ")}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
