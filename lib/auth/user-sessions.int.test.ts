// The user's list of active sessions: every sign-in is listed (with its address and browser), the current
// one is marked, one can be ended from another (audited; its cookie stops working at once), and "sign out"
// and "sign out everywhere" take sessions off the list.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { endSessionAction, signOutEverywhereAction } from "./actions";
import { getAuthOptions, verifyCredentials } from "./options";
import { getSessionUser, runWithSession } from "./session";
import { listActiveSessions } from "./user-sessions";

const ctx = { actor: { id: null, email: "setup@sessions.test" } };
const PASSWORD = "sessions test password";

async function signIn(email: string, ip: string, userAgent: string) {
  const user = await verifyCredentials({ email, password: PASSWORD }, { ip, userAgent });
  if (!user) throw new Error("sign-in failed");
  const token = (await getAuthOptions().callbacks!.jwt!({ token: {}, user, account: null } as never)) as Record<string, unknown>;
  return { token, claim: { uid: token.uid as string, sv: token.sv as number, sid: token.sid as string, at: token.at as number } };
}

describe(`active sessions (${process.env.TEST_DB})`, () => {
  it("lists each sign-in, marks this one, and ends another at once (audited)", async () => {
    const u = await createUser(ctx, { email: "many@sessions.test", name: "Many", role: "AUDITOR", password: PASSWORD });
    const laptop = await signIn(u.email, "192.0.2.1", "Laptop Firefox");
    const phone = await signIn(u.email, "192.0.2.2", "Phone Safari");
    const list = await listActiveSessions(u, laptop.claim.sid);
    expect(list.map((s) => [s.ip, s.userAgent, s.current]).sort()).toEqual([
      ["192.0.2.1", "Laptop Firefox", true],
      ["192.0.2.2", "Phone Safari", false],
    ]);

    // Another user's session id is "not found", and nothing happens to it.
    const stranger = await createUser(ctx, { email: "stranger@sessions.test", name: "S", role: "EDITOR", password: PASSWORD });
    const theirs = await signIn(stranger.email, "203.0.113.5", "Other");
    expect(await runWithSession(laptop.claim, () => endSessionAction({ sid: theirs.claim.sid }))).toMatchObject({ ok: false, error: "That session has already ended." });
    expect(await runWithSession(theirs.claim, () => getSessionUser())).not.toBeNull();
    // The current one is ended by signing out, not from the list.
    expect(await runWithSession(laptop.claim, () => endSessionAction({ sid: laptop.claim.sid }))).toMatchObject({ ok: false });

    expect(await runWithSession(laptop.claim, () => endSessionAction({ sid: phone.claim.sid }))).toMatchObject({ ok: true });
    expect(await runWithSession(phone.claim, () => getSessionUser())).toBeNull();
    expect(await runWithSession(laptop.claim, () => getSessionUser())).toMatchObject({ id: u.id });
    expect((await listActiveSessions(u, laptop.claim.sid)).map((s) => s.sid)).toEqual([laptop.claim.sid]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "user.session_ended", entityId: u.id } });
    expect(event.summary).toMatch(/^many@sessions\.test ended a session signed in at .* UTC from 192\.0\.2\.2$/);
  });

  it("takes signed-out sessions off the list, and all of them after \"sign out everywhere\"", async () => {
    const u = await createUser(ctx, { email: "out@sessions.test", name: "Out", role: "EDITOR", password: PASSWORD });
    const a = await signIn(u.email, "192.0.2.3", "A");
    const b = await signIn(u.email, "192.0.2.4", "B");
    await signIn(u.email, "192.0.2.5", "C");
    await getAuthOptions().events!.signOut!({ token: a.token, session: null } as never);
    expect((await listActiveSessions(u, null)).map((s) => s.userAgent).sort()).toEqual(["B", "C"]);
    expect(await runWithSession(b.claim, () => signOutEverywhereAction({}))).toMatchObject({ ok: true });
    expect(await listActiveSessions(u, null)).toEqual([]);
  });
});
