// next-auth (v4) configuration: email + password against the User table (unless PALISADE_LOCAL_LOGIN=off)
// and, when configured, an OpenID Connect provider (lib/auth/oidc.ts); JWT sessions.
// The token carries the user id, sessionVersion, a session id and the sign-in time; getSessionUser re-reads
// the user on every request, so disabling a user or changing their role takes effect at once, and refuses a
// session that was signed out (revoked-sessions.ts) or is older than SESSION_MAX_AGE_SECONDS.
import "server-only";
import { randomUUID } from "node:crypto";
import type { Account, NextAuthOptions } from "next-auth";
import type { JWT } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { db, isDatabaseUnavailable } from "@/lib/db";
import { log } from "@/lib/log";
import { clientAddress } from "@/lib/http/client-address";
import { assertNotLocked, LoginLockedError, recordLoginAttempt } from "./login-guard";
import { verifyPassword } from "./password";
import { endOidcSession, OIDC_PROVIDER_ID, OidcRefusal, signInWithOidc, storeOidcSession } from "./oidc";
import { localLoginEnabled, oidcConfig } from "./oidc-config";
import { revokeSession } from "./revoked-sessions";
import { authSecret } from "./secret";
import { sessionCookiesSecure } from "./secure-cookies";
import { passSecondFactor, TwoFactorSignInError } from "./two-factor-sign-in";
import { recordSignIn } from "./user-sessions";

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export const SIGN_IN_DB_UNAVAILABLE = "The panel cannot reach its database; try again in a moment";
export const SIGN_IN_FAILED = "Sign-in failed because of a server error; try again in a moment, and tell an administrator if it persists";

const LoginSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
  /** The second step for an account with two-factor sign-in: a TOTP code or a recovery code. */
  code: z.string().max(64).optional(),
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
  // Two-factor accounts: throws TwoFactorSignInError for a missing or wrong code (a wrong one counts as a failure).
  if (ok && user) await passSecondFactor(user, parsed.data.code, meta);
  await recordLoginAttempt(email, meta.ip, ok, meta.userAgent);
  if (!ok || !user) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion, meta };
}

function headerOf(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/** The sign-in request's client address (see client-address.ts: not whatever X-Forwarded-For claims) and user agent. */
export function loginMeta(req: { headers?: unknown } | undefined): LoginRequestMeta {
  const headers = req?.headers as Parameters<typeof clientAddress>[0];
  return { ip: clientAddress(headers), userAgent: headerOf(req?.headers, "user-agent") };
}

/** What a sign-in hands to the session: verifyCredentials' answer, or the OIDC user. */
export type SignedInUser = { id: string; sessionVersion: number; meta?: LoginRequestMeta };

/**
 * The claims of a new session (next-auth's jwt callback, and the password form's server action in
 * lib/auth/sign-in-actions.ts): a fresh session id and sign-in time, the user's sessionVersion, the OIDC
 * tokens kept for the re-checks (and the ID token for signing out at the provider), and the session list row.
 */
export async function startSessionToken(token: JWT, user: SignedInUser, oidcAccount?: Account): Promise<JWT> {
  const sid = randomUUID();
  const at = Math.floor(Date.now() / 1000);
  token.uid = user.id;
  token.sv = user.sessionVersion;
  token.sid = sid;
  token.at = at;
  if (oidcAccount) {
    token.idp = OIDC_PROVIDER_ID;
    // The ID token goes back to the provider as id_token_hint when the user signs out (lib/auth/sign-out.ts);
    // the session cookie is encrypted (JWE), so it is not readable in the browser.
    if (typeof oidcAccount.id_token === "string") token.idt = oidcAccount.id_token;
    const expiresAt = new Date((at + SESSION_MAX_AGE_SECONDS) * 1000);
    await storeOidcSession({ sid, userId: user.id, tokens: oidcAccount, expiresAt });
  }
  // The user's list of active sessions (lib/auth/user-sessions.ts); a failure here does not stop the sign-in.
  await recordSignIn({ uid: user.id, sid, sv: user.sessionVersion, at }, user.meta ?? {}).catch(
    (error: unknown) => void log.error("could not record a sign-in in the session list", { error }),
  );
  return token;
}

/** Ends the session a decoded session token stands for (revoked on the server, its OIDC tokens dropped). */
export async function endSessionOf(token: JWT | null | undefined): Promise<void> {
  if (typeof token?.uid === "string" && typeof token.sid === "string" && typeof token.at === "number") {
    await revokeSession({ uid: token.uid, sid: token.sid, at: token.at });
    if (token.idp === OIDC_PROVIDER_ID) await endOidcSession(token.sid);
  }
}

export function getAuthOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    // Secure cookies whenever the panel is served over HTTPS (lib/auth/secure-cookies.ts).
    useSecureCookies: sessionCookiesSecure(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    // Errors of the OIDC flow (a forged ID token, a refused user) land on /login?error=… too.
    pages: { signIn: "/login", error: "/login" },
    providers: [
      ...oidcProviders(),
      ...(!localLoginEnabled() ? [] : [CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" }, code: { label: "Code", type: "text" } },
        authorize: async (credentials, req) => {
          try {
            return await verifyCredentials(credentials, loginMeta(req));
          } catch (err) {
            // next-auth passes the message of a thrown error to the sign-in form as `error`: only our own
            // sentences go there, never Prisma's text (which names the query and the database server).
            if (err instanceof LoginLockedError || err instanceof TwoFactorSignInError) throw new Error(err.message);
            void log.error("sign-in failed on the server", { error: err });
            throw new Error(isDatabaseUnavailable(err) ? SIGN_IN_DB_UNAVAILABLE : SIGN_IN_FAILED);
          }
        },
      })]),
    ],
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        try {
          // The ID token was validated by next-auth (openid-client); the user and role come from its claims.
          const resolved = await signInWithOidc((profile ?? {}) as Record<string, unknown>, account.access_token);
          Object.assign(user, resolved); // next-auth hands this same object to the jwt callback below
          return true;
        } catch (err) {
          if (err instanceof OidcRefusal) return `/login?error=${err.code}`;
          void log.error("OIDC sign-in failed on the server", { error: err });
          return `/login?error=${isDatabaseUnavailable(err) ? "OidcUnavailable" : "Callback"}`;
        }
      },
      async jwt({ token, user, account }) {
        if (!user) return token;
        return startSessionToken(token, user as unknown as SignedInUser, account?.provider === OIDC_PROVIDER_ID ? account : undefined);
      },
      session({ session, token }) {
        return { ...session, uid: token.uid as string, sv: token.sv as number, sid: token.sid as string, at: token.at as number, idp: token.idp };
      },
    },
    events: {
      // next-auth calls this on POST /api/auth/signout with the session's decoded token, before clearing the cookie.
      async signOut({ token }) {
        await endSessionOf(token);
      },
    },
  };
}

/** The OpenID Connect provider of lib/auth/oidc.ts, when PALISADE_OIDC_ISSUER is set. */
function oidcProviders(): OAuthConfig<Record<string, unknown>>[] {
  const cfg = oidcConfig();
  if (!cfg) return [];
  return [
    {
      id: OIDC_PROVIDER_ID,
      name: cfg.name,
      type: "oauth",
      wellKnown: `${cfg.issuer}/.well-known/openid-configuration`,
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      authorization: { params: { scope: cfg.scopes } },
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      profile: (p) => ({ id: String(p.sub), email: typeof p.email === "string" ? p.email : null, name: typeof p.name === "string" ? p.name : null }),
    },
  ];
}
