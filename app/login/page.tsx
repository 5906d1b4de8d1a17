import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { LoginForm } from "@/components/login-form";
import { SsoSignIn } from "@/components/sso-sign-in";
import { callbackBase, safeCallbackPath } from "@/lib/auth/callback-url";
import { OIDC_PROVIDER_ID } from "@/lib/auth/oidc";
import { localLoginEnabled, OIDC_SIGN_IN_ERRORS, oidcConfig } from "@/lib/auth/oidc-config";
import { SSO_CSRF_HEADER } from "@/lib/auth/sso-csrf";
import { getSessionUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string | string[]; callbackUrl?: string | string[] }> }) {
  if (await getSessionUser()) redirect("/");
  // Single sign-on (lib/auth/oidc.ts): its button, and why a sign-in through it was refused (?error=…).
  const sso = oidcConfig();
  const local = localLoginEnabled();
  const { error, callbackUrl } = await searchParams;
  const callback = typeof callbackUrl === "string" ? callbackUrl : null;
  // next-auth's CSRF token for the single sign-on form, from the cookie proxy.ts keeps (lib/auth/sso-csrf.ts).
  const csrfToken = sso ? ((await headers()).get(SSO_CSRF_HEADER) ?? "") : "";
  const ssoError = typeof error === "string" ? (OIDC_SIGN_IN_ERRORS[error] ?? "Sign-in failed; try again in a moment.") : null;
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="mb-1 text-xl font-semibold">Palisade</h1>
        <p className="mb-6 text-sm text-slate-600">Sign in to manage the web application firewall.</p>
        {ssoError && (
          <p role="alert" className="mb-4 text-sm text-red-700">
            {ssoError}
          </p>
        )}
        <Suspense>
          {sso && (
            <SsoSignIn
              label={sso.name}
              primary={!local}
              action={`/api/auth/signin/${OIDC_PROVIDER_ID}`}
              csrfToken={csrfToken}
              callbackUrl={safeCallbackPath(callback, callbackBase())}
            />
          )}
          {sso && local && <p className="my-4 text-center text-xs text-slate-600">or with your Palisade password</p>}
          {local && <LoginForm callbackUrl={callback} />}
        </Suspense>
        {!sso && !local && <p className="text-sm text-red-700">No way to sign in is configured: set PALISADE_OIDC_ISSUER or turn local sign-in back on.</p>}
      </div>
    </main>
  );
}
