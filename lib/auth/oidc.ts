// Single sign-on through an OpenID Connect provider (Keycloak, Entra ID, Authentik, Google…).
// next-auth runs the code flow (PKCE, state, nonce) and validates the ID token (signature against the
// provider's JWKS, issuer, audience, expiry: openid-client). This module then
// - matches the user by issuer + subject (UserIdentity), creating the panel user on first sign-in;
// - gives the role from the provider's group/role claim (lib/auth/oidc-config.ts) — no mapped value, no access;
// - keeps the session's tokens (encrypted) in OidcSession and, at most every PALISADE_OIDC_RECHECK_SECONDS
//   (0: every request), asks the provider's userinfo endpoint again (refreshing the access token when it
//   has expired): a user removed from the groups or disabled at the provider is refused from then on.
// User creation and role changes made here are audited with the actor "system:oidc".
import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { audited } from "@/lib/audit/audited";
import { db, isUniqueViolation, type Role } from "@/lib/db";
import { log } from "@/lib/log";
import { hashPassword } from "./password";
import { authSecret } from "./secret";
import { oidcConfig, OIDC_SIGN_IN_ERRORS, roleFromClaims, type OidcConfig } from "./oidc-config";

export const OIDC_PROVIDER_ID = "oidc";
const ACTOR = { id: null, email: "system:oidc" };
const FETCH_TIMEOUT_MS = 5000;

/** A sign-in or session the provider's answer does not allow; `code` keys OIDC_SIGN_IN_ERRORS (shown on /login). */
export class OidcRefusal extends Error {
  constructor(readonly code: keyof typeof OIDC_SIGN_IN_ERRORS) {
    super(OIDC_SIGN_IN_ERRORS[code]);
  }
}

// ---- tokens at rest: AES-256-GCM, key derived from NEXTAUTH_SECRET --------------------------------------

function tokenKey(): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret(), "palisade", "oidc-session-tokens", 32));
}

export function sealToken(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", tokenKey(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The token, or null when the value was not sealed with this secret (or was altered). */
export function openToken(sealed: string): string | null {
  const [v, iv, tag, body] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", tokenKey(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

// ---- the provider's endpoints ---------------------------------------------------------------------------

/** `endSession`: the provider's end_session_endpoint, when it offers RP-initiated logout. */
type Endpoints = { userinfo: string; token: string; endSession: string | null };
const discovered = new Map<string, Promise<Endpoints>>();

async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: "no-store" });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

function endpoints(cfg: OidcConfig): Promise<Endpoints> {
  let found = discovered.get(cfg.issuer);
  if (!found) {
    found = (async () => {
      const { status, body } = await fetchJson(`${cfg.issuer}/.well-known/openid-configuration`);
      const doc = body as { issuer?: string; userinfo_endpoint?: string; token_endpoint?: string; end_session_endpoint?: string } | null;
      if (status !== 200 || !doc?.userinfo_endpoint || !doc.token_endpoint) throw new Error(`OIDC discovery at ${cfg.issuer} answered ${status}`);
      if (doc.issuer?.replace(/\/+$/, "") !== cfg.issuer) throw new Error(`OIDC discovery names the issuer ${doc.issuer}, not ${cfg.issuer}`);
      const endSession = typeof doc.end_session_endpoint === "string" && /^https?:\/\//i.test(doc.end_session_endpoint) ? doc.end_session_endpoint : null;
      return { userinfo: doc.userinfo_endpoint, token: doc.token_endpoint, endSession };
    })();
    discovered.set(cfg.issuer, found);
    found.catch(() => discovered.delete(cfg.issuer));
  }
  return found;
}

