// A real OpenID Connect provider for the tests (the `oidc-provider` package, the certified implementation
// many IdPs build on), on a local port: in-memory accounts with groups, one confidential client for the
// panel, a plain login form (username + password), consent granted on sign-in, and RP-initiated logout
// (its end_session_endpoint, back to the panel's /login).
// Test controls (plain JSON POSTs, this test server only):
//   /__test/account  { id, groups?, disabled? }  change an account at the provider;
//   /__test/reset    {}  accounts as they started, no forgery;
//   /__test/forgery  { mode: "bad-signature" | "expired" | null }  make the token endpoint hand out a
//                    forged ID token (re-signed with another key / validly signed but expired).
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type TestAccount = { id: string; password: string; email: string; name: string; groups: string[]; disabled?: boolean };
export type Forgery = "bad-signature" | "expired" | null;

export type TestOidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  setForgery(mode: Forgery): void;
  close(): Promise<void>;
};

export const TEST_OIDC_CLIENT = { clientId: "palisade", clientSecret: "palisade-test-client-secret-0123456789" };

export const TEST_OIDC_ACCOUNTS: TestAccount[] = [
  { id: "alice", password: "alice-password", email: "alice@idp.test", name: "Alice Admin", groups: ["staff", "waf-admins"] },
  { id: "bob", password: "bob-password", email: "bob@idp.test", name: "Bob Editor", groups: ["waf-editors"] },
  { id: "eve", password: "eve-password", email: "eve@idp.test", name: "Eve Outsider", groups: ["marketing"] },
];
export const TEST_OIDC_ROLE_MAP = "waf-admins=ADMIN,waf-editors=EDITOR,waf-auditors=AUDITOR";

/** The env a panel needs to sign in through this provider (PALISADE_OIDC_RECHECK_SECONDS=0: every request asks). */
export function testOidcEnv(issuer: string): Record<string, string> {
  return {
    PALISADE_OIDC_ISSUER: issuer,
    PALISADE_OIDC_CLIENT_ID: TEST_OIDC_CLIENT.clientId,
    PALISADE_OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT.clientSecret,
    PALISADE_OIDC_NAME: "Test IdP",
    PALISADE_OIDC_SCOPES: "openid email profile groups",
    PALISADE_OIDC_ROLE_CLAIM: "groups",
    PALISADE_OIDC_ROLE_MAP: TEST_OIDC_ROLE_MAP,
    PALISADE_OIDC_RECHECK_SECONDS: "0",
  };
}

function b64json(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

/** An ID token the client must refuse: same claims re-signed with a stranger's key, or an expired one signed with the provider's own key. */
export function forgeIdToken(idToken: string, mode: Exclude<Forgery, null>, providerKey: KeyObject): string {
  const [h = "", p = ""] = idToken.split(".");
  const header = b64json(h);
  const payload = b64json(p);
  if (mode === "bad-signature") return signJwt(header, payload, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
  const now = Math.floor(Date.now() / 1000);
  return signJwt(header, { ...payload, iat: now - 7200, exp: now - 3600 }, providerKey);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP sign-in</title></head><body>
<main><h1>Test IdP</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" required>
<button type="submit">Log in to Test IdP</button></form></main></body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startOidcProvider(options: { port?: number; redirectUris: string[]; accounts?: TestAccount[] }): Promise<TestOidcProvider> {
  const { default: Provider } = await import("oidc-provider");
  const initial = options.accounts ?? TEST_OIDC_ACCOUNTS;
  const accounts = new Map(initial.map((a) => [a.id, { ...a, groups: [...a.groups] }]));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "test-key-1", alg: "RS256", use: "sig" };
  const signingKey = createPrivateKey({ key: jwk, format: "jwk" });
  let forgery: Forgery = null;

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_OIDC_CLIENT.clientId,
        client_secret: TEST_OIDC_CLIENT.clientSecret,
        redirect_uris: options.redirectUris,
        // Sign-out at the provider (RP-initiated logout) sends the browser back to each panel's /login.
        post_logout_redirect_uris: options.redirectUris.map((u) => new URL("/login", u).href),
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ["palisade-test-oidc-cookie-key"] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    async findAccount(_ctx: unknown, id: string) {
      const a = accounts.get(id);
      if (!a || a.disabled) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: a.email, email_verified: true, name: a.name, groups: [...a.groups] }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async () => true,
    pkce: { required: () => true },
  });
  // The forged ID tokens replace the real one in the token endpoint's answer.
  provider.use(async (ctx: { path: string; body: unknown }, next: () => Promise<void>) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (forgery && ctx.path === "/token" && body?.id_token) ctx.body = { ...body, id_token: forgeIdToken(body.id_token, forgery, signingKey) };
  });
  const oidc = provider.callback();

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? "/", issuer);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (req.method === "POST" && url.pathname === "/__test/account") {
        const input = JSON.parse(await readForm(req)) as { id: string; groups?: string[]; disabled?: boolean };
        const a = accounts.get(input.id);
        if (!a) return json(404, { error: "no such account" });
        if (input.groups) a.groups = [...input.groups];
        if (input.disabled !== undefined) a.disabled = input.disabled;
        return json(200, a);
      }
      if (req.method === "POST" && url.pathname === "/__test/reset") {
        for (const a of initial) accounts.set(a.id, { ...a, groups: [...a.groups] });
        forgery = null;
        return json(200, {});
      }
      if (req.method === "POST" && url.pathname === "/__test/forgery") {
        forgery = (JSON.parse(await readForm(req)) as { mode: Forgery }).mode;
        return json(200, { forgery });
      }
      const interaction = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
      if (interaction) {
        const details = await provider.interactionDetails(req, res);
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(loginPage(details.uid));
          return;
        }
        const form = new URLSearchParams(await readForm(req));
        const account = accounts.get(form.get("username") ?? "");
        if (!account || account.password !== form.get("password") || account.disabled) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(loginPage(details.uid, "Wrong username or password."));
          return;
        }
        const grant = new provider.Grant({ accountId: account.id, clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: account.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
        return;
      }
      oidc(req, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });

  return {
    issuer,
    ...TEST_OIDC_CLIENT,
    accounts,
    setForgery(mode) {
      forgery = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
