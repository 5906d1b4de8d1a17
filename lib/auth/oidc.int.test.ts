// Single sign-on against a real OpenID provider (lib/testing/oidc-provider.ts, the `oidc-provider`
// package on a local port): real tokens from the authorization code flow (PKCE), then the panel's
// user/role mapping, the session re-check at the provider, and the ID-token validation next-auth relies on.
import { createHash, randomBytes } from "node:crypto";
import { Issuer } from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { startOidcProvider, testOidcEnv, type TestOidcProvider } from "@/lib/testing/oidc-provider";
import { createUser } from "@/lib/users/service";
import { getAuthOptions } from "./options";
import { OidcRefusal, openToken, providerLogoutUrl, signInWithOidc, storeOidcSession } from "./oidc";
import { getSessionUser, runWithSession } from "./session";

const REDIRECT = "http://127.0.0.1:9/api/auth/callback/oidc";
let idp: TestOidcProvider;
const saved = { ...process.env };

beforeAll(async () => {
  idp = await startOidcProvider({ redirectUris: [REDIRECT] });
  Object.assign(process.env, testOidcEnv(idp.issuer));
});
afterAll(async () => {
  for (const key of Object.keys(testOidcEnv(""))) if (saved[key] === undefined) delete process.env[key];
  await idp?.close();
});

type Jar = Map<string, string>;

