// The second step of a password sign-in (lib/auth/options.ts), kept apart so the next-auth options only
// call one function. The login form shows the code field when it gets TWO_FACTOR_REQUIRED back.
import "server-only";
import { AppError } from "@/lib/errors";
import type { RequestMeta } from "@/lib/audit/audited";
import { recordLoginAttempt } from "./login-guard";
import { checkSecondFactor } from "@/lib/two-factor/service";

import { TWO_FACTOR_REQUIRED, TWO_FACTOR_WRONG } from "./two-factor-messages";

export { TWO_FACTOR_REQUIRED, TWO_FACTOR_WRONG };

/** Its message goes to the sign-in form as next-auth's `error`. */
export class TwoFactorSignInError extends AppError {}

/** The password was right and the account has a second factor: the code step comes next. */
export class TwoFactorCodeRequired extends TwoFactorSignInError {
  constructor() {
    super(TWO_FACTOR_REQUIRED);
  }
}

/** Returns when the user has no second factor or gave a good code; throws TwoFactorSignInError otherwise. */
export async function passSecondFactor(user: { id: string; email: string }, code: string | undefined, meta: RequestMeta): Promise<void> {
  const result = await checkSecondFactor(user, code, meta);
  if (result === "ok" || result === "not-enrolled") return;
  if (result === "missing") throw new TwoFactorCodeRequired();
  await recordLoginAttempt(user.email, meta.ip ?? null, false, meta.userAgent);
  throw new TwoFactorSignInError(TWO_FACTOR_WRONG);
}
