"use client";
// The forms of the user row's dialogs. ./user-controls.tsx loads this module, and the schemas with it, only
// when a dialog opens.
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { changeRoleAction, resetPasswordAction } from "@/lib/users/actions";
import {
  ChangeRoleSchema,
  PASSWORD_MIN,
  ResetPasswordSchema,
  ROLE_LABELS,
  ROLES,
  type ChangeRoleInput,
  type ResetPasswordFormValues,
  type ResetPasswordInput,
  type UserRole,
} from "@/lib/users/schema";
import { applyActionErrors } from "./action-result";
import { toast } from "./toast";
import { Button, Field, Input, Select } from "./ui";
import { useIdempotentSend } from "./native-form";

export type User = { id: string; email: string; name: string; role: UserRole; disabled: boolean };

export function ChangeRoleForm({ user, isLastAdmin, close, onDone }: { user: User; isLastAdmin: boolean; close: () => void; onDone: () => void }) {
  const { send } = useIdempotentSend();
  const form = useForm<ChangeRoleInput>({ resolver: zodResolver(ChangeRoleSchema), defaultValues: { id: user.id, role: user.role } });
  const { register, handleSubmit, formState, setError, watch } = form;
  const role = watch("role");
  const onSubmit = handleSubmit(async (values) => {
    const r = await send(changeRoleAction, (values));
    if (!r.ok) return applyActionErrors(r, setError);
    toast.success(`${r.data.email} is now ${ROLE_LABELS[r.data.role].label.toLowerCase()}. Their sessions ended: they sign in again with the new role.`);
    close();
    onDone();
  });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Change role">
      <Field label="New role" htmlFor={`role-${user.id}`} error={formState.errors.role?.message} hint={ROLE_LABELS[role]?.hint}>
        <Select id={`role-${user.id}`} {...register("role")} autoFocus aria-invalid={!!formState.errors.role}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r].label}
            </option>
          ))}
        </Select>
      </Field>
      <p className="text-sm text-slate-600">
        {user.name} is signed out everywhere and signs in again with the new role.
        {isLastAdmin && user.role === "ADMIN" ? " This is the last active admin: make someone else an admin first, or the change is refused." : ""}
      </p>
      <input type="hidden" {...register("id")} />
      <div className="flex justify-end gap-2">
        <Button type="button" variant="secondary" onClick={close}>
          Cancel
        </Button>
        <Button type="submit" disabled={formState.isSubmitting || role === user.role}>
          {formState.isSubmitting ? "Changing…" : "Change role"}
        </Button>
      </div>
    </form>
  );
}

export function ResetPasswordForm({ user, isSelf, close, onDone }: { user: User; isSelf: boolean; close: () => void; onDone: () => void }) {
  const { send } = useIdempotentSend();
  const form = useForm<ResetPasswordFormValues, unknown, ResetPasswordInput>({
    resolver: zodResolver(ResetPasswordSchema),
    defaultValues: { id: user.id, password: "", confirmPassword: "" },
  });
  const { register, handleSubmit, formState, setError } = form;
  const errors = formState.errors;
  const onSubmit = handleSubmit(async (values) => {
    const r = await send(resetPasswordAction, (values));
    if (!r.ok) return applyActionErrors(r, setError);
    close();
    if (r.data.self) {
      toast.success("Your password was changed. Sign in again with the new one.");
      window.location.assign("/login");
      return;
    }
    toast.success(`New password set for ${r.data.email}; their sessions ended. Give it to them through a separate channel.`);
    onDone();
  });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Reset password">
      <Field label="New password" htmlFor={`pw-${user.id}`} error={errors.password?.message} hint={`At least ${PASSWORD_MIN} characters, not the email address.`}>
        <Input id={`pw-${user.id}`} type="password" autoComplete="new-password" autoFocus {...register("password")} aria-invalid={!!errors.password} />
      </Field>
      <Field label="New password again" htmlFor={`pw2-${user.id}`} error={errors.confirmPassword?.message}>
        <Input id={`pw2-${user.id}`} type="password" autoComplete="new-password" {...register("confirmPassword")} aria-invalid={!!errors.confirmPassword} />
      </Field>
      <p className="text-sm text-slate-600">
        {isSelf ? "This is your own account: you are signed out and sign in again with the new password." : `${user.name} is signed out everywhere.`}
      </p>
      <input type="hidden" {...register("id")} />
      <div className="flex justify-end gap-2">
        <Button type="button" variant="secondary" onClick={close}>
          Cancel
        </Button>
        <Button type="submit" variant="danger" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : "Set new password"}
        </Button>
      </div>
    </form>
  );
}
