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
