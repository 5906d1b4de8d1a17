// next-auth (v4) configuration: email + password against the User table, JWT sessions.
// The token carries the user id and sessionVersion; getSessionUser re-reads the user on every request,
// so disabling a user or changing their role takes effect at once.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db, isDatabaseUnavailable } from "@/lib/db";
import { log } from "@/lib/log";
import { assertNotLocked, LoginLockedError, recordLoginAttempt } from "./login-guard";
import { verifyPassword } from "./password";
import { authSecret } from "./secret";

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export const SIGN_IN_DB_UNAVAILABLE = "The panel cannot reach its database; try again in a moment";
export const SIGN_IN_FAILED = "Sign-in failed because of a server error; try again in a moment, and tell an administrator if it persists";

const LoginSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});

export type LoginRequestMeta = { ip: string | null; userAgent: string | null };

/**
 * Checks email and password. Returns the user, or null for a wrong email, password or a disabled
 * account (one message for all, so it reveals nothing); throws LoginLockedError while throttled.
 */
export async function verifyCredentials(raw: unknown, meta: LoginRequestMeta = { ip: null, userAgent: null }) {
  const parsed = LoginSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  await assertNotLocked(email, meta.ip);
  const user = await db.user.findUnique({ where: { email } });
  const ok = (await verifyPassword(password, user?.passwordHash)) && !!user && !user.disabled;
  await recordLoginAttempt(email, meta.ip, ok, meta.userAgent);
  if (!ok || !user) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}

function headerOf(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

function loginMeta(req: { headers?: unknown } | undefined): LoginRequestMeta {
  const forwarded = headerOf(req?.headers, "x-forwarded-for")?.split(",")[0]?.trim();
  return { ip: forwarded || headerOf(req?.headers, "x-real-ip"), userAgent: headerOf(req?.headers, "user-agent") };
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
        authorize: async (credentials, req) => {
          try {
            return await verifyCredentials(credentials, loginMeta(req));
          } catch (err) {
            // next-auth passes the message of a thrown error to the sign-in form as `error`: only our own
            // sentences go there, never Prisma's text (which names the query and the database server).
            if (err instanceof LoginLockedError) throw new Error(err.message);
            void log.error("sign-in failed on the server", { error: err });
            throw new Error(isDatabaseUnavailable(err) ? SIGN_IN_DB_UNAVAILABLE : SIGN_IN_FAILED);
          }
        },
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
