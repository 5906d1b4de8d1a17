"use client";
import { signOutEverywhereAction } from "@/lib/auth/actions";
import { toast } from "./toast";
import { useIdempotentSend } from "./native-form";
import { NAV_LINK } from "./panel-nav";
import { cx } from "./ui";

// next-auth's client is fetched on click: it is needed only to sign out, not on every page load.
async function signOut() {
  const { signOut } = await import("next-auth/react");
  await signOut({ callbackUrl: "/login" });
}

export function SignOutButton() {
  const { send } = useIdempotentSend();
  return (
    <>
      <button type="button" onClick={signOut} className={cx(NAV_LINK, "w-full text-left")}>
        Sign out
      </button>
      <button
        type="button"
        className={cx(NAV_LINK, "w-full text-left")}
        title="End your sessions on every device and browser"
        onClick={async () => {
          if (!window.confirm("Sign out on every device and browser, including this one?")) return;
          const r = await send(signOutEverywhereAction, {});
          if (!r.ok) return void toast.error(r.error);
          await signOut();
        }}
      >
        Sign out everywhere
      </button>
    </>
  );
}
