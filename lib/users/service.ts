// User mutations, each in one audited transaction. Role changes, disabling and password resets bump
// sessionVersion, which lib/auth/session.ts compares on every request: the user's open sessions end at once.
//
// The last-admin rule is checked inside the transaction, after audited() has claimed the audit chain head.
// That claim serialises every audited writer (row lock on PostgreSQL, write lock on SQLite), so of two
// concurrent demotions of the last two admins the second one counts after the first has committed and
// is refused: there is always at least one active admin.
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { assertNotLocked, recordLoginAttempt } from "@/lib/auth/login-guard";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { db, isUniqueViolation, type Role, type Tx } from "@/lib/db";
import { AppError, FieldValidationError, NotFoundError, type FieldErrors } from "@/lib/errors";
import { NewUserSchema, PASSWORD_IS_EMAIL, PasswordSchema, passwordIsEmail, ROLE_LABELS, type NewUserInput } from "./schema";

type UserRow = { id: string; email: string; name: string; role: Role; disabled: boolean };

/** What the audit log records about a user: never the password hash. */
export function userView(u: UserRow) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled };
}

/** The same, with the session version, for the changes that end the user's sessions. */
function sessionView(u: UserRow & { sessionVersion: number }) {
  return { ...userView(u), sessionVersion: u.sessionVersion };
}

/** A rule about users that the caller broke (not a field problem): shown as a toast. */
export class UserRuleError extends AppError {}

const NOT_FOUND = "This user no longer exists.";

function duplicateEmail(email: string) {
  return new FieldValidationError({ email: [`A user with the email ${email} already exists.`] });
}

async function userOrThrow(tx: Tx, id: string) {
  const user = await tx.user.findUnique({ where: { id } });
  if (!user) throw new NotFoundError(NOT_FOUND);
  return user;
}

/** Refuses a change that would leave no active admin; `target` is the admin about to lose the role or be disabled. */
async function assertAnotherActiveAdmin(tx: Tx, target: { id: string; email: string }, what: string, field?: string) {
  const others = await tx.user.count({ where: { role: "ADMIN", disabled: false, id: { not: target.id } } });
  if (others === 0) {
    throw ruleError(`${target.email} is the last active admin: ${what} would leave nobody able to manage users. Make another user an admin first.`, field);
  }
}

/** A broken rule; with a field, the form shows it under that field as well as in the toast. */
function ruleError(message: string, field?: string): AppError {
  return field ? new FieldValidationError({ [field]: [message] }, message) : new UserRuleError(message);
}

/** Creates a user; the password policy is checked here too, so seeds and scripts cannot bypass it. */
export async function createUser(ctx: AuditContext, raw: NewUserInput) {
  const parsed = NewUserSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "_form")] ??= []).push(issue.message);
    throw new FieldValidationError(fieldErrors);
  }
  const input = parsed.data;
  const passwordHash = await hashPassword(input.password);
  try {
    return await audited(ctx, async (tx) => {
      if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) throw duplicateEmail(input.email);
      const user = await tx.user.create({ data: { email: input.email, name: input.name, role: input.role, passwordHash } });
      return {
        result: user,
        audit: {
          action: "user.create",
          entityType: "User",
          entityId: user.id,
          summary: `Created user ${user.email} (${user.role})`,
          after: userView(user),
        },
      };
    });
  } catch (err) {
    if (isUniqueViolation(err, "email")) throw duplicateEmail(input.email);
    throw err;
  }
}

export async function changeRole(ctx: AuditContext, input: { id: string; role: Role }) {
  return audited(ctx, async (tx) => {
    const current = await userOrThrow(tx, input.id);
    if (current.role === input.role) throw ruleError(`${current.email} already has the ${ROLE_LABELS[input.role].label.toLowerCase()} role.`, "role");
    if (current.role === "ADMIN") {
      if (ctx.actor.id === current.id) {
        throw ruleError("You cannot remove your own admin role: ask another admin to do it, so that someone who can manage users stays.", "role");
      }
      if (!current.disabled) await assertAnotherActiveAdmin(tx, current, "removing the role", "role");
    }
    const updated = await tx.user.update({
      where: { id: current.id },
      data: { role: input.role, sessionVersion: { increment: 1 } },
    });
    return {
      result: updated,
      audit: {
        action: "user.role",
        entityType: "User",
        entityId: updated.id,
        summary: `Changed the role of ${updated.email}: ${current.role} → ${updated.role} (their sessions ended)`,
        before: sessionView(current),
        after: sessionView(updated),
      },
    };
  });
}

