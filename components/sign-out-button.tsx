"use client";
import { signOut } from "next-auth/react";
import { toast } from "sonner";
import { signOutEverywhereAction } from "@/lib/auth/actions";

export function SignOutButton() {
  return (
    <>
      <button type="button" onClick={() => signOut({ callbackUrl: "/login" })} className="text-sm text-slate-300 hover:text-white">
        Sign out
      </button>
      <button
        type="button"
        className="text-sm text-slate-400 hover:text-white"
        title="End your sessions on every device and browser"
        onClick={async () => {
          if (!window.confirm("Sign out on every device and browser, including this one?")) return;
          const r = await signOutEverywhereAction({});
          if (!r.ok) return void toast.error(r.error);
          await signOut({ callbackUrl: "/login" });
        }}
      >
        Sign out everywhere
      </button>
    </>
  );
}
