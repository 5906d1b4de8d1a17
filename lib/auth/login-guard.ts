// Sign-in throttling: after too many failures for one email (or from one address) in a window, further
// attempts are refused for a while, even with the right password. Every attempt is stored in
// LoginAttempt; the start of a lockout is written to the audit log as a security event.
import { audited } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { pruneLoginAttemptsPeriodically } from "./login-retention";
import { plural } from "@/lib/format/plural";

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

export class LoginLockedError extends AppError {
  constructor(public readonly retryAfterSeconds: number) {
    super(`Too many failed sign-ins. Try again in ${plural(Math.max(1, Math.ceil(retryAfterSeconds / 60)), "minute")}.`);
  }
}

async function failuresSince(where: { email?: string; ip?: string }, since: Date) {
  return db.loginAttempt.findMany({
    where: { ...where, success: false, createdAt: { gte: since } },
    orderBy: { createdAt: "asc" },
    select: { createdAt: true },
  });
}

/** Throws LoginLockedError while the email or the address is locked out. */
export async function assertNotLocked(email: string, ip: string | null, now = new Date()): Promise<void> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const checks: [typeof failuresSince extends (...a: never) => Promise<infer R> ? R : never, number][] = [
    [await failuresSince({ email }, since), MAX_FAILURES_PER_EMAIL],
  ];
  if (ip) checks.push([await failuresSince({ ip }, since), MAX_FAILURES_PER_IP]);
  for (const [failures, max] of checks) {
    if (failures.length >= max) {
      // Locked until the oldest failure that counts leaves the window.
      const oldest = failures[failures.length - max]!.createdAt.getTime();
      throw new LoginLockedError((oldest + LOGIN_WINDOW_MS - now.getTime()) / 1000);
    }
  }
}

export async function recordLoginAttempt(email: string, ip: string | null, success: boolean, userAgent?: string | null): Promise<void> {
  await db.loginAttempt.create({ data: { email, ip, success } });
  await pruneLoginAttemptsPeriodically(); // retention: lib/auth/login-retention.ts
  if (success) return;
  const since = new Date(Date.now() - LOGIN_WINDOW_MS);
  const count = await db.loginAttempt.count({ where: { email, success: false, createdAt: { gte: since } } });
  if (count === MAX_FAILURES_PER_EMAIL) {
    await audited({ actor: { id: null, email }, meta: { ip, userAgent: userAgent ?? null } }, async () => ({
      result: null,
      audit: {
        action: "security.login_locked",
        entityType: "User",
        entityId: email,
        summary: `Sign-in for ${email} locked for ${LOGIN_WINDOW_MS / 60000} minutes after ${count} failed attempts${ip ? ` (last from ${ip})` : ""}`,
        after: { email, failures: count, ip },
      },
    }));
  }
}
