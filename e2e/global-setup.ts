import { startOidcProvider } from "../lib/testing/oidc-provider";
import { E2E_DATABASES, OIDC_PORT } from "./databases";

// Playwright runs this after it has started the web servers, each of which made its database fresh before
// its panel started (e2e/prepare-db.ts). It starts the OpenID provider the panels sign in with
// (e2e/oidc.spec.ts); the function it returns stops it after the run.
export default async function globalSetup() {
  const idp = await startOidcProvider({ port: OIDC_PORT, redirectUris: E2E_DATABASES.map((d) => `http://127.0.0.1:${d.port}/api/auth/callback/oidc`) });
  return () => idp.close();
}
