"use client";
import { useRouter } from "next/navigation";
import { lazy, Suspense } from "react";
import { setUserDisabledAction } from "@/lib/users/actions";
import { applyActionErrors } from "./action-result";
import { ConfirmButton, DialogButton } from "./confirm-dialog";
import { toast } from "./toast";
import { Button } from "./ui";
import type { User } from "./user-dialog-forms";
import { useIdempotentSend } from "./native-form";

// The dialogs' forms (react-hook-form and their schemas) are fetched when a dialog first opens.
const ChangeRoleForm = lazy(() => import("./user-dialog-forms").then((m) => ({ default: m.ChangeRoleForm })));
const ResetPasswordForm = lazy(() => import("./user-dialog-forms").then((m) => ({ default: m.ResetPasswordForm })));
const loading = <p className="text-sm text-slate-600">Loading…</p>;

/** The row's actions. The reasons a control is off are explained; the server checks the same rules itself. */
export function UserRowControls({ user, isSelf, isLastAdmin }: { user: User; isSelf: boolean; isLastAdmin: boolean }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  const roleBlock = isSelf && user.role === "ADMIN" ? "You cannot change your own role: another admin can." : undefined;
  const disableBlock = isSelf
    ? "You cannot disable your own account: another admin can."
    : isLastAdmin
      ? "The last active admin cannot be disabled: make someone else an admin first."
      : undefined;

  return (
    <div className="flex flex-wrap justify-end gap-2">
      <DialogButton label="Change role" ariaLabel={`Change role of ${user.email}`} title={`Change the role of ${user.email}`} disabled={!!roleBlock} disabledReason={roleBlock}>
        {(close) => (
          <Suspense fallback={loading}>
            <ChangeRoleForm user={user} isLastAdmin={isLastAdmin} close={close} onDone={() => router.refresh()} />
          </Suspense>
        )}
      </DialogButton>
      <DialogButton label="Reset password" ariaLabel={`Reset password of ${user.email}`} title={`Reset the password of ${user.email}`}>
        {(close) => (
          <Suspense fallback={loading}>
            <ResetPasswordForm user={user} isSelf={isSelf} close={close} onDone={() => router.refresh()} />
          </Suspense>
        )}
      </DialogButton>
      {user.disabled ? (
        <Button
          type="button"
          variant="secondary"
          aria-label={`Enable ${user.email}`}
          onClick={async () => {
            const r = await send(setUserDisabledAction, { id: user.id, disabled: false });
            if (!r.ok) return applyActionErrors(r);
            toast.success(`Enabled ${user.email}: they can sign in again.`);
            router.refresh();
          }}
        >
          Enable
        </Button>
      ) : (
        <ConfirmButton
          label="Disable"
          ariaLabel={`Disable ${user.email}`}
          title={`Disable ${user.email}?`}
          body={
            <>
              <p>They are signed out at once and cannot sign in until an admin enables the account again.</p>
              <p>Nothing they did is lost: their changes stay, and so does the audit log.</p>
            </>
          }
          confirmLabel="Disable account"
          disabled={!!disableBlock}
          disabledReason={disableBlock}
          onConfirm={async () => {
            const r = await send(setUserDisabledAction, { id: user.id, disabled: true });
            if (!r.ok) return applyActionErrors(r);
            toast.success(`Disabled ${user.email}: their sessions ended.`);
            router.refresh();
          }}
        />
      )}
    </div>
  );
}
