"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { TWO_FACTOR_REQUIRED } from "@/lib/auth/two-factor-messages";
import { Button, Field, Input } from "./ui";

export function LoginForm() {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Two-factor accounts: after a right password the server asks for a code; the form keeps the email and
  // password and shows the code field (lib/auth/two-factor-sign-in.ts).
  const [needsCode, setNeedsCode] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(e.currentTarget);
    // next-auth's client is fetched on submit: the sign-in page needs it for this call only.
    const { signIn } = await import("next-auth/react");
    const code = form.get("code");
    const res = await signIn("credentials", {
      email: String(form.get("email")),
      password: String(form.get("password")),
      ...(typeof code === "string" ? { code } : {}),
      redirect: false,
    });
    setPending(false);
    if (res?.error === TWO_FACTOR_REQUIRED) {
      setNeedsCode(true);
      return;
    }
    if (!res || res.error) {
      // next-auth reports a plain failed check as "CredentialsSignin"; a lockout comes with its own message.
      setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong email or password, or the account is disabled.");
      return;
    }
    router.replace(safeCallbackPath(params.get("callbackUrl"), window.location.origin));
    router.refresh();
  }

  return (
    // Fetching next-auth's client starts as soon as the user is on the form.
    <form onSubmit={onSubmit} onFocus={() => void import("next-auth/react")} className="space-y-4" noValidate>
      <Field label="Email" htmlFor="email">
        <Input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      </Field>
      <Field label="Password" htmlFor="password">
        <Input id="password" name="password" type="password" autoComplete="current-password" required readOnly={needsCode} />
      </Field>
      {needsCode && (
        <Field label="Authentication code" htmlFor="code" hint="The 6-digit code from your authenticator app, or one of your recovery codes.">
          <Input id="code" name="code" type="text" inputMode="text" autoComplete="one-time-code" autoCapitalize="none" spellCheck={false} required autoFocus />
        </Field>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Signing in…" : needsCode ? "Verify" : "Sign in"}
      </Button>
    </form>
  );
}
