"use client";
// The admins' two-factor controls on /users: require it for every admin, and reset a user's second factor
// (a lost phone). Both audited on the server.
import { useRouter } from "next/navigation";
import { resetTwoFactorAction, setRequireAdminTwoFactorAction } from "@/lib/two-factor/actions";
import { applyActionErrors } from "./action-result";
import { ConfirmButton } from "./confirm-dialog";
import { useIdempotentSend } from "./native-form";
import { toast } from "./toast";
import { Button } from "./ui";

export function TwoFactorAdmin({ required, users }: { required: boolean; users: { id: string; email: string; enabledAt: string }[] }) {
  const router = useRouter();
  const { send } = useIdempotentSend();
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <p className="text-sm text-slate-700" data-testid="admin-two-factor-requirement">
          {required ? "Every admin must use two-factor sign-in: one without it is sent to set it up before anything else." : "Two-factor sign-in is optional for admins."}
        </p>
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            const r = await send(setRequireAdminTwoFactorAction, { required: !required });
            if (!r.ok) return applyActionErrors(r);
            toast.success(r.data.required ? "Two-factor sign-in is now required for admins." : "Two-factor sign-in is no longer required for admins.");
            router.refresh();
          }}
        >
          {required ? "Stop requiring it for admins" : "Require it for all admins"}
        </Button>
      </div>
      {users.length === 0 ? (
        <p className="text-sm text-slate-600">Nobody has two-factor sign-in on yet.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label="Users with two-factor sign-in">
          {users.map((u) => (
            <li key={u.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-2 text-sm">
              <span className="min-w-0 [overflow-wrap:anywhere]">
                {u.email} <span className="text-slate-600">· since {u.enabledAt.slice(0, 10)}</span>
              </span>
              <ConfirmButton
                label="Reset two-factor"
                ariaLabel={`Reset two-factor sign-in of ${u.email}`}
                title={`Reset the two-factor sign-in of ${u.email}?`}
                body={<p>Their authenticator app and recovery codes stop working; they sign in with their password alone and can set it up again.</p>}
                confirmLabel="Reset two-factor"
                onConfirm={async () => {
                  const r = await send(resetTwoFactorAction, { userId: u.id });
                  if (!r.ok) return applyActionErrors(r);
                  toast.success(`Two-factor sign-in of ${r.data.email} reset.`);
                  router.refresh();
                }}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
