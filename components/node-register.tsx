"use client";
// Register a node, and show its token exactly once (./token-once.tsx).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { registerNodeAction } from "@/lib/nodes/actions";
import type { RegisterNodeInput } from "@/lib/nodes/schema";
import { applyActionErrors } from "./action-result";
import { htmlFields } from "./form-fields";
import { lazyZodResolver } from "./lazy-zod-resolver";
import { toast } from "./toast";
import { TokenOnce } from "./token-once";
import { Button, Field, Input } from "./ui";

const resolver = lazyZodResolver<RegisterNodeInput>(() => import("@/lib/nodes/schema").then((m) => m.RegisterNodeSchema));

export function RegisterNodeForm({ panelUrl }: { panelUrl: string }) {
  const router = useRouter();
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const form = useForm<RegisterNodeInput>({ resolver, defaultValues: { name: "" } });
  const { handleSubmit, formState, setError, reset } = form;
  const { field } = htmlFields(form);
  const onSubmit = handleSubmit(async (values) => {
    const r = await registerNodeAction(values);
    if (!r.ok) return applyActionErrors(r, setError);
    setIssued({ name: r.data.node.name, token: r.data.token });
    toast.success(`Registered ${r.data.node.name}. Copy its token now: it is shown only once.`);
    reset({ name: "" });
    router.refresh();
  });
  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} onFocus={resolver.preload} noValidate className="flex flex-wrap items-end gap-3" aria-label="Register a node">
        <div className="w-72">
          <Field label="Node name" htmlFor="node-name" error={formState.errors.name?.message} hint="Letters, digits, dots, dashes, underscores; e.g. edge-fra-1.">
            <Input id="node-name" {...field("name")} aria-invalid={!!formState.errors.name} autoComplete="off" />
          </Field>
        </div>
        <Button type="submit" disabled={formState.isSubmitting} className="mb-5">
          {formState.isSubmitting ? "Registering…" : "Register node"}
        </Button>
      </form>
      {issued && <TokenOnce name={issued.name} token={issued.token} panelUrl={panelUrl} onDone={() => setIssued(null)} />}
    </div>
  );
}