/** The userinfo claims for an access token; null when the provider refuses the token (revoked, user disabled). */
export async function fetchUserinfo(cfg: OidcConfig, accessToken: string): Promise<Record<string, unknown> | null> {
  const { userinfo } = await endpoints(cfg);
  const { status, body } = await fetchJson(userinfo, { headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" } });
  if (status === 401 || status === 403) return null;
  if (status !== 200 || !body || typeof body !== "object") throw new Error(`OIDC userinfo answered ${status}`);
  return body as Record<string, unknown>;
}

type TokenSet = { accessToken: string; refreshToken: string | null; accessExpiresAt: Date | null };

/** A new access token from the refresh token; null when the provider refuses it (session ended or user disabled there). */
async function refreshTokens(cfg: OidcConfig, refreshToken: string, now: number): Promise<TokenSet | null> {
  const { token } = await endpoints(cfg);
  const basic = Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(cfg.clientSecret)}`).toString("base64");
  const { status, body } = await fetchJson(token, {
    method: "POST",
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  });
  const b = body as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string } | null;
  if (status === 400 || status === 401) return null; // invalid_grant and friends
  if (status !== 200 || !b?.access_token) throw new Error(`OIDC token refresh answered ${status}`);
  return {
    accessToken: b.access_token,
    refreshToken: b.refresh_token ?? refreshToken,
    accessExpiresAt: typeof b.expires_in === "number" ? new Date(now + b.expires_in * 1000) : null,
  };
}

// ---- sign-in ----------------------------------------------------------------------------------------------

export type OidcSignIn = { issuer: string; subject: string; claims: Record<string, unknown> };
export type OidcUser = { id: string; email: string; name: string; role: Role; sessionVersion: number };

function emailOf(claims: Record<string, unknown>): string | null {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  return email && email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

function nameOf(claims: Record<string, unknown>, email: string): string {
  const name = [claims.name, claims.preferred_username].find((v): v is string => typeof v === "string" && v.trim() !== "");
  return (name ?? email).trim().slice(0, 200);
}

async function syncRole(user: { id: string; email: string; role: Role }, role: Role, roleClaim: string): Promise<void> {
  await audited({ actor: ACTOR }, async (tx) => {
    const current = await tx.user.findUniqueOrThrow({ where: { id: user.id } });
    const updated = await tx.user.update({ where: { id: user.id }, data: { role } });
    return {
      result: null,
      audit: {
        action: "user.role",
        entityType: "User",
        entityId: user.id,
        summary: `Changed the role of ${user.email} from the identity provider's ${roleClaim} claim: ${current.role} → ${role}`,
        before: { id: current.id, email: current.email, role: current.role },
        after: { id: updated.id, email: updated.email, role: updated.role },
      },
    };
  });
}

/**
 * The panel user for a validated OIDC sign-in: found by issuer + subject, or created (with an audit row)
 * on the first sign-in; the role follows the claim. Throws OidcRefusal for an unmapped or disabled user.
 */
export async function resolveOidcUser(cfg: OidcConfig, input: OidcSignIn, retried = false): Promise<OidcUser> {
  const role = roleFromClaims(input.claims, cfg);
  if (!role) throw new OidcRefusal("OidcUnmapped");
  const identity = await db.userIdentity.findUnique({ where: { issuer_subject: { issuer: input.issuer, subject: input.subject } } });
  const known = identity ? await db.user.findUnique({ where: { id: identity.userId } }) : null;
  if (identity && known) {
    if (known.disabled) throw new OidcRefusal("OidcDisabled");
    if (known.role !== role) await syncRole(known, role, cfg.roleClaim);
    await db.userIdentity.update({ where: { id: identity.id }, data: { lastLoginAt: new Date() } });
    return { id: known.id, email: known.email, name: known.name, role, sessionVersion: known.sessionVersion };
  }
  const email = emailOf(input.claims);
  if (!email) throw new OidcRefusal("OidcNoEmail");
  // Never linked by email: a provider may let users choose their address, and it would take over the account.
  if (await db.user.findUnique({ where: { email }, select: { id: true } })) throw new OidcRefusal("OidcEmailTaken");
  // No password signs this user in: a hash of a random value nobody knows keeps the equal-time check of sign-in.
  const passwordHash = await hashPassword(randomBytes(32).toString("base64url"));
  try {
    return await audited({ actor: ACTOR }, async (tx) => {
      const user = await tx.user.create({ data: { email, name: nameOf(input.claims, email), role, passwordHash } });
      if (identity) await tx.userIdentity.delete({ where: { id: identity.id } }); // its user no longer exists
      await tx.userIdentity.create({ data: { userId: user.id, issuer: input.issuer, subject: input.subject, lastLoginAt: new Date() } });
      return {
        result: { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion },
        audit: {
          action: "user.create",
          entityType: "User",
          entityId: user.id,
          summary: `Created user ${user.email} (${user.role}) at their first sign-in through the identity provider (${cfg.roleClaim} claim)`,
          after: { id: user.id, email: user.email, name: user.name, role: user.role, disabled: false, issuer: input.issuer, subject: input.subject },
        },
      };
    });
  } catch (err) {
    // A concurrent first sign-in of the same person created the identity meanwhile: use it.
    if (!retried && isUniqueViolation(err)) return resolveOidcUser(cfg, input, true);
    if (isUniqueViolation(err, "email")) throw new OidcRefusal("OidcEmailTaken");
    throw err;
  }
}

