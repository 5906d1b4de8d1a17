// Maps a server action's result onto a react-hook-form form and a toast.
import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import type { ActionResult } from "@/lib/auth/action";
import { toast } from "./toast";

export function applyActionErrors<F extends FieldValues>(result: Extract<ActionResult<unknown>, { ok: false }>, setError?: UseFormSetError<F>) {
  let placed = false;
  if (result.fieldErrors && setError) {
    for (const [field, messages] of Object.entries(result.fieldErrors)) {
      if (field === "_form") continue;
      setError(field as Path<F>, { type: "server", message: messages.join(" ") }, { shouldFocus: !placed });
      placed = true;
    }
  }
  if (!result.conflict) toast.error(result.error);
}

/** What a form says when the request never got an answer: the network or the panel went away. */
export const UNREACHABLE =
  "Could not reach the panel — nothing was sent or the result is unknown; check and retry.";

/**
 * A server action's result, or UNREACHABLE as a refusal when the call itself failed (the browser could not
 * send it, or the answer never came). The form then re-enables itself and keeps what was typed.
 */
export async function reach<T>(call: Promise<ActionResult<T>>): Promise<ActionResult<T>> {
  try {
    return await call;
  } catch (error) {
    // Next's redirect() and notFound() travel as thrown errors with a digest: not a network failure.
    if (error && typeof error === "object" && "digest" in error) throw error;
    console.error("server action call failed", error);
    return { ok: false, error: UNREACHABLE };
  }
}
