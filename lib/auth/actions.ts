"use server";
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { audited } from "@/lib/audit/audited";
import { NotFoundError } from "@/lib/errors";
import { defineAction } from "./action";
import { nativeForm } from "./form-action";
import { currentSessionId } from "./session";
import { endSession } from "./user-sessions";

/** Ends every session of the signed-in user on every device: their sessionVersion no longer matches any token. */
export const signOutEverywhereAction = defineAction("signOutEverywhereAction", "session.self", z.object({}), async (_input, { user, audit }) =>
  audited(audit, async (tx) => {
    const u = await tx.user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } }, select: { sessionVersion: true } });
    return {
      result: { signedOut: true },
      audit: { action: "user.sessions_revoked", entityType: "User", entityId: user.id, summary: `${user.email} signed out everywhere`, after: { sessionVersion: u.sessionVersion } },
    };
  }),
);

/** Ends one of the signed-in user's own sessions (the list on /account); the current one ends by signing out. */
export const endSessionAction = defineAction("endSessionAction", "session.self", z.object({ sid: z.string().min(1).max(100) }), async (input, { user, audit }) => {
  if (input.sid === (await currentSessionId())) throw new NotFoundError("This is the session you are using: sign out instead.");
  await endSession(audit, { userId: user.id, sid: input.sid });
  revalidatePath("/account");
  return { ended: true };
});

export const endSessionForm = nativeForm(endSessionAction);
