// TOTP two-factor sign-in for local accounts (./totp.ts does the codes). Enrolment, disabling, a
// reset by an admin, the use of a recovery code and the admins' requirement are audited; a wrong code at
// sign-in counts as a failed sign-in (lib/auth/login-guard.ts), so the second factor is throttled like the
// password. The secret is sealed at rest (lib/auth/secret-box.ts).
import "server-only";
import QRCode from "qrcode";
import { audited, type AuditContext, type RequestMeta } from "@/lib/audit/audited";
import { db, type Role } from "@/lib/db";
import { AppError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { assertNotLocked, recordLoginAttempt } from "@/lib/auth/login-guard";
import { verifyPassword } from "@/lib/auth/password";
import { openSecret, sealSecret } from "@/lib/auth/secret-box";
import {
  RECOVERY_CODE_COUNT,
  hashRecoveryCode,
  looksLikeRecoveryCode,
  newRecoveryCode,
  newTotpSecret,
  recoveryCodeMatches,
  totpUri,
  verifyTotp,
} from "./totp";

const PURPOSE = "totp";
const SETTINGS_ID = "global";

export class TwoFactorError extends AppError {}

export type TwoFactorStatus = { enabled: boolean; enabledAt: Date | null; recoveryCodesLeft: number };

export async function twoFactorStatus(userId: string): Promise<TwoFactorStatus> {
  const [row, left] = await Promise.all([
    db.userTwoFactor.findUnique({ where: { userId }, select: { enabledAt: true } }),
    db.recoveryCode.count({ where: { userId, usedAt: null } }),
  ]);
  return { enabled: !!row?.enabledAt, enabledAt: row?.enabledAt ?? null, recoveryCodesLeft: row?.enabledAt ? left : 0 };
}

/** What the enrolment form shows: a fresh secret, its otpauth URI and that URI as an SVG QR code (made here, no external request). */
export async function newEnrolment(account: string) {
  const secret = newTotpSecret();
  const uri = totpUri(secret, account);
  const qrSvg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { secret, uri, qrSvg };
}

/** Accepts `code` for the user's secret once: the step it belongs to must be newer than the last one accepted. */
async function acceptTotp(userId: string, sealed: string, code: string, now: number): Promise<boolean> {
  const step = verifyTotp(openSecret(sealed, PURPOSE), code, now);
  if (step === null) return false;
  const claimed = await db.userTwoFactor.updateMany({ where: { userId, lastUsedStep: { lt: step } }, data: { lastUsedStep: step } });
  return claimed.count === 1;
}

/**
 * Turns two-factor on for the signed-in user with the secret the enrolment page showed, once a code from it
 * checks out. Returns the recovery codes: the only time they exist in plain text.
 */
export async function enableTwoFactor(ctx: AuditContext, input: { userId: string; secret: string; code: string }, now = Date.now()): Promise<string[]> {
  const step = verifyTotp(input.secret, input.code, now);
  if (step === null) throw new FieldValidationError({ code: ["That code does not match: check the time on your phone and enter the code showing now."] });
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return audited(ctx, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true } });
    if (!user) throw new NotFoundError("This user no longer exists.");
    const existing = await tx.userTwoFactor.findUnique({ where: { userId: user.id }, select: { enabledAt: true } });
    if (existing?.enabledAt) throw new TwoFactorError("Two-factor sign-in is already on for your account.");
    const row = { secret: sealSecret(input.secret, PURPOSE), enabledAt: new Date(now), lastUsedStep: step };
    await tx.userTwoFactor.upsert({ where: { userId: user.id }, create: { userId: user.id, ...row }, update: row });
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.id, hash: hashRecoveryCode(c) })) });
    return {
      result: codes,
      audit: {
        action: "twofactor.enable",
        entityType: "User",
        entityId: user.id,
        summary: `${user.email} turned on two-factor sign-in (${RECOVERY_CODE_COUNT} recovery codes issued)`,
        after: { twoFactor: true, recoveryCodes: RECOVERY_CODE_COUNT },
      },
    };
  });
}

/** The signed-in user turns it off, proving themself with a current code, a recovery code or the password. */
export async function disableTwoFactor(ctx: AuditContext, input: { userId: string; credential: string }, now = Date.now()): Promise<void> {
  const user = await db.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true, passwordHash: true } });
  if (!user) throw new NotFoundError("This user no longer exists.");
  const row = await db.userTwoFactor.findUnique({ where: { userId: user.id } });
  if (!row?.enabledAt) throw new TwoFactorError("Two-factor sign-in is not on for your account.");
  const ip = ctx.meta?.ip ?? null;
  await assertNotLocked(user.email, ip);
  const credential = input.credential.trim();
  const ok =
    (/^\d{6}$/.test(credential.replace(/\s+/g, "")) && (await acceptTotp(user.id, row.secret, credential, now))) ||
    (await verifyPassword(input.credential, user.passwordHash)) ||
    (looksLikeRecoveryCode(credential) && (await matchingRecoveryCode(user.id, credential)) !== null);
  if (!ok) {
    await recordLoginAttempt(user.email, ip, false, ctx.meta?.userAgent);
    throw new FieldValidationError({ credential: ["That is not a current code, an unused recovery code or your password."] });
  }
  await audited(ctx, async (tx) => {
    await tx.userTwoFactor.deleteMany({ where: { userId: user.id } });
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    return {
      result: null,
      audit: { action: "twofactor.disable", entityType: "User", entityId: user.id, summary: `${user.email} turned off two-factor sign-in`, before: { twoFactor: true }, after: { twoFactor: false } },
    };
  });
}

