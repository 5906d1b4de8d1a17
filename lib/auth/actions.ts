"use server";
import { z } from "zod";
import { audited } from "@/lib/audit/audited";
import { defineAction } from "./action";

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
