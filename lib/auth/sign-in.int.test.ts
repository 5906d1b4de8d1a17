// The password form's two steps (lib/auth/sign-in.ts) on both databases: a password-only account signs in at
// once; a two-factor account gets a sealed pending token and signs in with a TOTP code or a recovery code;
// wrong codes count towards the lockout like wrong passwords; a stale, altered or outdated token is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { enableTwoFactor } from "@/lib/two-factor/service";
import { newTotpSecret, totpCode } from "@/lib/two-factor/totp";
import { createUser } from "@/lib/users/service";
import { LoginLockedError, MAX_FAILURES_PER_EMAIL } from "./login-guard";
import { openPendingSignIn, PENDING_SIGN_IN_TTL_SECONDS } from "./pending-sign-in";
import { codeStep, passwordStep, PendingSignInError } from "./sign-in";
import { signInForm } from "./sign-in-actions";
import { TWO_FACTOR_REQUIRED, TWO_FACTOR_WRONG, TwoFactorSignInError } from "./two-factor-sign-in";

const setup = { actor: { id: null, email: "setup@sign-in.test" } };
const PASSWORD = "pending sign-in password";
const meta = { ip: "192.0.2.77", userAgent: "vitest" };

async function account(email: string, twoFactor: boolean) {
  const u = await createUser(setup, { email, name: email, role: "EDITOR", password: PASSWORD });
  if (!twoFactor) return { id: u.id, email, secret: "", codes: [] as string[] };
  const secret = newTotpSecret();
  const earlier = Date.now() - 30_000; // the code showing now stays unused
  const codes = await enableTwoFactor({ actor: { id: u.id, email } }, { userId: u.id, secret, code: totpCode(secret, earlier) }, earlier);
  return { id: u.id, email, secret, codes };
}

async function pendingFor(email: string) {
  const step = await passwordStep({ email, password: PASSWORD }, meta);
  if (step?.step !== "code") throw new Error(`expected the code step, got ${JSON.stringify(step)}`);
  return step.pending;
}

const failures = (email: string) => db.loginAttempt.count({ where: { email, success: false } });
const successes = (email: string) => db.loginAttempt.count({ where: { email, success: true } });

