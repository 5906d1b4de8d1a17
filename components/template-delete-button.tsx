"use client";
import { useRouter } from "next/navigation";
import { deleteTemplateAction } from "@/lib/templates/actions";
import { applyActionErrors } from "./action-result";
import { ConfirmButton } from "./confirm-dialog";
import { toast } from "./toast";
import { useIdempotentSend } from "./native-form";

export function TemplateDeleteButton({ id, version, name }: { id: string; version: number; name: string }) {
  const { send } = useIdempotentSend();
  const router = useRouter();
  return (
    <ConfirmButton
      label="Delete"
      ariaLabel={`Delete the template ${name}`}
      title={`Delete the template "${name}"?`}
      body={<p>Virtual hosts created from it keep their policies; only the template goes. The audit log keeps a copy of it.</p>}
      confirmLabel="Delete template"
      onConfirm={async () => {
        const r = await send(deleteTemplateAction, { id, version });
        if (!r.ok) return applyActionErrors(r);
        toast.success(`Deleted the template "${name}".`);
        router.push("/templates");
        router.refresh();
      }}
    />
  );
}
