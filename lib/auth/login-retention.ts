// Retention of sign-in attempts (LoginAttempt: email, source address, success, time). The throttle
// needs only the last LOGIN_WINDOW_MS; the rows are kept longer to investigate a guessing campaign, then
// deleted: they are personal data (who tried to sign in, from where) and nothing else refers to them.
//
// Pruned (1) at most once an hour per panel process, by the sign-in path itself (recordLoginAttempt),
// (2) by `npm run db:prune`, and (3) by `npm run db:bootstrap`, which docker compose runs on every start.
// Refused actions (security.denied) and lockouts (security.login_locked) are audit events: they are
// hash-chained and follow the audit log's own retention (archive, lib/audit/archive.ts), never deleted here.
import { db } from "@/lib/db";
import { log } from "@/lib/log";
import { LOGIN_WINDOW_MS } from "./login-guard";

export const LOGIN_ATTEMPT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** PALISADE_LOGIN_RETENTION_DAYS (1–3650), default 30. */
export function loginAttemptRetentionDays(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PALISADE_LOGIN_RETENTION_DAYS?.trim();
  if (!raw) return LOGIN_ATTEMPT_RETENTION_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error(`PALISADE_LOGIN_RETENTION_DAYS must be a whole number of days, 1 to 3650; got "${raw}"`);
  return n;
}

/** Deletes sign-in attempts older than the retention period. Never touches the throttle's window. */
export async function pruneLoginAttempts(options: { now?: Date; days?: number } = {}): Promise<{ deleted: number; before: Date }> {
  const now = options.now ?? new Date();
  const days = options.days ?? loginAttemptRetentionDays();
  const before = new Date(now.getTime() - Math.max(days * DAY_MS, LOGIN_WINDOW_MS));
  const { count } = await db.loginAttempt.deleteMany({ where: { createdAt: { lt: before } } });
  return { deleted: count, before };
}

let lastPrune = 0;

/** The sign-in path's periodic prune: at most once an hour per process; a failure is logged, never thrown. */
export async function pruneLoginAttemptsPeriodically(now = Date.now()): Promise<void> {
  if (now - lastPrune < PRUNE_EVERY_MS) return;
  lastPrune = now;
  try {
    const r = await pruneLoginAttempts({ now: new Date(now) });
    if (r.deleted) void log.info("pruned old sign-in attempts", { deleted: r.deleted, before: r.before.toISOString() });
  } catch (err) {
    void log.warn("could not prune old sign-in attempts", { error: err });
  }
}

/** For tests: forget when the last periodic prune ran. */
export function resetPeriodicPrune(): void {
  lastPrune = 0;
}
