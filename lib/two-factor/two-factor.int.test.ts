// Two-factor sign-in on both databases, through the same functions next-auth and the forms call:
// enrolment, sign-in with a code and with a recovery code (each once), wrong codes throttled like wrong
// passwords, turning it off, an admin's reset, and "required for admins".
import { beforeAll, describe, expect, it } from "vitest";
import { LoginLockedError, MAX_FAILURES_PER_EMAIL } from "@/lib/auth/login-guard";
import { verifyCredentials } from "@/lib/auth/options";
import { runWithSession } from "@/lib/auth/session";
import { TWO_FACTOR_REQUIRED, TWO_FACTOR_WRONG } from "@/lib/auth/two-factor-sign-in";
import { db } from "@/lib/db";
import { createUserAction } from "@/lib/users/actions";
import { createUser } from "@/lib/users/service";
import { disableTwoFactorAction, enableTwoFactorAction, resetTwoFactorAction, setRequireAdminTwoFactorAction } from "./actions";
import { enableTwoFactor, mustEnrolTwoFactor, twoFactorStatus } from "./service";
import { newTotpSecret, totpCode } from "./totp";

const setup = { actor: { id: null, email: "setup@2fa.test" } };
const PASSWORD = "two factor test password";

async function user(email: string, role: "ADMIN" | "EDITOR" | "AUDITOR" = "EDITOR") {
  const u = await createUser(setup, { email, name: email, role, password: PASSWORD });
  return { id: u.id, email, claim: { uid: u.id, sv: u.sessionVersion } };
}

/** Enrols `u` with a secret whose code is taken 30 s ago, so the code showing now is still unused. */
async function enrolled(u: { id: string; email: string }) {
  const secret = newTotpSecret();
  const earlier = Date.now() - 30_000;
  const codes = await enableTwoFactor({ actor: { id: u.id, email: u.email } }, { userId: u.id, secret, code: totpCode(secret, earlier) }, earlier);
  return { secret, codes };
}

const signIn = (email: string, code?: string, ip = "192.0.2.10") => verifyCredentials({ email, password: PASSWORD, code }, { ip, userAgent: "vitest" });

let admin: Awaited<ReturnType<typeof user>>;
beforeAll(async () => {
  admin = await user("admin@2fa.test", "ADMIN");
});

