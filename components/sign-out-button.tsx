"use client";
import { useRef } from "react";
import { signOutEverywhereAction } from "@/lib/auth/actions";
import { signOutForm } from "@/lib/auth/sign-in-actions";
import { toast } from "./toast";
import { useIdempotentSend } from "./native-form";
import { NAV_LINK } from "./panel-nav";
import { cx } from "./ui";

/**
 * "Sign out" is a form bound to a server action (lib/auth/sign-in-actions.ts), so it works before and without
 * the page's scripts; for a single sign-on session its answer leads through the provider's sign-out.
 */
export function SignOutButton() {
  const { send } = useIdempotentSend();
  const form = useRef<HTMLFormElement>(null);
  return (
    <>
      <form ref={form} action={signOutForm}>
        <button type="submit" className={cx(NAV_LINK, "w-full text-left")}>
          Sign out
        </button>
      </form>
      <button
        type="button"
        className={cx(NAV_LINK, "w-full text-left")}
        title="End your sessions on every device and browser"
        onClick={async () => {
          if (!window.confirm("Sign out on every device and browser, including this one?")) return;
          const r = await send(signOutEverywhereAction, {});
          if (!r.ok) return void toast.error(r.error);
          form.current?.requestSubmit();
        }}
      >
        Sign out everywhere
      </button>
    </>
  );
}
