"use client";
import { useForm } from "react-hook-form";
import { changeOwnPasswordAction, changeOwnPasswordForm } from "@/lib/users/actions";
import { EMPTY_PASSWORD_CHANGE_FORM, PASSWORD_MIN } from "@/lib/users/fields";
import type { ChangeOwnPasswordFormValues, ChangeOwnPasswordInput } from "@/lib/users/schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input } from "./ui";

const resolver = lazyZodResolver<ChangeOwnPasswordFormValues, ChangeOwnPasswordInput>(() => import("@/lib/users/schema").then((m) => m.ChangeOwnPasswordSchema));

const SUCCESS = "Password changed. Your other sessions have ended; this one goes on.";

export function PasswordChangeForm({ email }: { email: string }) {
  const native = useNativeForm(changeOwnPasswordForm, EMPTY_PASSWORD_CHANGE_FORM);
  const form = useForm<ChangeOwnPasswordFormValues, unknown, ChangeOwnPasswordInput>({ resolver, defaultValues: native.values });
  const { handleSubmit, formState, setError, reset } = form;
  useNativeResult(native.state, setError);
  const { secret } = htmlFields(form);
  const errors = formState.errors;

  const onSubmit = handleSubmit(async (values) => {
    const r = await native.send(changeOwnPasswordAction, values);
    if (!r.ok) return applyActionErrors(r, setError);
    reset(EMPTY_PASSWORD_CHANGE_FORM);
    toast.success(SUCCESS);
  });

  return (
    <form action={native.action} onSubmit={onSubmit} onFocus={resolver.preload} noValidate className="max-w-xl space-y-5" aria-label="Change your password">
      <NativeFields idempotencyKey={native.key} values={EMPTY_PASSWORD_CHANGE_FORM} />
      <NativeStatus state={native.state} success={SUCCESS} />
      {/* For password managers: whose password this is. */}
      <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field label="Current password" htmlFor="currentPassword" error={errors.currentPassword?.message}>
        <Input id="currentPassword" type="password" autoComplete="current-password" {...secret("currentPassword")} aria-invalid={!!errors.currentPassword} />
      </Field>
      <Field label="New password" htmlFor="password" error={errors.password?.message} hint={`At least ${PASSWORD_MIN} characters, not your email address.`}>
        <Input id="password" type="password" autoComplete="new-password" {...secret("password")} aria-invalid={!!errors.password} />
      </Field>
      <Field label="New password again" htmlFor="confirmPassword" error={errors.confirmPassword?.message}>
        <Input id="confirmPassword" type="password" autoComplete="new-password" {...secret("confirmPassword")} aria-invalid={!!errors.confirmPassword} />
      </Field>
      <Button type="submit" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? "Changing…" : "Change password"}
      </Button>
    </form>
  );
}
