"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { createUserAction, createUserForm } from "@/lib/users/actions";
import { EMPTY_USER_FORM, PASSWORD_MIN, ROLE_LABELS, ROLES } from "@/lib/users/fields";
import type { CreateUserFormValues, CreateUserInput } from "@/lib/users/schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, NativeStatus, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { Button, Field, Input, Select } from "./ui";

const resolver = lazyZodResolver<CreateUserFormValues, CreateUserInput>(() => import("@/lib/users/schema").then((m) => m.CreateUserSchema));

export function UserCreateForm() {
  const router = useRouter();
  // Validated on submit, then as the user types: validating on blur would show errors while the pointer is on
  // the button, moving it away before the click lands.
  const native = useNativeForm(createUserForm, EMPTY_USER_FORM);
  const form = useForm<CreateUserFormValues, unknown, CreateUserInput>({ resolver, defaultValues: native.values });
  const { handleSubmit, formState, setError, watch } = form;
  useNativeResult(native.state, setError);
  const { field, secret } = htmlFields(form);
  const errors = formState.errors;
  const role = watch("role");

  const onSubmit = handleSubmit(async (values) => {
    const r = await native.send(createUserAction, values);
    if (!r.ok) return applyActionErrors(r, setError);
    toast.success(`Created ${r.data.email}. Give them the password through a separate channel.`);
    router.push("/users");
    router.refresh();
  });

  return (
    <form action={native.action} onSubmit={onSubmit} onFocus={resolver.preload} noValidate className="max-w-xl space-y-5" aria-label="New user">
      <NativeFields idempotencyKey={native.key} values={EMPTY_USER_FORM} />
      <NativeStatus state={native.state} success="User created." />
      <Field label="Email" htmlFor="email" error={errors.email?.message} hint="They sign in with it.">
        <Input id="email" type="email" autoComplete="off" {...field("email")} aria-invalid={!!errors.email} />
      </Field>
      <Field label="Name" htmlFor="name" error={errors.name?.message}>
        <Input id="name" autoComplete="off" {...field("name")} aria-invalid={!!errors.name} />
      </Field>
      <Field label="Role" htmlFor="role" error={errors.role?.message} hint={ROLE_LABELS[role as keyof typeof ROLE_LABELS]?.hint}>
        <Select id="role" {...field("role")} aria-invalid={!!errors.role}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r].label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Password" htmlFor="password" error={errors.password?.message} hint={`At least ${PASSWORD_MIN} characters, not the email address.`}>
        <Input id="password" type="password" autoComplete="new-password" {...secret("password")} aria-invalid={!!errors.password} />
      </Field>
      <Field label="Password again" htmlFor="confirmPassword" error={errors.confirmPassword?.message}>
        <Input id="confirmPassword" type="password" autoComplete="new-password" {...secret("confirmPassword")} aria-invalid={!!errors.confirmPassword} />
      </Field>
      <div className="flex gap-3">
        <Button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Creating…" : "Create user"}
        </Button>
        <Link href="/users" className="self-center text-sm text-slate-600 hover:underline">
          Cancel
        </Link>
      </div>
    </form>
  );
}
