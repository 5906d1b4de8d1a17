// Typed errors that services throw and the action wrapper turns into results a form can show.
// Anything else is unexpected: it is logged and the user sees a generic message.

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {}

/** Not signed in, or the session is no longer valid. */
export class UnauthenticatedError extends AppError {
  constructor(message = "Your session has ended. Sign in again.") {
    super(message);
  }
}

/** Signed in, but the role does not allow this. */
export class ForbiddenError extends AppError {
  constructor(message = "Your role does not allow this action.") {
    super(message);
  }
}

export class NotFoundError extends AppError {}

/** Input that parsed but breaks a rule only the service can check (a duplicate domain, say). */
export class FieldValidationError extends AppError {
  constructor(
    public readonly fieldErrors: FieldErrors,
    message = "Please correct the highlighted fields.",
  ) {
    super(message);
  }
}

/** Someone else saved the record after the user loaded it (optimistic locking). */
export class ConflictError extends AppError {
  constructor(
    public readonly savedBy: string | null,
    public readonly savedAt: Date | null,
    public readonly currentVersion: number,
  ) {
    super(
      `${savedBy ?? "Someone else"} saved this ${savedAt ? `at ${savedAt.toISOString().replace("T", " ").slice(0, 19)} UTC ` : ""}after you opened it. ` +
        "Your changes were not saved and are still in the form: review the current values and save again.",
    );
  }
}