/**
 * Everything next-auth's signIn callback does for the OIDC provider: the claims of the validated ID token
 * plus the userinfo endpoint's (where providers such as Keycloak put groups), then resolveOidcUser.
 */
export async function signInWithOidc(idTokenClaims: Record<string, unknown>, accessToken: string | undefined): Promise<OidcUser> {
  const cfg = oidcConfig();
  if (!cfg) throw new OidcRefusal("OAuthSignin");
  const subject = typeof idTokenClaims.sub === "string" ? idTokenClaims.sub : "";
  if (!subject || !accessToken) throw new OidcRefusal("OAuthCallback");
  let userinfo: Record<string, unknown> | null;
  try {
    userinfo = await fetchUserinfo(cfg, accessToken);
  } catch (err) {
    void log.warn("OIDC userinfo failed at sign-in", { error: err });
    throw new OidcRefusal("OidcUnavailable");
  }
  if (!userinfo || userinfo.sub !== subject) throw new OidcRefusal("OAuthCallback");
  return resolveOidcUser(cfg, { issuer: cfg.issuer, subject, claims: { ...idTokenClaims, ...userinfo } });
}

// ---- the session's tokens and the re-check ----------------------------------------------------------------

export type OidcTokens = { access_token?: string; refresh_token?: string; expires_at?: number };

/** Keeps a new OIDC session's tokens (encrypted) until `expiresAt`; drops the rows of ended sessions. */
export async function storeOidcSession(input: { sid: string; userId: string; tokens: OidcTokens; expiresAt: Date }, now = new Date()): Promise<void> {
  if (!input.tokens.access_token) throw new OidcRefusal("OAuthCallback");
  await db.oidcSession.deleteMany({ where: { expiresAt: { lt: now } } });
  await db.oidcSession.create({
    data: {
      sid: input.sid,
      userId: input.userId,
      accessToken: sealToken(input.tokens.access_token),
      refreshToken: input.tokens.refresh_token ? sealToken(input.tokens.refresh_token) : null,
      accessExpiresAt: input.tokens.expires_at ? new Date(input.tokens.expires_at * 1000) : null,
      checkedAt: now,
      expiresAt: input.expiresAt,
    },
  });
}

export async function endOidcSession(sid: string): Promise<void> {
  await db.oidcSession.deleteMany({ where: { sid } });
}

/**
 * Where to send the browser after signing out of Palisade so the provider's session ends too (OpenID Connect
 * RP-Initiated Logout: end_session_endpoint with id_token_hint, client_id and post_logout_redirect_uri, which
 * the provider must have registered for the client). Null when single sign-on is off, PALISADE_OIDC_LOGOUT=off,
 * the provider offers no end_session_endpoint, or its discovery document cannot be read (then only the
 * Palisade session ends).
 */
