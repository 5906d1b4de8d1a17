"use client";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { Button } from "./ui";

/** "Continue with <provider>": next-auth's OpenID Connect flow (lib/auth/oidc.ts), back to callbackUrl afterwards. */
export function SsoSignIn({ label, primary }: { label: string; primary: boolean }) {
  const params = useSearchParams();
  const [pending, setPending] = useState(false);

  async function onClick() {
    setPending(true);
    const { signIn } = await import("next-auth/react");
    await signIn("oidc", { callbackUrl: safeCallbackPath(params.get("callbackUrl"), window.location.origin) });
  }

  return (
    <Button type="button" variant={primary ? "primary" : "secondary"} className="w-full" disabled={pending} onClick={() => void onClick()}>
      {pending ? "Redirecting…" : `Continue with ${label}`}
    </Button>
  );
}
