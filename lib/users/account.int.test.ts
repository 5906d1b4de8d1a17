// "Change your password" (/account) through its server action, on both databases: the current password is
// required (a wrong one changes nothing and counts as a failed sign-in), the change is audited without any
// password or hash in the row, and the user's other sessions end (sessionVersion, as "Sign out everywhere").
import { beforeAll, describe, expect, it } from "vitest";
import { getSessionUser, runWithSession } from "@/lib/auth/session";
import { verifyCredentials } from "@/lib/auth/options";
import { db } from "@/lib/db";
import { changeOwnPasswordAction } from "./actions";
import { createUser } from "./service";

const setup = { actor: { id: null, email: "setup@account.test" } };
const OLD = "the old password here";
const NEW = "a brand new passphrase";
let me: { id: string; sv: number };
let other: { id: string; sv: number };

async function claim(id: string) {
  const u = await db.user.findUniqueOrThrow({ where: { id } });
  return { id, sv: u.sessionVersion };
}
const as = <T>(c: { id: string; sv: number }, fn: () => Promise<T>) => runWithSession({ uid: c.id, sv: c.sv }, fn);
const changes = () => db.auditEvent.findMany({ where: { action: "user.password_change" } });

beforeAll(async () => {
  me = await claim((await createUser(setup, { email: "me@account.test", name: "Me", role: "AUDITOR", password: OLD })).id);
  other = await claim((await createUser(setup, { email: "other@account.test", name: "Other", role: "ADMIN", password: "other user password" })).id);
});

describe(`changing your own password (${process.env.TEST_DB})`, () => {
  it("refuses a wrong current password: nothing changes, nothing is audited, it counts as a failed sign-in", async () => {
    const r = await as(me, () => changeOwnPasswordAction({ currentPassword: "not my password", password: NEW, confirmPassword: NEW }));
    expect(r).toMatchObject({ ok: false, fieldErrors: { currentPassword: ["That is not your current password."] } });
    expect(await changes()).toHaveLength(0);
    expect(await verifyCredentials({ email: "me@account.test", password: OLD })).not.toBeNull();
    expect(await db.loginAttempt.count({ where: { email: "me@account.test", success: false } })).toBe(1);
    expect(await as(me, getSessionUser)).not.toBeNull();
  });

  it("checks the new password like every other: length, typed twice, not the current one", async () => {
    expect(await as(me, () => changeOwnPasswordAction({ currentPassword: OLD, password: "short", confirmPassword: "short" }))).toMatchObject({ ok: false, fieldErrors: { password: [expect.stringMatching(/at least 12/)] } });
    expect(await as(me, () => changeOwnPasswordAction({ currentPassword: OLD, password: NEW, confirmPassword: `${NEW}!` }))).toMatchObject({ ok: false, fieldErrors: { confirmPassword: [expect.any(String)] } });
    expect(await as(me, () => changeOwnPasswordAction({ currentPassword: OLD, password: OLD, confirmPassword: OLD }))).toMatchObject({ ok: false, fieldErrors: { password: ["Choose a new password, not the current one."] } });
    expect(await as(me, () => changeOwnPasswordAction({ currentPassword: OLD, password: "ME@account.test", confirmPassword: "ME@account.test" }))).toMatchObject({ ok: false });
    expect(await changes()).toHaveLength(0);
  });

  it("refuses a signed-out caller", async () => {
    const r = await runWithSession(null, () => changeOwnPasswordAction({ currentPassword: OLD, password: NEW, confirmPassword: NEW }));
    expect(r.ok).toBe(false);
    expect(await changes()).toHaveLength(0);
  });

  it("changes only the caller's password (an id in the input is ignored), audited without the password, and ends the other sessions", async () => {
    const r = await as(me, () => changeOwnPasswordAction({ currentPassword: OLD, password: NEW, confirmPassword: NEW, id: other.id, userId: other.id } as never));
    expect(r).toEqual({ ok: true, data: { email: "me@account.test" } });

    expect(await verifyCredentials({ email: "me@account.test", password: NEW })).not.toBeNull();
    expect(await verifyCredentials({ email: "me@account.test", password: OLD })).toBeNull();
    expect(await verifyCredentials({ email: "other@account.test", password: "other user password" })).not.toBeNull();

    const [e] = await changes();
    expect(e).toMatchObject({ entityType: "User", entityId: me.id, actorId: me.id, actorEmail: "me@account.test", summary: "me@account.test changed their password (their other sessions ended)" });
    expect(e!.after).toMatchObject({ passwordChanged: true, sessionVersion: me.sv + 1 });
    const row = JSON.stringify(e);
    for (const secret of [OLD, NEW, "$2a$", "$2b$", "passwordHash"]) expect(row).not.toContain(secret);

    // A session that still carries the old sessionVersion (another browser) is over; a new one works.
    expect(await as(me, getSessionUser)).toBeNull();
    expect(await as({ id: me.id, sv: me.sv + 1 }, getSessionUser)).toMatchObject({ id: me.id });
    expect(await as(other, getSessionUser)).toMatchObject({ id: other.id });
  });
});
