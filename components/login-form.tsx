"use client";
import { useActionState } from "react";
import { signInForm } from "@/lib/auth/sign-in-actions";
import { Button, Field, Input } from "./ui";

/**
 * Email and password, then (for a two-factor account) the code. A plain <form> bound to a server action
 * (lib/auth/sign-in-actions.ts): it works the same with JavaScript off, when the browser posts it and the
 * server answers with the next step. The code step carries a sealed pending-sign-in token, never the password.
 */
export function LoginForm({ callbackUrl }: { callbackUrl: string | null }) {
  const [state, action, pending] = useActionState(signInForm, null);
  const codeStep = state?.step === "code" ? state : null;
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="callbackUrl" value={callbackUrl ?? ""} />
      {codeStep ? (
        <>
          <input type="hidden" name="pending" value={codeStep.pending} />
          <p className="text-sm text-slate-700">
            Signing in as <span className="font-medium">{codeStep.email}</span>
          </p>
          <Field label="Authentication code" htmlFor="code" hint="The 6-digit code from your authenticator app, or one of your recovery codes.">
            {/* The key renews the field after a wrong code, so it is empty and focused again. */}
            <Input key={codeStep.pending + (codeStep.error ?? "")} id="code" name="code" type="text" inputMode="text" autoComplete="one-time-code" autoCapitalize="none" spellCheck={false} required autoFocus />
          </Field>
        </>
      ) : (
        <>
          <Field label="Email" htmlFor="email">
            <Input key={state?.error} id="email" name="email" type="email" autoComplete="username" required autoFocus defaultValue={state?.email ?? ""} />
          </Field>
          <Field label="Password" htmlFor="password">
            <Input id="password" name="password" type="password" autoComplete="current-password" required />
          </Field>
        </>
      )}
      {state?.error && (
        <p role="alert" className="text-sm text-red-700">
          {state.error}
        </p>
      )}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Signing in…" : codeStep ? "Verify" : "Sign in"}
      </Button>
    </form>
  );
}
