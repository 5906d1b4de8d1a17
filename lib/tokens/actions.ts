"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { CreateApiTokenSchema, RevokeApiTokenSchema } from "./schema";
import { createApiToken, revokeApiToken } from "./service";

/** Any signed-in user, for themself: the owner comes from the session, never from the input. */
export const createApiTokenAction = defineAction("createApiTokenAction", "session.self", CreateApiTokenSchema, async (input, { audit, user }) => {
  const { token, row } = await createApiToken(audit, { ...input, userId: user.id });
  revalidatePath("/account");
  return { id: row.id, name: row.name, token };
});

export const revokeOwnApiTokenAction = defineAction("revokeOwnApiTokenAction", "session.self", RevokeApiTokenSchema, async (input, { audit, user }) => {
  const r = await revokeApiToken(audit, { id: input.id, asUserId: user.id });
  revalidatePath("/account");
  return { id: r.id };
});

/** Administrators revoke anyone's token (a leaked one, a departed colleague's script). */
export const revokeAnyApiTokenAction = defineAction("revokeAnyApiTokenAction", "user.manage", RevokeApiTokenSchema, async (input, { audit }) => {
  const r = await revokeApiToken(audit, { id: input.id, asUserId: null });
  revalidatePath("/account");
  revalidatePath("/users");
  return { id: r.id };
});
