// "Sign out" ends that session on the server: a copy of its cookie stops working, the user's other
// sessions (other browsers) keep working. Sessions are built and ended by the same next-auth callbacks
// and event the sign-in and sign-out routes run.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { getAuthOptions, SESSION_MAX_AGE_SECONDS, verifyCredentials } from "./options";
import { getSessionUser, runWithSession } from "./session";

const ctx = { actor: { id: null, email: "setup@example.test" } };

/** What next-auth keeps in the cookie after a sign-in (the jwt callback), and what getServerSession reads from it. */
async function signIn(email: string, password: string) {
  const user = await verifyCredentials({ email, password });
  if (!user) throw new Error("sign-in failed");
  const token = (await getAuthOptions().callbacks!.jwt!({ token: {}, user, account: null } as never)) as Record<string, unknown>;
  return { token, claim: { uid: token.uid as string, sv: token.sv as number, sid: token.sid as string, at: token.at as number } };
}

async function signOut(token: Record<string, unknown>) {
  await getAuthOptions().events!.signOut!({ token, session: null } as never);
}

describe(`sign-out (${process.env.TEST_DB})`, () => {
  it("ends the signed-out session on the server; the same user's other session keeps working", async () => {
    const u = await createUser(ctx, { email: "two-browsers@example.test", name: "Two", role: "EDITOR", password: "two browsers password" });
    const laptop = await signIn("two-browsers@example.test", "two browsers password");
    const phone = await signIn("two-browsers@example.test", "two browsers password");
    expect(laptop.claim.sid).not.toBe(phone.claim.sid);
    expect(await runWithSession(laptop.claim, () => getSessionUser())).toMatchObject({ id: u.id });

    await signOut(laptop.token);
    // The copied cookie of the laptop's session: refused from now on.
    expect(await runWithSession(laptop.claim, () => getSessionUser())).toBeNull();
    expect(await runWithSession(phone.claim, () => getSessionUser())).toMatchObject({ id: u.id });
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "user.signed_out", entityId: u.id } });
    expect(event.actorEmail).toBe("two-browsers@example.test");

    // Signing out twice (two tabs) is harmless.
    await signOut(laptop.token);
    expect(await db.revokedSession.count({ where: { sid: laptop.claim.sid } })).toBe(1);
  });

  it("refuses a session older than the maximum age however often its cookie was renewed, and forgets revocations past it", async () => {
    await createUser(ctx, { email: "old-session@example.test", name: "Old", role: "EDITOR", password: "old session password" });
    const { claim, token } = await signIn("old-session@example.test", "old session password");
    const later = (claim.at + SESSION_MAX_AGE_SECONDS + 1) * 1000;
    expect(await runWithSession(claim, () => getSessionUser(later))).toBeNull();
    expect(await runWithSession(claim, () => getSessionUser())).not.toBeNull();

    await db.revokedSession.create({ data: { sid: "long-gone", userId: claim.uid, expiresAt: new Date(Date.now() - 1000) } });
    await signOut(token);
    expect(await db.revokedSession.findUnique({ where: { sid: "long-gone" } })).toBeNull();
    expect((await db.revokedSession.findUniqueOrThrow({ where: { sid: claim.sid } })).expiresAt.getTime()).toBe((claim.at + SESSION_MAX_AGE_SECONDS) * 1000);
  });
});
