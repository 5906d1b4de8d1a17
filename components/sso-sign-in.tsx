import { Button } from "./ui";

/**
 * "Continue with <provider>": a plain form posting to next-auth's sign-in endpoint (`action`) with its CSRF
 * token (lib/auth/sso-csrf.ts, set up by proxy.ts), which answers with a redirect to the provider (PKCE,
 * state, nonce: lib/auth/oidc.ts). It needs no JavaScript. `callbackUrl` is already a safe path on the panel.
 */
export function SsoSignIn({ label, primary, action, csrfToken, callbackUrl }: { label: string; primary: boolean; action: string; csrfToken: string; callbackUrl: string }) {
  return (
    <form method="post" action={action}>
      <input type="hidden" name="csrfToken" value={csrfToken} />
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Button type="submit" variant={primary ? "primary" : "secondary"} className="w-full">
        {`Continue with ${label}`}
      </Button>
    </form>
  );
}
