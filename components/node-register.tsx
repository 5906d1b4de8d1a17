"use client";
// Register a node, and show a token exactly once (after registering or rotating).
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { registerNodeAction } from "@/lib/nodes/actions";
import { RegisterNodeSchema, type RegisterNodeInput } from "@/lib/nodes/schema";
import { applyActionErrors } from "./action-result";
import { Button, Field, Input } from "./ui";

export function RegisterNodeForm({ panelUrl }: { panelUrl: string }) {
  const router = useRouter();
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const form = useForm<RegisterNodeInput>({ resolver: zodResolver(RegisterNodeSchema), defaultValues: { name: "" } });
  const { register, handleSubmit, formState, setError, reset } = form;
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
      <form onSubmit={onSubmit} noValidate className="flex flex-wrap items-end gap-3" aria-label="Register a node">
        <div className="w-72">
          <Field label="Node name" htmlFor="node-name" error={formState.errors.name?.message} hint="Letters, digits, dots, dashes, underscores; e.g. edge-fra-1.">
            <Input id="node-name" {...register("name")} aria-invalid={!!formState.errors.name} autoComplete="off" />
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

/** The token, once: it is not stored, so closing this loses it (rotate to get a new one). */
export function TokenOnce({ name, token, panelUrl, onDone }: { name: string; token: string; panelUrl: string; onDone: () => void }) {
  return (
    <div role="status" className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950" data-testid="node-token">
      <p className="font-medium">Token for {name} — copy it now. The panel stores only its hash and will not show it again.</p>
      <div className="flex items-center gap-2">
        <code className="block flex-1 break-all rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs" aria-label={`Token for ${name}`}>
          {token}
        </code>
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(token);
              toast.success("Token copied.");
            } catch {
              toast.error("The browser refused the clipboard: select the token and copy it.");
            }
          }}
        >
          Copy
        </Button>
      </div>
      <p>
        On the node, save it in a file only root can read (for example <code className="font-mono text-xs">/etc/palisade/node-token</code>, mode 600), then run the agent:
        <code className="mt-1 block break-all rounded bg-white px-2 py-1 font-mono text-xs">
          npm run node:agent -- --panel {panelUrl} --token-file /etc/palisade/node-token --dir /var/lib/palisade-node
        </code>
      </p>
      <Button type="button" variant="secondary" onClick={onDone}>
        I have saved it
      </Button>
    </div>
  );
}
