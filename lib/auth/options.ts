// next-auth (v4) configuration: email + password against the User table, JWT sessions.
// The token carries the user id and sessionVersion; getSessionUser re-reads the user on every request,
// so disabling a user or changing their role takes effect at once.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db } from "@/lib/db";
import { verifyPassword } from "./password";
import { authSecret } from "./secret";

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

const LoginSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});

export async function verifyCredentials(raw: unknown) {
  const parsed = LoginSchema.safeParse(raw);
  if (!parsed.success) return null;
  const user = await db.user.findUnique({ where: { email: parsed.data.email } });
  const ok = await verifyPassword(parsed.data.password, user?.passwordHash);
  if (!ok || !user || user.disabled) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}

export function getAuthOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials) => verifyCredentials(credentials),
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          const u = user as unknown as { id: string; sessionVersion: number };
          token.uid = u.id;
          token.sv = u.sessionVersion;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, uid: token.uid as string, sv: token.sv as number };
      },
    },
  };
}