/** An admin removes another user's second factor (a lost phone): they sign in with the password alone and can enrol again. */
export async function resetTwoFactor(ctx: AuditContext, input: { userId: string }): Promise<{ email: string }> {
  return audited(ctx, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true } });
    if (!user) throw new NotFoundError("This user no longer exists.");
    const removed = await tx.userTwoFactor.deleteMany({ where: { userId: user.id, enabledAt: { not: null } } });
    if (removed.count === 0) throw new TwoFactorError(`${user.email} has no two-factor sign-in to reset.`);
    await tx.userTwoFactor.deleteMany({ where: { userId: user.id } });
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    return {
      result: { email: user.email },
      audit: {
        action: "twofactor.reset",
        entityType: "User",
        entityId: user.id,
        summary: `${ctx.actor.email} reset the two-factor sign-in of ${user.email}`,
        before: { twoFactor: true },
        after: { twoFactor: false },
      },
    };
  });
}

async function matchingRecoveryCode(userId: string, code: string): Promise<string | null> {
  const rows = await db.recoveryCode.findMany({ where: { userId, usedAt: null }, select: { id: true, hash: true } });
  return rows.find((r) => recoveryCodeMatches(code, r.hash))?.id ?? null;
}

export type SecondFactorResult = "not-enrolled" | "ok" | "missing" | "wrong";

/**
 * The second step of a sign-in, after the password checked out: a TOTP code (once per time step) or an
 * unused recovery code (then used up, audited). The caller records a wrong code as a failed sign-in.
 */
export async function checkSecondFactor(
  user: { id: string; email: string },
  code: string | undefined,
  meta: RequestMeta,
  now = Date.now(),
): Promise<SecondFactorResult> {
  const row = await db.userTwoFactor.findUnique({ where: { userId: user.id } });
  if (!row?.enabledAt) return "not-enrolled";
  const given = code?.trim() ?? "";
  if (!given) return "missing";
  if (/^\d{6}$/.test(given.replace(/\s+/g, ""))) return (await acceptTotp(user.id, row.secret, given, now)) ? "ok" : "wrong";
  if (!looksLikeRecoveryCode(given)) return "wrong";
  const id = await matchingRecoveryCode(user.id, given);
  if (!id) return "wrong";
  const used = await audited({ actor: { id: user.id, email: user.email }, meta }, async (tx) => {
    // Claimed in the transaction: of two sign-ins with one code, only one gets it.
    const claimed = await tx.recoveryCode.updateMany({ where: { id, usedAt: null }, data: { usedAt: new Date(now) } });
    if (claimed.count === 0) throw new TwoFactorError("recovery code already used");
    const left = await tx.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
    return {
      result: true,
      audit: {
        action: "twofactor.recovery_used",
        entityType: "User",
        entityId: user.id,
        summary: `${user.email} signed in with a recovery code (${left} left)`,
        after: { recoveryCodesLeft: left },
      },
    };
  }).catch((err) => {
    if (err instanceof TwoFactorError) return false;
    throw err;
  });
  return used ? "ok" : "wrong";
}

export async function securitySettings(): Promise<{ requireAdminTwoFactor: boolean }> {
  const row = await db.securitySettings.findUnique({ where: { id: SETTINGS_ID }, select: { requireAdminTwoFactor: true } });
  return { requireAdminTwoFactor: row?.requireAdminTwoFactor ?? false };
}

export async function setRequireAdminTwoFactor(ctx: AuditContext, required: boolean): Promise<void> {
  await audited(ctx, async (tx) => {
    // An admin who turns the requirement on has enrolled: otherwise the setting's first effect would be to lock them into enrolment.
    if (required && ctx.actor.id) {
      const own = await tx.userTwoFactor.findUnique({ where: { userId: ctx.actor.id }, select: { enabledAt: true } });
      if (!own?.enabledAt) throw new TwoFactorError("Turn on two-factor sign-in for your own account first (Your account).");
    }
    const before = await tx.securitySettings.findUnique({ where: { id: SETTINGS_ID }, select: { requireAdminTwoFactor: true } });
    await tx.securitySettings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, requireAdminTwoFactor: required }, update: { requireAdminTwoFactor: required } });
    return {
      result: null,
      audit: {
        action: "security.require_admin_two_factor",
        entityType: "SecuritySettings",
        entityId: SETTINGS_ID,
        summary: required ? "Two-factor sign-in is now required for every admin" : "Two-factor sign-in is no longer required for admins",
        before: { requireAdminTwoFactor: before?.requireAdminTwoFactor ?? false },
        after: { requireAdminTwoFactor: required },
      },
    };
  });
}

/** True when the panel requires two-factor for admins and this admin has not enrolled: they are sent to enrol first. */
export async function mustEnrolTwoFactor(user: { id: string; role: Role; signedInWith?: "oidc" }): Promise<boolean> {
  // TOTP is for local accounts: a single sign-on session's second factor is the identity provider's.
  if (user.role !== "ADMIN" || user.signedInWith === "oidc") return false;
  const [settings, row] = await Promise.all([
    securitySettings(),
    db.userTwoFactor.findUnique({ where: { userId: user.id }, select: { enabledAt: true } }),
  ]);
  return settings.requireAdminTwoFactor && !row?.enabledAt;
}