export async function setUserDisabled(ctx: AuditContext, input: { id: string; disabled: boolean }) {
  return audited(ctx, async (tx) => {
    const current = await userOrThrow(tx, input.id);
    if (current.disabled === input.disabled) {
      throw ruleError(`${current.email} is already ${input.disabled ? "disabled" : "enabled"}.`);
    }
    if (input.disabled) {
      if (ctx.actor.id === current.id) throw ruleError("You cannot disable your own account: ask another admin to do it.");
      if (current.role === "ADMIN") await assertAnotherActiveAdmin(tx, current, "disabling them");
    }
    const updated = await tx.user.update({
      where: { id: current.id },
      data: { disabled: input.disabled, sessionVersion: { increment: 1 } },
    });
    return {
      result: updated,
      audit: {
        action: input.disabled ? "user.disable" : "user.enable",
        entityType: "User",
        entityId: updated.id,
        summary: input.disabled ? `Disabled user ${updated.email} (their sessions ended)` : `Enabled user ${updated.email}`,
        before: sessionView(current),
        after: sessionView(updated),
      },
    };
  });
}

/** Sets a new password chosen by an admin; the user's sessions end, including the admin's own if they reset themself. */
export async function resetPassword(ctx: AuditContext, input: { id: string; password: string }) {
  const checked = PasswordSchema.safeParse(input.password);
  if (!checked.success) throw new FieldValidationError({ password: checked.error.issues.map((i) => i.message) });
  // Checked before hashing (bcrypt is slow on purpose), and again below against the row the transaction reads.
  const target = await db.user.findUnique({ where: { id: input.id }, select: { email: true } });
  if (!target) throw new NotFoundError(NOT_FOUND);
  if (passwordIsEmail(input.password, target.email)) throw new FieldValidationError({ password: [PASSWORD_IS_EMAIL] });
  const passwordHash = await hashPassword(input.password);
  return audited(ctx, async (tx) => {
    const current = await userOrThrow(tx, input.id);
    if (passwordIsEmail(input.password, current.email)) throw new FieldValidationError({ password: [PASSWORD_IS_EMAIL] });
    const updated = await tx.user.update({
      where: { id: current.id },
      data: { passwordHash, sessionVersion: { increment: 1 } },
    });
    return {
      result: userView(updated),
      audit: {
        action: "user.password_reset",
        entityType: "User",
        entityId: updated.id,
        summary: `Reset the password of ${updated.email} (their sessions ended)`,
        before: sessionView(current),
        after: { ...sessionView(updated), passwordChanged: true },
      },
    };
  });
}


export const WRONG_CURRENT_PASSWORD = "That is not your current password.";

/**
 * The signed-in user changes their own password: the current one is required, and a wrong one counts as a
 * failed sign-in for the account (lib/auth/login-guard.ts), so a borrowed session cannot guess it. Every
 * session of the user ends (sessionVersion); the action renews the cookie of the session that asked, so
 * only the *other* sessions end. The audit row records that the password changed, never the password.
 */
export async function changeOwnPassword(ctx: AuditContext, input: { userId: string; currentPassword: string; password: string }) {
  const checked = PasswordSchema.safeParse(input.password);
  if (!checked.success) throw new FieldValidationError({ password: checked.error.issues.map((i) => i.message) });
  const me = await db.user.findUnique({ where: { id: input.userId }, select: { email: true, passwordHash: true, disabled: true } });
  if (!me || me.disabled) throw new NotFoundError(NOT_FOUND);
  await assertNotLocked(me.email, null);
  if (!(await verifyPassword(input.currentPassword, me.passwordHash))) {
    await recordLoginAttempt(me.email, ctx.meta?.ip ?? null, false, ctx.meta?.userAgent ?? null);
    throw new FieldValidationError({ currentPassword: [WRONG_CURRENT_PASSWORD] }, WRONG_CURRENT_PASSWORD);
  }
  if (passwordIsEmail(input.password, me.email)) throw new FieldValidationError({ password: [PASSWORD_IS_EMAIL] });
  const passwordHash = await hashPassword(input.password);
  return audited(ctx, async (tx) => {
    const current = await userOrThrow(tx, input.userId);
    // The hash checked above is still the stored one: two changes at once cannot both pass with the old password.
    if (current.passwordHash !== me.passwordHash) throw new UserRuleError("Your password was changed meanwhile: reload the page and try again.");
    const updated = await tx.user.update({ where: { id: current.id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    return {
      result: { ...userView(updated), sessionVersion: updated.sessionVersion },
      audit: {
        action: "user.password_change",
        entityType: "User",
        entityId: updated.id,
        summary: `${updated.email} changed their password (their other sessions ended)`,
        before: sessionView(current),
        after: { ...sessionView(updated), passwordChanged: true },
      },
    };
  });
}