export async function providerLogoutUrl(input: { idToken?: string | null; postLogoutRedirectUri: string }): Promise<string | null> {
  const cfg = oidcConfig();
  if (!cfg?.logoutAtProvider) return null;
  let endSession: string | null;
  try {
    endSession = (await endpoints(cfg)).endSession;
  } catch (err) {
    void log.warn("OIDC discovery failed at sign-out: the provider's session was not ended", { error: err });
    return null;
  }
  if (!endSession) return null;
  const url = new URL(endSession);
  if (input.idToken) url.searchParams.set("id_token_hint", input.idToken);
  url.searchParams.set("client_id", cfg.clientId);
  url.searchParams.set("post_logout_redirect_uri", input.postLogoutRedirectUri);
  return url.href;
}

// Requests of one session that arrive together share one check (and one refresh: providers that rotate
// refresh tokens treat a second use of the old one as theft and end the session).
const inFlight = new Map<string, Promise<Role | null>>();

/**
 * The user's role as the provider sees it now, or null when the session is refused: no stored tokens,
 * the provider refuses the token (user disabled, session ended), no mapped group any more, or the provider
 * cannot be asked (fail closed). Asks at most every `recheckSeconds`; in between, the last answer holds.
 */
export function checkOidcSession(session: { sid: string; user: { id: string; email: string; role: Role } }, now = Date.now()): Promise<Role | null> {
  const running = inFlight.get(session.sid);
  if (running) return running;
  const check = recheck(session, now).finally(() => inFlight.delete(session.sid));
  inFlight.set(session.sid, check);
  return check;
}

async function recheck({ sid, user }: { sid: string; user: { id: string; email: string; role: Role } }, now: number): Promise<Role | null> {
  const cfg = oidcConfig();
  if (!cfg) return null; // single sign-on was turned off: its sessions end
  const row = await db.oidcSession.findUnique({ where: { sid } });
  if (!row || row.userId !== user.id) return null;
  if (now - row.checkedAt.getTime() < cfg.recheckSeconds * 1000) return user.role;
  try {
    let tokens: TokenSet = {
      accessToken: openToken(row.accessToken) ?? "",
      refreshToken: row.refreshToken ? openToken(row.refreshToken) : null,
      accessExpiresAt: row.accessExpiresAt,
    };
    if (!tokens.accessToken) return null;
    let refreshed = false;
    if (tokens.accessExpiresAt && tokens.accessExpiresAt.getTime() <= now + 5000) {
      const next = tokens.refreshToken ? await refreshTokens(cfg, tokens.refreshToken, now) : null;
      if (!next) return deny(user, "the access token expired and the provider gave no new one");
      tokens = next;
      refreshed = true;
    }
    const [claims, identity] = await Promise.all([
      fetchUserinfo(cfg, tokens.accessToken),
      db.userIdentity.findFirst({ where: { userId: user.id, issuer: cfg.issuer }, select: { subject: true } }),
    ]);
    if (!claims) return deny(user, "the provider refused the access token (user disabled or session ended there)");
    if (!identity || claims.sub !== identity.subject) return deny(user, "the provider answered for another subject");
    const role = roleFromClaims(claims, cfg);
    if (!role) return deny(user, `no mapped value in the ${cfg.roleClaim} claim any more`);
    if (role !== user.role) await syncRole(user, role, cfg.roleClaim);
    await db.oidcSession.update({
      where: { sid },
      data: {
        checkedAt: new Date(now),
        ...(refreshed
          ? { accessToken: sealToken(tokens.accessToken), refreshToken: tokens.refreshToken ? sealToken(tokens.refreshToken) : null, accessExpiresAt: tokens.accessExpiresAt }
          : {}),
      },
    });
    return role;
  } catch (err) {
    void log.warn("OIDC session check failed: session refused until the provider answers", { error: err, userId: user.id });
    return null;
  }
}

function deny(user: { id: string; email: string }, why: string): null {
  void log.info(`OIDC session of ${user.email} refused: ${why}`, { userId: user.id });
  return null;
}