/** A browser's requests to the provider: no redirects followed, cookies kept in `jar`. */
function browserAt(jar: Jar) {
  return async (url: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(url, idp.issuer), {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
}

/** The start of the code flow: the provider's authorization endpoint, with PKCE, state and nonce. */
function authorizeQuery() {
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(8).toString("hex");
  const nonce = randomBytes(8).toString("hex");
  const query = new URLSearchParams({
    client_id: idp.clientId,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "openid email profile groups",
    state,
    nonce,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  });
  return { query, checks: { code_verifier: verifier, state, nonce } };
}

/** A browser's part of the code flow, by hand: authorize, log in on the provider's form, follow the redirects. */
async function authorize(username: string, password: string, jar: Jar = new Map()) {
  const go = browserAt(jar);
  const { query, checks } = authorizeQuery();
  let res = await go(`/auth?${query}`);
  const interaction = res.headers.get("location")!;
  expect(interaction).toMatch(/^\/interaction\//);
  res = await go(`${interaction}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }).toString(),
  });
  expect(res.status).toBe(303);
  res = await go(res.headers.get("location")!);
  const callback = new URL(res.headers.get("location")!);
  expect(callback.origin + callback.pathname).toBe(REDIRECT);
  return { params: Object.fromEntries(callback.searchParams), checks };
}

/** The same client next-auth builds from `wellKnown` (openid-client), with the panel's credentials. */
async function client() {
  const issuer = await Issuer.discover(`${idp.issuer}/.well-known/openid-configuration`);
  return new issuer.Client({ client_id: idp.clientId, client_secret: idp.clientSecret, redirect_uris: [REDIRECT], response_types: ["code"] });
}

async function signIn(username: string, jar: Jar = new Map()) {
  const { params, checks } = await authorize(username, `${username}-password`, jar);
  const tokens = await (await client()).callback(REDIRECT, params, checks);
  const user = await signInWithOidc(tokens.claims() as Record<string, unknown>, tokens.access_token);
  // What the session cookie will hold: next-auth's jwt callback for this provider (stores the tokens).
  const token = (await getAuthOptions().callbacks!.jwt!({ token: {}, user, account: { provider: "oidc", type: "oauth", providerAccountId: user.id, ...tokens } } as never)) as Record<string, unknown>;
  const claim = { uid: token.uid as string, sv: token.sv as number, sid: token.sid as string, at: token.at as number, idp: token.idp as string };
  return { user, tokens, claim };
}

const setAccount = (id: string, change: { groups?: string[]; disabled?: boolean }) => Object.assign(idp.accounts.get(id)!, change);

describe(`OpenID Connect sign-in (${process.env.TEST_DB})`, () => {
  it("creates the user at the first sign-in with the mapped role (audited as system:oidc) and finds them by issuer + subject afterwards", async () => {
    const first = await signIn("alice");
    expect(first.user).toMatchObject({ email: "alice@idp.test", name: "Alice Admin", role: "ADMIN" });
    const identity = await db.userIdentity.findUniqueOrThrow({ where: { issuer_subject: { issuer: idp.issuer, subject: "alice" } } });
    expect(identity.userId).toBe(first.user.id);
    const created = await db.auditEvent.findFirstOrThrow({ where: { action: "user.create", entityId: first.user.id } });
    expect(created.actorEmail).toBe("system:oidc");
    expect(created.actorId).toBeNull();

    const again = await signIn("alice");
    expect(again.user.id).toBe(first.user.id);
    expect(await db.user.count({ where: { email: "alice@idp.test" } })).toBe(1);
    expect(await runWithSession(again.claim, () => getSessionUser())).toMatchObject({ id: first.user.id, role: "ADMIN" });

    // The provider's tokens are kept encrypted.
    const row = await db.oidcSession.findUniqueOrThrow({ where: { sid: again.claim.sid } });
    expect(row.accessToken).not.toContain(again.tokens.access_token!);
    expect(openToken(row.accessToken)).toBe(again.tokens.access_token);
  });

  it("refuses a user in no mapped group, and never links to a local account by email", async () => {
    await expect(signIn("eve")).rejects.toMatchObject({ code: "OidcUnmapped" });
    expect(await db.user.count({ where: { email: "eve@idp.test" } })).toBe(0);

    await createUser({ actor: { id: null, email: "setup@example.test" } }, { email: "bob@idp.test", name: "Local Bob", role: "AUDITOR", password: "local bob password" });
    const refused = await signIn("bob").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OidcRefusal);
    expect((refused as OidcRefusal).code).toBe("OidcEmailTaken");
    expect(await db.userIdentity.count({ where: { subject: "bob" } })).toBe(0);
  });

  it("re-checks the session at the provider: a changed group changes the role, removal or deactivation ends access", async () => {
    setAccount("alice", { groups: ["waf-admins"], disabled: false });
    const { user, claim } = await signIn("alice");
    const me = () => runWithSession(claim, () => getSessionUser());
    expect(await me()).toMatchObject({ role: "ADMIN" });

    setAccount("alice", { groups: ["waf-auditors"] });
    expect(await me()).toMatchObject({ id: user.id, role: "AUDITOR" });
    const change = await db.auditEvent.findFirstOrThrow({ where: { action: "user.role", entityId: user.id }, orderBy: { seq: "desc" } });
    expect(change.actorEmail).toBe("system:oidc");
    expect(change.summary).toContain("ADMIN → AUDITOR");

    setAccount("alice", { groups: ["staff"] });
    expect(await me()).toBeNull();
    setAccount("alice", { groups: ["waf-admins"] });
    expect(await me()).toMatchObject({ role: "ADMIN" });

    setAccount("alice", { disabled: true });
    expect(await me()).toBeNull();
    setAccount("alice", { disabled: false });

    // Without the stored tokens (another panel's forged cookie, or signed out), an OIDC session is refused.
    expect(await runWithSession({ ...claim, sid: "no-such-session" }, () => getSessionUser())).toBeNull();
  });

  it("asks the provider at most every PALISADE_OIDC_RECHECK_SECONDS", async () => {
    setAccount("alice", { groups: ["waf-admins"], disabled: false });
    const { claim } = await signIn("alice");
    process.env.PALISADE_OIDC_RECHECK_SECONDS = "60";
    try {
      setAccount("alice", { groups: [] });
      // Checked at sign-in, less than 60 s ago: the last answer holds…
      expect(await runWithSession(claim, () => getSessionUser())).toMatchObject({ role: "ADMIN" });
      // …until 60 s have passed.
      expect(await runWithSession(claim, () => getSessionUser(Date.now() + 61_000))).toBeNull();
    } finally {
      process.env.PALISADE_OIDC_RECHECK_SECONDS = "0";
      setAccount("alice", { groups: ["waf-admins"] });
    }
  });

  it("refreshes an expired access token, and ends the session when the provider refuses the refresh", async () => {
    setAccount("alice", { groups: ["waf-admins"], disabled: false });
    const { claim } = await signIn("alice");
    const before = await db.oidcSession.findUniqueOrThrow({ where: { sid: claim.sid } });
    expect(before.refreshToken).not.toBeNull();
    await db.oidcSession.update({ where: { sid: claim.sid }, data: { accessExpiresAt: new Date(Date.now() - 1000) } });
    expect(await runWithSession(claim, () => getSessionUser())).toMatchObject({ role: "ADMIN" });
    const after = await db.oidcSession.findUniqueOrThrow({ where: { sid: claim.sid } });
    expect(openToken(after.accessToken)).not.toBe(openToken(before.accessToken));
    expect(after.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now());

    await db.oidcSession.update({ where: { sid: claim.sid }, data: { accessExpiresAt: new Date(Date.now() - 1000) } });
    setAccount("alice", { disabled: true });
    expect(await runWithSession(claim, () => getSessionUser())).toBeNull();
    setAccount("alice", { disabled: false });
  });

  it("the ID token is validated: one re-signed with another key or an expired one is refused", async () => {
    for (const [mode, message] of [
      ["bad-signature", /failed to validate JWT signature/],
      ["expired", /JWT expired/],
    ] as const) {
      idp.setForgery(mode);
      try {
        const { params, checks } = await authorize("alice", "alice-password");
        await expect((await client()).callback(REDIRECT, params, checks)).rejects.toThrow(message);
      } finally {
        idp.setForgery(null);
      }
    }
    // The same flow without forgery passes (so the refusals above are the forgery's doing).
    const { params, checks } = await authorize("alice", "alice-password");
    expect((await (await client()).callback(REDIRECT, params, checks)).claims().sub).toBe("alice");
  });

  it("sign-out drops the session's stored tokens, and the cookie is refused afterwards", async () => {
    setAccount("alice", { groups: ["waf-admins"], disabled: false });
    const { claim } = await signIn("alice");
    await getAuthOptions().events!.signOut!({ token: claim, session: null } as never);
    expect(await db.oidcSession.count({ where: { sid: claim.sid } })).toBe(0);
    expect(await runWithSession(claim, () => getSessionUser())).toBeNull();
  });

  it("offers only the provider when PALISADE_LOCAL_LOGIN=off, and ends OIDC sessions when single sign-on is turned off", async () => {
    const ids = () => getAuthOptions().providers.map((p) => p.id);
    expect(ids()).toEqual(["oidc", "credentials"]);
    process.env.PALISADE_LOCAL_LOGIN = "off";
    try {
      expect(ids()).toEqual(["oidc"]);
    } finally {
      delete process.env.PALISADE_LOCAL_LOGIN;
    }
    const { claim } = await signIn("alice");
    const issuer = process.env.PALISADE_OIDC_ISSUER;
    delete process.env.PALISADE_OIDC_ISSUER;
    try {
      expect(ids()).toEqual(["credentials"]);
      expect(await runWithSession(claim, () => getSessionUser())).toBeNull();
    } finally {
      process.env.PALISADE_OIDC_ISSUER = issuer;
    }
  });

  it("signing out leads through the provider's end_session_endpoint, which ends its session; PALISADE_OIDC_LOGOUT=off skips it", async () => {
    setAccount("alice", { groups: ["waf-admins"], disabled: false });
    const jar: Jar = new Map();
    const go = browserAt(jar);
    const { tokens } = await signIn("alice", jar);
    // While the provider's session lasts, a new sign-in goes straight back to the panel (no login form).
    expect((await go(`/auth?${authorizeQuery().query}`)).headers.get("location")).toMatch(/^http:\/\/127\.0\.0\.1:9\/api\/auth\/callback\/oidc\?/);

    const back = "http://127.0.0.1:9/login";
    const url = new URL((await providerLogoutUrl({ idToken: tokens.id_token, postLogoutRedirectUri: back }))!);
    expect(url.origin + url.pathname).toBe(`${idp.issuer}/session/end`);
    expect(url.searchParams.get("id_token_hint")).toBe(tokens.id_token);
    expect(url.searchParams.get("post_logout_redirect_uri")).toBe(back);
    // The provider asks the user to confirm (its own form, with its own CSRF token), then sends them back to /login.
    const confirm = await go(url.href);
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    expect(xsrf && action).toBeTruthy();
    const done = await go(action!, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ xsrf: xsrf!, logout: "yes" }).toString() });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(back);
    // The provider's session is over: signing in again asks for the login form.
    expect((await go(`/auth?${authorizeQuery().query}`)).headers.get("location")).toMatch(/^\/interaction\//);

    // A post-logout address the client did not register is refused by the provider.
    const foreign = await go((await providerLogoutUrl({ idToken: tokens.id_token, postLogoutRedirectUri: "https://evil.example/login" }))!);
    expect(foreign.status).toBe(400);

    process.env.PALISADE_OIDC_LOGOUT = "off";
    try {
      expect(await providerLogoutUrl({ idToken: tokens.id_token, postLogoutRedirectUri: back })).toBeNull();
    } finally {
      delete process.env.PALISADE_OIDC_LOGOUT;
    }
    // Single sign-on off: nothing to sign out of.
    const issuer = process.env.PALISADE_OIDC_ISSUER;
    delete process.env.PALISADE_OIDC_ISSUER;
    try {
      expect(await providerLogoutUrl({ idToken: tokens.id_token, postLogoutRedirectUri: back })).toBeNull();
    } finally {
      process.env.PALISADE_OIDC_ISSUER = issuer;
    }
  });

  it("a session signed in through the provider keeps its ID token in the session token for the sign-out", async () => {
    setAccount("alice", { groups: ["waf-admins"], disabled: false });
    const { params, checks } = await authorize("alice", "alice-password");
    const tokens = await (await client()).callback(REDIRECT, params, checks);
    const user = await signInWithOidc(tokens.claims() as Record<string, unknown>, tokens.access_token);
    const token = (await getAuthOptions().callbacks!.jwt!({ token: {}, user, account: { provider: "oidc", type: "oauth", providerAccountId: user.id, ...tokens } } as never)) as Record<string, unknown>;
    expect(token.idt).toBe(tokens.id_token);
    expect(token.idp).toBe("oidc");
  });

  it("stores nothing for a sign-in without an access token", async () => {
    await expect(storeOidcSession({ sid: "x", userId: "y", tokens: {}, expiresAt: new Date() })).rejects.toBeInstanceOf(OidcRefusal);
  });
});
