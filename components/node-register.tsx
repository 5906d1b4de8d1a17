"use client";
// Register a node, and show its token exactly once (./token-once.tsx).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { registerNodeAction, registerNodeForm } from "@/lib/nodes/actions";
import type { RegisterNodeInput } from "@/lib/nodes/schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { NativeFields, useNativeForm, useNativeResult } from "./native-form";
import { toast } from "./toast";
import { TokenOnce } from "./token-once";
import { Button, Field, Input } from "./ui";

const resolver = lazyZodResolver<RegisterNodeInput>(() => import("@/lib/nodes/schema").then((m) => m.RegisterNodeSchema));

export function RegisterNodeForm({ panelUrl }: { panelUrl: string }) {
  const router = useRouter();
  const native = useNativeForm(registerNodeForm, { name: "" });
  const registered = native.state?.result.ok ? (native.state.result.data as { node: { name: string }; token: string }) : null;
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(registered && { name: registered.node.name, token: registered.token });
  const form = useForm<RegisterNodeInput>({ resolver, defaultValues: native.values });
  const { handleSubmit, formState, setError, reset } = form;
  useNativeResult(native.state, setError);
  const { field } = htmlFields(form);
  const onSubmit = handleSubmit(async (values) => {
    const r = await native.send(registerNodeAction, values);
    if (!r.ok) return applyActionErrors(r, setError);
    setIssued({ name: r.data.node.name, token: r.data.token });
    toast.success(`Registered ${r.data.node.name}. Copy its token now: it is shown only once.`);
    reset({ name: "" });
    router.refresh();
  });
  return (
    <div className="space-y-4">
      <form action={native.action} onSubmit={onSubmit} onFocus={resolver.preload} noValidate className="flex flex-wrap items-end gap-3" aria-label="Register a node">
        <NativeFields idempotencyKey={native.key} values={{ name: "" }} />
        <div className="w-72">
          <Field label="Node name" htmlFor="node-name" error={formState.errors.name?.message} hint="Letters, digits, dots, dashes, underscores; e.g. edge-fra-1.">
            <Input id="node-name" {...field("name")} aria-invalid={!!formState.errors.name} autoComplete="off" />
          </Field>
        </div>
        <Button type="submit" disabled={formState.isSubmitting} className="mb-5">
          {formState.isSubmitting ? "Registering…" : "Register node"}
        </Button>
      </form>
      {native.state && !native.state.result.ok && (
        <p role="alert" className="text-sm text-red-700">
          {native.state.result.error}
        </p>
      )}
      {issued && <TokenOnce name={issued.name} token={issued.token} panelUrl={panelUrl} onDone={() => setIssued(null)} />}
    </div>
  );
}
