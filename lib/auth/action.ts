// The one wrapper every server action goes through: authenticate, authorize, parse with the action's
// zod schema, call the service, and turn typed errors into one result shape the form understands.
// Unexpected errors are logged and reach the user only as a generic message.
import { headers } from "next/headers";
import { z } from "zod";
import type { AuditContext, RequestMeta } from "@/lib/audit/audited";
import { inputFingerprint } from "@/lib/audit/idempotency";
import { recordDenied } from "@/lib/audit/denied";
import { AppError, ConflictError, FieldValidationError, ForbiddenError, UnauthenticatedError, type FieldErrors } from "@/lib/errors";
import { isTransientDbError } from "@/lib/db";
import { takeIdempotencyKey } from "@/lib/forms/idempotency";
import { log } from "@/lib/log";
import { clientAddress } from "@/lib/http/client-address";
import { can, type Permission } from "./permissions";
import { getSessionUser, type SessionUser } from "./session";
import { assertEnrolledIfRequired } from "./two-factor-required";

export type ActionResult<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      error: string;
      fieldErrors?: FieldErrors;
      conflict?: { savedBy: string | null; savedAt: string | null; currentVersion: number };
    };

export type ActionContext = { user: SessionUser; audit: AuditContext };

export async function requestMeta(): Promise<RequestMeta> {
  try {
    const h = await headers();
    return { ip: clientAddress(h), userAgent: h.get("user-agent") };
  } catch {
    return {}; // called outside a request (scripts, tests)
  }
}

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

export function toActionError(err: unknown): Extract<ActionResult<never>, { ok: false }> {
  if (err instanceof FieldValidationError) return { ok: false, error: err.message, fieldErrors: err.fieldErrors };
  if (err instanceof ConflictError) {
    return {
      ok: false,
      error: err.message,
      conflict: { savedBy: err.savedBy, savedAt: err.savedAt?.toISOString() ?? null, currentVersion: err.currentVersion },
    };
  }
  if (err instanceof AppError) return { ok: false, error: err.message };
  if (isTransientDbError(err)) {
    void log.warn("transient database error in server action", { error: err });
    return { ok: false, error: "The database was busy or the connection dropped, so nothing was saved. Try again in a moment." };
  }
  void log.error("unexpected error in server action", { error: err });
  return { ok: false, error: "Something went wrong on the server; nothing was changed. Try again, and tell an administrator if it persists." };
}

export function defineAction<S extends z.ZodType, T>(
  name: string,
  permission: Permission,
  schema: S,
  handler: (input: z.output<S>, ctx: ActionContext) => Promise<T>,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (raw) => {
    try {
      const user = await getSessionUser();
      if (!user) throw new UnauthenticatedError();
      const meta = await requestMeta();
      if (!can(user.role, permission)) {
        await recordDenied(user, meta, { action: name }, permission);
        throw new ForbiddenError();
      }
      await assertEnrolledIfRequired(user, name);
      // A form's idempotency key travels beside its values, never into the schema (lib/forms/idempotency.ts).
      const { input, key } = takeIdempotencyKey(raw);
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        return { ok: false, error: "Please correct the highlighted fields.", fieldErrors: zodFieldErrors(parsed.error) };
      }
      const idempotency = key ? { userId: user.id, key, action: name, input: inputFingerprint(parsed.data), calls: 0 } : undefined;
      const data = await handler(parsed.data, { user, audit: { actor: { id: user.id, email: user.email }, meta, idempotency } });
      return { ok: true, data };
    } catch (err) {
      return toActionError(err);
    }
  };
}

