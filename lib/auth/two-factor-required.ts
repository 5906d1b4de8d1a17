// "Two-factor required for admins" (lib/two-factor/service.ts securitySettings): an admin who has not enrolled
// is sent to /two-factor/setup by the panel layout, and every server action but these refuses them, so
// the requirement cannot be walked around by calling actions directly.
import "server-only";
import type { Role } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { mustEnrolTwoFactor } from "@/lib/two-factor/service";

export const TWO_FACTOR_SETUP_PATH = "/two-factor/setup";

const ALLOWED_BEFORE_ENROLMENT = new Set(["enableTwoFactorAction", "signOutEverywhereAction", "endSessionAction"]);

export class TwoFactorEnrolmentRequiredError extends AppError {
  constructor() {
    super("Two-factor sign-in is required for admins: set it up first (Your account → Two-factor sign-in).");
  }
}

export async function assertEnrolledIfRequired(user: { id: string; role: Role; signedInWith?: "oidc" }, actionName: string): Promise<void> {
  if (user.role !== "ADMIN" || ALLOWED_BEFORE_ENROLMENT.has(actionName)) return;
  if (await mustEnrolTwoFactor(user)) throw new TwoFactorEnrolmentRequiredError();
}