describe(`two-factor sign-in (${process.env.TEST_DB})`, () => {
  it("enrols through the action: a wrong code is refused, a right one turns it on and returns 10 recovery codes once, audited", async () => {
    const me = await user("enrol@2fa.test");
    const secret = newTotpSecret();
    const wrong = await runWithSession(me.claim, () => enableTwoFactorAction({ secret, code: "000000" === totpCode(secret) ? "111111" : "000000" }));
    expect(wrong).toMatchObject({ ok: false, fieldErrors: { code: [expect.stringMatching(/does not match/)] } });
    expect((await twoFactorStatus(me.id)).enabled).toBe(false);

    const r = await runWithSession(me.claim, () => enableTwoFactorAction({ secret, code: totpCode(secret) }));
    expect(r.ok).toBe(true);
    const codes = r.ok ? r.data.recoveryCodes : [];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await twoFactorStatus(me.id)).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });

    // Stored sealed and hashed: neither the secret nor a code appears in the database.
    const row = await db.userTwoFactor.findUniqueOrThrow({ where: { userId: me.id } });
    expect(row.secret).not.toContain(secret);
    const hashes = await db.recoveryCode.findMany({ where: { userId: me.id } });
    for (const c of codes) expect(hashes.some((h) => h.hash.includes(c.replace("-", "")))).toBe(false);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "twofactor.enable", entityId: me.id } });
    expect(JSON.stringify(event)).not.toContain(secret);
    expect(JSON.stringify(event)).not.toContain(codes[0]!);

    // A second enrolment over it is refused.
    const again = await runWithSession(me.claim, () => enableTwoFactorAction({ secret: newTotpSecret(), code: "123456" }));
    expect(again.ok).toBe(false);
  });

  it("asks for the code after a right password, accepts a code once, and refuses its replay", async () => {
    const me = await user("code@2fa.test");
    const { secret } = await enrolled(me);
    await expect(signIn(me.email)).rejects.toThrow(TWO_FACTOR_REQUIRED);
    // Asking for the code is not a failure; a wrong password is still just "wrong" (no hint that a code exists).
    expect(await db.loginAttempt.count({ where: { email: me.email, success: false } })).toBe(0);
    expect(await verifyCredentials({ email: me.email, password: "not the password" })).toBeNull();

    const code = totpCode(secret);
    expect(await signIn(me.email, code)).toMatchObject({ id: me.id });
    await expect(signIn(me.email, code)).rejects.toThrow(TWO_FACTOR_WRONG);
    await expect(signIn(me.email, "999999" === code ? "888888" : "999999")).rejects.toThrow(TWO_FACTOR_WRONG);
    // The next time step's code still works (one step of drift either way).
    expect(await signIn(me.email, totpCode(secret, Date.now() + 30_000))).toMatchObject({ id: me.id });
  });

  it("accepts each recovery code once, audited with the number left", async () => {
    const me = await user("recovery@2fa.test");
    const { codes } = await enrolled(me);
    expect(await signIn(me.email, codes[3]!.toUpperCase())).toMatchObject({ id: me.id });
    await expect(signIn(me.email, codes[3])).rejects.toThrow(TWO_FACTOR_WRONG);
    const events = await db.auditEvent.findMany({ where: { action: "twofactor.recovery_used", entityId: me.id } });
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toBe(`${me.email} signed in with a recovery code (9 left)`);
    expect((await twoFactorStatus(me.id)).recoveryCodesLeft).toBe(9);
  });

  it("counts wrong codes as failed sign-ins: after the limit even the right code is refused", async () => {
    const me = await user("throttle@2fa.test");
    const { secret } = await enrolled(me);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      await expect(signIn(me.email, `00000${i}` === totpCode(secret) ? "777777" : `00000${i}`, `198.51.100.${i}`)).rejects.toThrow(TWO_FACTOR_WRONG);
    }
    await expect(signIn(me.email, totpCode(secret))).rejects.toBeInstanceOf(LoginLockedError);
    expect(await db.auditEvent.count({ where: { action: "security.login_locked", entityId: me.email } })).toBe(1);
  });

  it("turns off with the password or a current code, not with a wrong credential", async () => {
    const me = await user("disable@2fa.test");
    const { secret } = await enrolled(me);
    const wrong = await runWithSession(me.claim, () => disableTwoFactorAction({ credential: "not it at all" }));
    expect(wrong).toMatchObject({ ok: false, fieldErrors: { credential: [expect.any(String)] } });
    expect((await twoFactorStatus(me.id)).enabled).toBe(true);
    expect(await runWithSession(me.claim, () => disableTwoFactorAction({ credential: totpCode(secret) }))).toMatchObject({ ok: true });
    expect(await twoFactorStatus(me.id)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    expect(await db.recoveryCode.count({ where: { userId: me.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "twofactor.disable", entityId: me.id } })).toBe(1);
    expect(await signIn(me.email)).toMatchObject({ id: me.id });

    await enrolled(me);
    expect(await runWithSession(me.claim, () => disableTwoFactorAction({ credential: PASSWORD }))).toMatchObject({ ok: true });
  });

  it("lets an admin reset another user's two-factor, audited; the user then signs in with the password alone", async () => {
    const me = await user("lost-phone@2fa.test");
    await enrolled(me);
    const r = await runWithSession(admin.claim, () => resetTwoFactorAction({ userId: me.id }));
    expect(r).toMatchObject({ ok: true, data: { email: me.email } });
    expect(await signIn(me.email)).toMatchObject({ id: me.id });
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "twofactor.reset", entityId: me.id } });
    expect(event.actorEmail).toBe(admin.email);
    expect(event.summary).toBe(`${admin.email} reset the two-factor sign-in of ${me.email}`);
    // Nothing left to reset.
    expect(await runWithSession(admin.claim, () => resetTwoFactorAction({ userId: me.id }))).toMatchObject({ ok: false, error: expect.stringMatching(/no two-factor/) });
  });

  it("requires two-factor for admins: an admin without it can do nothing but enrol", async () => {
    // The admin who turns it on must have it: otherwise the setting would lock them out of the panel at once.
    const refused = await runWithSession(admin.claim, () => setRequireAdminTwoFactorAction({ required: true }));
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/your own account first/) });
    await enrolled(admin);
    expect(await runWithSession(admin.claim, () => setRequireAdminTwoFactorAction({ required: true }))).toMatchObject({ ok: true });
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "security.require_admin_two_factor" } });
    expect(event.after).toEqual({ requireAdminTwoFactor: true });

    const other = await user("other-admin@2fa.test", "ADMIN");
    const editor = await user("editor-unaffected@2fa.test", "EDITOR");
    expect(await mustEnrolTwoFactor({ id: other.id, role: "ADMIN" })).toBe(true);
    // A single sign-on session of the same admin: the identity provider does the second factor.
    expect(await mustEnrolTwoFactor({ id: other.id, role: "ADMIN", signedInWith: "oidc" })).toBe(false);
    expect(await mustEnrolTwoFactor({ id: editor.id, role: "EDITOR" })).toBe(false);
    expect(await mustEnrolTwoFactor({ id: admin.id, role: "ADMIN" })).toBe(false);
    const blocked = await runWithSession(other.claim, () => createUserAction({ email: "x@2fa.test", name: "X", role: "EDITOR", password: PASSWORD, confirmPassword: PASSWORD }));
    expect(blocked).toMatchObject({ ok: false, error: expect.stringMatching(/required for admins/) });
    expect(await db.user.count({ where: { email: "x@2fa.test" } })).toBe(0);
    const secret = newTotpSecret();
    expect(await runWithSession(other.claim, () => enableTwoFactorAction({ secret, code: totpCode(secret) }))).toMatchObject({ ok: true });
    expect(await mustEnrolTwoFactor({ id: other.id, role: "ADMIN" })).toBe(false);

    expect(await runWithSession(admin.claim, () => setRequireAdminTwoFactorAction({ required: false }))).toMatchObject({ ok: true });
  });
});