describe(`password sign-in in two steps (${process.env.TEST_DB})`, () => {
  it("signs a password-only account in at once; a wrong password or a disabled account gets no step and counts", async () => {
    const a = await account("plain@sign-in.test", false);
    expect(await passwordStep({ email: "PLAIN@sign-in.test", password: PASSWORD }, meta)).toMatchObject({ step: "signed-in", user: { id: a.id, email: a.email } });
    expect(await successes(a.email)).toBe(1);
    expect(await passwordStep({ email: a.email, password: "wrong" }, meta)).toBeNull();
    expect(await passwordStep({ email: "not an email", password: PASSWORD }, meta)).toBeNull();
    expect(await failures(a.email)).toBe(1);
    await db.user.update({ where: { id: a.id }, data: { disabled: true } });
    expect(await passwordStep({ email: a.email, password: PASSWORD }, meta)).toBeNull();
  });

  it("answers a right password of a two-factor account with a sealed pending token (no password in it), then signs in with the code", async () => {
    const a = await account("totp@sign-in.test", true);
    const step = await passwordStep({ email: a.email, password: PASSWORD }, meta);
    expect(step).toMatchObject({ step: "code", email: a.email });
    const pending = step?.step === "code" ? step.pending : "";
    expect(pending).not.toContain(a.email);
    expect(pending).not.toContain(PASSWORD);
    expect(openPendingSignIn(pending)).toMatchObject({ uid: a.id, email: a.email });
    // Nothing is recorded for the password step of a two-factor account: the code step records the outcome.
    expect(await successes(a.email)).toBe(0);

    await expect(codeStep({ pending, code: "" }, meta)).rejects.toThrow(TWO_FACTOR_REQUIRED);
    const wrong = await codeStep({ pending, code: totpCode(a.secret) === "000000" ? "111111" : "000000" }, meta).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(TwoFactorSignInError);
    expect((wrong as Error).message).toBe(TWO_FACTOR_WRONG);
    expect(await failures(a.email)).toBe(1);

    expect(await codeStep({ pending, code: totpCode(a.secret) }, meta)).toMatchObject({ id: a.id, email: a.email, role: "EDITOR" });
    expect(await successes(a.email)).toBe(1);
    // The same code does not sign in twice (each time step once), even with a fresh token.
    await expect(codeStep({ pending: await pendingFor(a.email), code: totpCode(a.secret) }, meta)).rejects.toThrow(TWO_FACTOR_WRONG);
  });

  it("signs in with a recovery code once, audited", async () => {
    const a = await account("recovery@sign-in.test", true);
    expect(await codeStep({ pending: await pendingFor(a.email), code: a.codes[0]! }, meta)).toMatchObject({ id: a.id });
    expect(await db.auditEvent.count({ where: { action: "twofactor.recovery_used", entityId: a.id } })).toBe(1);
    await expect(codeStep({ pending: await pendingFor(a.email), code: a.codes[0]! }, meta)).rejects.toThrow(TWO_FACTOR_WRONG);
  });

  it("counts wrong codes towards the lockout, which then refuses even the right code", async () => {
    const a = await account("locked@sign-in.test", true);
    const pending = await pendingFor(a.email);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) await expect(codeStep({ pending, code: `99999${i}` }, meta)).rejects.toThrow(TWO_FACTOR_WRONG);
    await expect(codeStep({ pending, code: totpCode(a.secret) }, meta)).rejects.toBeInstanceOf(LoginLockedError);
    await expect(passwordStep({ email: a.email, password: PASSWORD }, meta)).rejects.toBeInstanceOf(LoginLockedError);
    expect(await db.auditEvent.count({ where: { action: "security.login_locked", entityId: a.email } })).toBe(1);
  });

  it("refuses an altered, expired or outdated token (password changed, signed out everywhere), and a disabled account", async () => {
    const a = await account("stale@sign-in.test", true);
    const pending = await pendingFor(a.email);
    const [v, iv, tag, body] = pending.split(":");
    const flipped = Buffer.from(body!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    await expect(codeStep({ pending: [v, iv, tag, flipped.toString("base64url")].join(":"), code: totpCode(a.secret) }, meta)).rejects.toBeInstanceOf(PendingSignInError);
    await expect(codeStep({ pending, code: totpCode(a.secret) }, meta, Date.now() + PENDING_SIGN_IN_TTL_SECONDS * 1000)).rejects.toBeInstanceOf(PendingSignInError);
    await expect(codeStep({ pending: "junk", code: totpCode(a.secret) }, meta)).rejects.toBeInstanceOf(PendingSignInError);

    await db.user.update({ where: { id: a.id }, data: { sessionVersion: { increment: 1 } } });
    await expect(codeStep({ pending, code: totpCode(a.secret) }, meta)).rejects.toBeInstanceOf(PendingSignInError);
    const again = await pendingFor(a.email);
    await db.user.update({ where: { id: a.id }, data: { passwordHash: "changed elsewhere" } });
    await expect(codeStep({ pending: again, code: totpCode(a.secret) }, meta)).rejects.toBeInstanceOf(PendingSignInError);
    expect(await successes(a.email)).toBe(0);

    const b = await account("disabled-between@sign-in.test", true);
    const token = await pendingFor(b.email);
    await db.user.update({ where: { id: b.id }, data: { disabled: true } });
    expect(await codeStep({ pending: token, code: totpCode(b.secret) }, meta)).toBeNull();
    expect(await successes(b.email)).toBe(0);
  });

  it("the form's action answers hostile posts with a refusal on the page, never a throw or a session", async () => {
    const text = fc.oneof(fc.string(), fc.constantFrom("", "\0", "x".repeat(5000), "v1:AAAA:BBBB:CCCC", "admin@palisade.local", "' OR 1=1 --", "123456"));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("email", "password", "pending", "code", "callbackUrl", "$junk"), text, { maxKeys: 6 }), async (fields) => {
        const fd = new FormData();
        for (const [k, v] of Object.entries(fields)) fd.append(k, v);
        const state = await signInForm(null, fd);
        expect(state).not.toBeNull();
        expect(typeof state?.error).toBe("string");
        expect(["password", "code"]).toContain(state?.step);
      }),
      { numRuns: 40, seed: 22 },
    );
    expect(await db.userSession.count()).toBe(0);
  });
});
